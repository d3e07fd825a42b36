"""Two people edited one entry: show the other version beside mine and let the editor choose."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from facilitator.core.entries import Capture, Entry, summary
from facilitator.core.text import one_line
from facilitator.i18n import t
from facilitator.tui.base import DismissOnce, plain
from facilitator.tui.widgets.entry_table import clock_time


def _version_text(capture: Capture) -> str:
    """Every field of a version, one per line, its words as typed."""
    lines = []
    for name, value in capture.store_fields().items():
        if isinstance(value, list):
            value = ", ".join(value)
        if str(value or "").strip():
            lines.append(f"{t(f'capture.label_{capture.kind}_{name}')}: {value}")
    if capture.tags:
        lines.append(f"{t('capture.label_tags')}: {', '.join(capture.tags)}")
    return "\n".join(lines) or summary(capture)


class ConflictScreen(DismissOnce, ModalScreen[str | None]):
    """Returns "mine", "theirs" or "both" (see core.conflict), or None to decide later."""

    CSS_PATH = "../capture.tcss"
    BINDINGS = [
        Binding("m", "choose('mine')", show=False),
        Binding("t", "choose('theirs')", show=False),
        Binding("b", "choose('both')", show=False),
        Binding("escape", "choose(None)", show=False),
    ]

    def __init__(self, mine: Capture, current: Entry) -> None:
        super().__init__()
        self.mine = mine
        self.current = current

    def compose(self) -> ComposeResult:
        cur = self.current
        with Vertical(classes="dialog", id="conflict-dialog"):
            yield Static(
                Content(t("conflict.title", kind=t("capture.kind_" + cur.kind))),
                classes="dialog-title",
            )
            yield Static(
                Content(
                    t(
                        "conflict.intro",
                        revision=cur.revision,
                        who=one_line(cur.author) or "?",
                        when=clock_time(cur.updated_at),
                    )
                )
            )
            yield Static(Content(t("conflict.theirs")), classes="conflict-head")
            yield Static(plain(_version_text(Capture.from_entry(cur))), id="conflict-theirs")
            yield Static(Content(t("conflict.mine")), classes="conflict-head")
            yield Static(plain(_version_text(self.mine)), id="conflict-mine")
            yield Static(
                Content(
                    " · ".join(
                        (
                            t("conflict.keep_mine"),
                            t("conflict.keep_theirs"),
                            t("conflict.keep_both"),
                        )
                    )
                ),
                classes="hint",
            )
            yield Static(Content(t("conflict.hint")), classes="hint")

    def action_choose(self, choice: str | None) -> None:
        self.dismiss(choice)
