"""One entry in full: every field as typed (wrapped, never parsed), its tags and linked quotes."""

from __future__ import annotations

from typing import Any

from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from facilitator.core.entries import KINDS, Entry
from facilitator.core.text import clean
from facilitator.i18n import t

Part = str | tuple[str, str]


def field_parts(
    kind: str, fields: dict[str, Any], tags: list[str], linked: list[Entry]
) -> list[Part]:
    """Labelled fields of one version of an entry, as Content parts (typed text stays plain)."""
    parts: list[Part] = []
    spec = KINDS[kind]
    for name in spec.fields:
        value = fields.get(name)
        if name == "level":
            if value:
                parts += [
                    (t(f"capture.label_{kind}_{name}"), "bold"),
                    "  ",
                    t("capture.level_" + str(value)),
                    "\n",
                ]
            continue
        text = clean(str(value or ""))
        if not text.strip():
            continue
        label = t(f"capture.label_{kind}_{name}")
        if label != t("capture.kind_" + kind):  # a quote's words need no "Citaat" over them
            parts += [(label, "bold"), "\n"]
        parts += [text, "\n"]
    if spec.building_blocks:
        blocks = [clean(str(b)) for b in fields.get("building_blocks") or []]
        if blocks:
            parts += [(t("capture.label_prototype_building_blocks"), "bold"), "\n"]
            for b in blocks:
                parts += ["  • ", b, "\n"]
    if spec.links and linked:
        parts += [(t(f"capture.label_{kind}_links"), "bold"), "\n"]
        for q in linked:
            line = f"“{clean(q.text)}”" + (f" — {clean(q.speaker)}" if q.speaker.strip() else "")
            parts += ["  • ", line, "\n"]
    if tags:
        parts += [(t("capture.label_tags"), "bold"), "  ", ", ".join(clean(x) for x in tags), "\n"]
    return parts


class EntryDetail(VerticalScroll):
    """The highlighted entry of the log, in full."""

    DEFAULT_CSS = """
    EntryDetail { height: auto; max-height: 12; padding: 0 1; border-top: hkey $panel-lighten-2; }
    EntryDetail #detail-body { width: 100%; }
    """

    def compose(self):
        yield Static("", id="detail-body")

    def show(
        self, entry: Entry | None, header: str = "", linked: list[Entry] | None = None
    ) -> None:
        body = self.query_one("#detail-body", Static)
        if entry is None:
            body.update(Content(t("log.nothing_selected")))
            return
        parts: list[Part] = [(clean(header), "bold"), "\n"]
        if entry.deleted:
            parts += [(t("log.deleted_note"), "reverse"), "\n"]
        parts += field_parts(entry.kind, entry.fields(), entry.tags, linked or [])
        body.update(Content.assemble(*parts).rstrip())
        self.scroll_home(animate=False)

    @property
    def text(self) -> str:
        """The plain text shown (for tests and copying)."""
        return str(self.query_one("#detail-body", Static).visual)
