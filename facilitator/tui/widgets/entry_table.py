"""The log's list: one line per entry, newest first, drawn line by line (the Line API).

Only the lines on screen are drawn, so a log of thousands of entries opens and refills as fast
as the database answers (a DataTable measures every cell of every row it is given). Typed text
reaches a cell only through `one_line`, which strips control characters, and is written as
plain segments: nothing in it is ever read as markup.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from facilitator.core.entries import Entry, summary
from facilitator.core.text import one_line
from facilitator.core.timeutil import local, parse_iso
from facilitator.i18n import t

# Widths of the fixed columns; the text column takes what is left of the width. A narrow
# terminal drops the initials and tags (the detail pane under the list shows them).
WIDE = {"time": 5, "where": 16, "kind": 13, "author": 4, "tags": 18}
NARROW = {"time": 5, "where": 12, "kind": 11}
NARROW_BELOW = 100
MIN_TEXT = 20
ORDER = ("time", "where", "kind", "author", "text", "tags")
GAP = 2  # cells between columns


def clock_time(stamp: str) -> str:
    """HH:MM in the laptop's time zone."""
    return f"{local(parse_iso(stamp)):%H:%M}"


def fit(text: str, width: int) -> str:
    """Exactly `width` cells (wide characters and emoji counted as two), cut with an ellipsis."""
    if cell_len(text) > width:
        return set_cell_size(text, max(0, width - 1)) + "…"
    return set_cell_size(text, width)


