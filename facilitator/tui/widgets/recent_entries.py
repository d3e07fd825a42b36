"""The last few entries of the session under the block, so a note-taker sees what landed."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from facilitator.core.entries import Capture, Entry, summary
from facilitator.core.text import one_line
from facilitator.core.timeutil import local, parse_iso
from facilitator.i18n import t


class RecentEntries(Widget):
    """Newest first: time, initials, kind and the words as typed (as text, never markup)."""

    DEFAULT_CSS = """
    RecentEntries { height: auto; max-height: 8; padding: 0 2; border-top: hkey $panel-lighten-2; }
    RecentEntries.-empty { display: none; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.entries: list[Entry] = []
        self.pending: list[Capture] = []
        self.add_class("-empty")

    def show(self, entries: list[Entry], pending: list[Capture] | None = None) -> None:
        """The newest entries, under the ones still waiting for their commit ("opslaan…")."""
        self.entries = entries
        self.pending = list(pending or [])
        self.set_class(not (entries or self.pending), "-empty")
        self.refresh(layout=True)

    def render(self) -> Text:
        width = max(20, self.size.width)
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        text.append(t("run.recent") + "\n", style="bold")
        for c in reversed(self.pending):
            head = f"{t('saving.label')} {t('capture.kind_' + c.kind)}: "
            text.append(head, style="bold yellow")
            text.append(summary(c, max(10, width - len(head) - 1)))
            text.append("\n")
        for i, e in enumerate(self.entries):
            when = f"{local(parse_iso(e.created_at)):%H:%M}"
            head = f"{when} {one_line(e.author) or '--'} {t('capture.kind_' + e.kind)}: "
            text.append(head, style="dim")
            text.append(summary(e, max(10, width - len(head) - 1)))
            if i < len(self.entries) - 1:
                text.append("\n")
        return text
