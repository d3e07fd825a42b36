"""Every version of one entry, newest first: nothing an edit replaced is lost."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from facilitator.core.entries import Entry
from facilitator.core.text import clean
from facilitator.core.timeutil import local, parse_iso
from facilitator.i18n import t
from facilitator.tui.base import Translated
from facilitator.tui.widgets.entry_detail import Part, field_parts


def _when(stamp: str) -> str:
    return f"{local(parse_iso(stamp)):%H:%M:%S}"


class HistoryScreen(Translated, ModalScreen[None]):
    """Shows the current version and the earlier ones of an entry; does no I/O."""

    CSS_PATH = "../capture.tcss"
    BINDINGS = [Binding("escape,h,q", "app.pop_screen", "keys.close")]

    def __init__(self, entry: Entry, revisions: list[dict]) -> None:
        super().__init__()
        self.entry = entry
        self.revisions = revisions

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog", id="history-dialog"):
            yield Static(
                Content(t("log.history_title", kind=t("capture.kind_" + self.entry.kind))),
                classes="dialog-title",
            )
            yield Static(self._body(), id="history-body")
            yield Static(Content(t("log.history_hint")), classes="hint")

    def _body(self) -> Content:
        e = self.entry
        parts: list[Part] = [
            (
                t(
                    "log.version_current",
                    n=e.revision,
                    time=_when(e.updated_at),
                    author=clean(e.author),
                ),
                "reverse",
            ),
            "\n",
            *field_parts(e.kind, e.fields(), e.tags, []),
        ]
        if e.links:
            parts += [t("log.version_links", n=len(e.links)), "\n"]
        if not self.revisions:
            parts += ["\n", t("log.no_versions")]
        for rev in reversed(self.revisions):
            # Each earlier version shows the time it was written and when it was replaced.
            written = rev.get("updated_at") or e.created_at
            parts += [
                "\n",
                (
                    t(
                        "log.version_old",
                        n=rev["revision"],
                        time=_when(written),
                        replaced=_when(rev["saved_at"]),
                    ),
                    "bold underline",
                ),
                "\n",
                *field_parts(e.kind, rev, list(rev.get("tags") or []), []),
            ]
            links = rev.get("links") or []
            if links:
                parts += [t("log.version_links", n=len(links)), "\n"]
        return Content.assemble(*parts)