class EntryTable(ScrollView, can_focus=True):
    """Entries as lines under a fixed header; deleted ones (when shown) dim and struck through."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor(-1)", show=False),
        Binding("down", "cursor(1)", show=False),
        Binding("pageup", "page(-1)", show=False),
        Binding("pagedown", "page(1)", show=False),
        Binding("home", "first", show=False),
        Binding("end", "last", show=False),
        Binding("enter", "select", show=False),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "entry-table--header",
        "entry-table--cursor",
        "entry-table--odd",
        "entry-table--deleted",
    }
    DEFAULT_CSS = """
    EntryTable { height: 1fr; background: $surface; }
    EntryTable > .entry-table--header { text-style: bold; background: $panel; }
    EntryTable > .entry-table--odd { background: $surface-lighten-1; }
    EntryTable > .entry-table--cursor { background: $panel-lighten-1; text-style: bold; }
    EntryTable:focus > .entry-table--cursor { background: $accent 60%; }
    EntryTable > .entry-table--deleted { color: $text-muted; text-style: strike; }
    """

    cursor_row: reactive[int] = reactive(0, always_update=True)
    """The row under the cursor (an index into `entries`)."""

    class Highlighted(Message):
        """The cursor moved to another entry (or the list changed under it)."""

        def __init__(self, table: EntryTable, row: int) -> None:
            super().__init__()
            self.table = table
            self.cursor_row = row

        @property
        def control(self) -> EntryTable:
            return self.table

    class Selected(Message):
        """Enter (or a double click on an entry): open it."""

        def __init__(self, table: EntryTable, row: int) -> None:
            super().__init__()
            self.table = table
            self.cursor_row = row

        @property
        def control(self) -> EntryTable:
            return self.table

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.entries: list[Entry] = []
        self._where: Callable[[Entry], str] = lambda e: ""

    # -- content ---------------------------------------------------------------------------

    def show(
        self, entries: list[Entry], where: Callable[[Entry], str], keep: str | None = None
    ) -> None:
        """Replace the lines; keep the cursor on entry `keep` when it is still there."""
        self._where = where
        self.entries = list(entries)
        self._resize()
        if keep is None or not self.select(keep):
            self.move_cursor(row=0)
        self.refresh()

    def append(self, entries: list[Entry]) -> None:
        """More lines at the bottom (the next page of a long log)."""
        self.entries.extend(entries)
        self._resize()
        self.refresh()

    def _resize(self) -> None:
        self.virtual_size = Size(self.size.width, len(self.entries) + 1)

    @property
    def row_count(self) -> int:
        return len(self.entries)

    def current(self) -> Entry | None:
        """The entry under the cursor."""
        if 0 <= self.cursor_row < len(self.entries):
            return self.entries[self.cursor_row]
        return None

    def current_id(self) -> str | None:
        entry = self.current()
        return entry.id if entry else None

    def select(self, entry_id: str) -> bool:
        """Move the cursor to an entry; False when it is not in the list."""
        for row, entry in enumerate(self.entries):
            if entry.id == entry_id:
                self.move_cursor(row=row)
                return True
        return False

    # -- the cursor ----------------------------------------------------------------------------

    def move_cursor(self, *, row: int, scroll: bool = True) -> None:
        self.cursor_row = max(0, min(row, len(self.entries) - 1))
        if scroll:
            self.call_after_refresh(self._scroll_to_cursor)

    def _scroll_to_cursor(self) -> None:
        # Line 0 is the header; the entry on row r is drawn on virtual line r + 1.
        self.scroll_to_region(
            Region(0, self.cursor_row + 1, 1, 1), spacing=None, animate=False, top=False
        )
        if self.cursor_row + 1 - self.scroll_offset.y < 1:
            self.scroll_to(y=self.cursor_row, animate=False)

    def watch_cursor_row(self, row: int) -> None:
        self.refresh()
        self.post_message(self.Highlighted(self, row))

    def action_cursor(self, delta: int) -> None:
        self.move_cursor(row=self.cursor_row + delta)

    def action_page(self, direction: int) -> None:
        self.move_cursor(row=self.cursor_row + direction * max(1, self.size.height - 2))

    def action_first(self) -> None:
        self.move_cursor(row=0)

    def action_last(self) -> None:
        self.move_cursor(row=len(self.entries) - 1)

    def action_select(self) -> None:
        if self.current() is not None:
            self.post_message(self.Selected(self, self.cursor_row))

    def on_click(self, event: events.Click) -> None:
        row = event.y + self.scroll_offset.y - 1
        if 0 <= row < len(self.entries):
            if row == self.cursor_row and event.chain > 1:
                self.action_select()
            self.move_cursor(row=row, scroll=False)

    def on_resize(self) -> None:
        self._resize()

    # -- drawing -------------------------------------------------------------------------------

    def _columns(self) -> list[tuple[str, int]]:
        width = self.size.width
        fixed = NARROW if width < NARROW_BELOW else WIDE
        used = sum(fixed.values()) + GAP * len(fixed) + 1
        text = max(MIN_TEXT, width - used - 1)
        return [(key, fixed.get(key, text)) for key in ORDER if key == "text" or key in fixed]

    def _cells(self, entry: Entry, columns: list[tuple[str, int]]) -> list[str]:
        values = {
            "time": lambda w: clock_time(entry.created_at),
            "where": lambda w: one_line(self._where(entry)),
            "kind": lambda w: t("capture.kind_" + entry.kind),
            "author": lambda w: one_line(entry.author),
            "text": lambda w: summary(entry, w + 1),
            "tags": lambda w: one_line(", ".join(entry.tags)),
        }
        return [fit(values[key](width), width) for key, width in columns]

    def _line(self, cells: list[str], style: Style) -> Strip:
        text = " " + (" " * GAP).join(cells)
        return Strip([Segment(fit(text, self.size.width), style)])

    def render_line(self, y: int) -> Strip:
        columns = self._columns()
        base = self.rich_style
        if y == 0:
            header = [fit(t("log.col_" + key), width) for key, width in columns]
            return self._line(header, base + self.get_component_rich_style("entry-table--header"))
        row = y + self.scroll_offset.y - 1
        if row >= len(self.entries):
            return Strip.blank(self.size.width, base)
        entry = self.entries[row]
        style = base
        if row % 2:
            style += self.get_component_rich_style("entry-table--odd")
        if entry.deleted:
            style += self.get_component_rich_style("entry-table--deleted")
        if row == self.cursor_row:
            style += self.get_component_rich_style("entry-table--cursor")
        return self._line(self._cells(entry, columns), style)
