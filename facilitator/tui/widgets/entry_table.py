"""The log's table: one row per entry, newest first; every cell is rich Text, never markup."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.widgets import DataTable

from facilitator.core.entries import Entry, summary
from facilitator.core.text import one_line
from facilitator.core.timeutil import local, parse_iso
from facilitator.i18n import t

# Widths of the fixed columns; the text column takes what is left of the table's width. A
# narrow terminal drops the initials and tags (the detail pane under the table shows them).
WIDE = {"time": 5, "where": 16, "kind": 13, "author": 4, "tags": 18}
NARROW = {"time": 5, "where": 12, "kind": 11}
NARROW_BELOW = 100
MIN_TEXT = 20
ORDER = ("time", "where", "kind", "author", "text", "tags")


def clock_time(stamp: str) -> str:
    """HH:MM in the laptop's time zone."""
    return f"{local(parse_iso(stamp)):%H:%M}"


class EntryTable(DataTable):
    """Entries as rows keyed by entry id; deleted ones (when shown) are dim and struck through."""

    DEFAULT_CSS = """
    EntryTable { height: 1fr; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.entries: list[Entry] = []
        self._where: Callable[[Entry], str] = lambda e: ""
        self._shown_width = 0
        self._shown_fixed: dict[str, int] = WIDE

    def _fixed(self) -> dict[str, int]:
        width = self.size.width or self.app.size.width
        return NARROW if width < NARROW_BELOW else WIDE

    def _text_width(self) -> int:
        width = self.size.width or self.app.size.width
        fixed = self._fixed()
        # Each column has one cell of padding on either side, and there is a scrollbar.
        return max(MIN_TEXT, width - sum(fixed.values()) - 2 * (len(fixed) + 1) - 2)

    def _columns(self, text_width: int) -> None:
        self.clear(columns=True)
        self._shown_fixed = fixed = self._fixed()
        for key in ORDER:
            if key == "text" or key in fixed:
                self.add_column(
                    Text(t("log.col_" + key)), key=key, width=fixed.get(key, text_width)
                )
        self._shown_width = text_width

    def _row(self, entry: Entry, text_width: int) -> list[Text]:
        style = "dim strike" if entry.deleted else ""
        fixed = self._shown_fixed
        values = {
            "time": clock_time(entry.created_at),
            "where": one_line(self._where(entry), fixed["where"]),
            "kind": t("capture.kind_" + entry.kind),
            "author": one_line(entry.author, fixed.get("author", 4)),
            "text": summary(entry, text_width),
            "tags": one_line(", ".join(entry.tags), fixed.get("tags", 18)),
        }
        return [
            Text(values[key], style=style, no_wrap=True, overflow="ellipsis")
            for key in ORDER
            if key == "text" or key in fixed
        ]

    def show(
        self, entries: list[Entry], where: Callable[[Entry], str], keep: str | None = None
    ) -> None:
        """Replace the rows; keep the cursor on entry `keep` when it is still there."""
        self._where = where
        self.entries = list(entries)
        width = self._text_width()
        self._columns(width)
        self.add_rows([self._row(e, width) for e in self.entries])
        if keep is None or not self.select(keep):
            self.move_cursor(row=0)

    def append(self, entries: list[Entry]) -> None:
        """More rows at the bottom (the next page of a long log)."""
        self.entries.extend(entries)
        self.add_rows([self._row(e, self._shown_width) for e in entries])

    def on_resize(self) -> None:
        if self.entries and (self._text_width(), self._fixed()) != (
            self._shown_width,
            self._shown_fixed,
        ):
            self.show(self.entries, self._where, self.current_id())

    def current(self) -> Entry | None:
        """The entry under the cursor."""
        if not self.entries or self.cursor_row < 0 or self.cursor_row >= len(self.entries):
            return None
        return self.entries[self.cursor_row]

    def current_id(self) -> str | None:
        entry = self.current()
        return entry.id if entry else None

    def select(self, entry_id: str) -> bool:
        """Move the cursor to an entry; False when it is not in the table."""
        for row, entry in enumerate(self.entries):
            if entry.id == entry_id:
                self.move_cursor(row=row, scroll=True)
                return True
        return False
