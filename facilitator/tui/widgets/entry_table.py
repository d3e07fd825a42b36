"""The log's list: one line per entry, newest first, drawn line by line (the Line API).

The list knows how many entries match and holds only the pages of rows that have come into
view: it asks its loader for a page (PAGE rows) when a line of it is about to be drawn, and
draws a dim placeholder until the page is there. So a log of ten thousand entries opens, jumps
to its end and refills after a search as fast as one of ten. Typed text reaches a cell only
through `one_line`, which strips control characters, and is written as plain segments: nothing
in it is ever read as markup.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
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

PAGE = 100  # rows fetched at a time: a few screenfuls

# Widths of the fixed columns; the text column takes what is left of the width. A narrow
# terminal drops the initials and tags (the detail pane under the list shows them), a very
# narrow one the block too.
WIDE = {"time": 5, "session": 16, "where": 16, "kind": 13, "author": 4, "tags": 18}
NARROW = {"time": 5, "session": 12, "where": 12, "kind": 11}
TINY = {"time": 5, "session": 9, "kind": 9}
NARROW_BELOW = 100
TINY_BELOW = 60
MIN_TEXT = 12
ORDER = ("time", "session", "where", "kind", "author", "text", "tags")
GAP = 2  # cells between columns

Loader = Callable[[int, int], Awaitable[list[Entry] | None]]


def clock_time(stamp: str) -> str:
    """HH:MM in the laptop's time zone."""
    return f"{local(parse_iso(stamp)):%H:%M}"


def fit(text: str, width: int) -> str:
    """Exactly `width` cells (wide characters and emoji counted as two), cut with an ellipsis."""
    if width <= 0:
        return ""
    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + "…"
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
        "entry-table--loading",
    }
    DEFAULT_CSS = """
    EntryTable { height: 1fr; background: $surface; overflow-x: hidden; }
    EntryTable > .entry-table--header { text-style: bold; background: $panel; }
    EntryTable > .entry-table--odd { background: $surface-lighten-1; }
    EntryTable > .entry-table--cursor { background: $panel-lighten-1; text-style: bold; }
    EntryTable:focus > .entry-table--cursor { background: $accent 60%; }
    EntryTable > .entry-table--deleted { color: $text-muted; text-style: strike; }
    EntryTable > .entry-table--loading { color: $text-muted; }
    """

    cursor_row: reactive[int] = reactive(0, always_update=True)
    """The row under the cursor (an index into the whole list, loaded or not)."""

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
        self.total = 0
        self._rows: dict[int, Entry] = {}
        self._asked: set[int] = set()  # pages asked for (in flight or loaded)
        self._generation = 0  # a page for an earlier list (other filters) is dropped
        self._loader: Loader | None = None
        self._where: Callable[[Entry], str] = lambda e: ""
        self._session: Callable[[Entry], str] | None = None

    # -- content ---------------------------------------------------------------------------

    def show(
        self,
        first: list[Entry],
        total: int,
        *,
        loader: Loader | None = None,
        where: Callable[[Entry], str] = lambda e: "",
        session: Callable[[Entry], str] | None = None,
        keep: str | None = None,
        pages: dict[int, list[Entry]] | None = None,
    ) -> None:
        """A new list of `total` entries whose first rows are `first` (more pages, already
        fetched, in `pages`); the loader fetches the others when they come into view. The
        cursor stays on entry `keep` when it is among the rows given."""
        self._generation += 1
        self._loader = loader
        self._where, self._session = where, session
        self.total = max(total, len(first))
        self._rows = dict(enumerate(first))
        self._asked = {0}
        for page, entries in (pages or {}).items():
            self._asked.add(page)
            self._rows.update({page * PAGE + i: e for i, e in enumerate(entries)})
        self._resize()
        if keep is None or not self.select(keep):
            self.move_cursor(row=0)
        self.refresh()

    def _resize(self) -> None:
        self.virtual_size = Size(self._width, self.total + 1)

    @property
    def _width(self) -> int:
        """Cells for a line: the width less the scroll bar's."""
        return self.scrollable_content_region.width

    @property
    def entries(self) -> list[Entry]:
        """The entries loaded so far, in list order (all of them in a short log)."""
        return [self._rows[row] for row in sorted(self._rows)]

    @property
    def row_count(self) -> int:
        return self.total

    def entry_at(self, row: int) -> Entry | None:
        """The entry on `row`, if its page has been loaded."""
        return self._rows.get(row)

    def row_of(self, entry_id: str) -> int | None:
        """The row of a loaded entry."""
        for row, entry in self._rows.items():
            if entry.id == entry_id:
                return row
        return None

    def current(self) -> Entry | None:
        """The entry under the cursor (None while its page is still on its way)."""
        return self._rows.get(self.cursor_row)

    def current_id(self) -> str | None:
        entry = self.current()
        return entry.id if entry else None

    def select(self, entry_id: str) -> bool:
        """Move the cursor to a loaded entry; False when it is not there."""
        row = self.row_of(entry_id)
        if row is None:
            return False
        self.move_cursor(row=row)
        return True

    # -- pages ---------------------------------------------------------------------------------

    def _want(self, row: int) -> None:
        """Make sure the page holding `row` is loaded or on its way."""
        page = row // PAGE
        if page in self._asked or self._loader is None or not 0 <= row < self.total:
            return
        self._asked.add(page)
        self.run_worker(self._load(page, self._generation), group=f"entry-page-{page}")

    async def _load(self, page: int, generation: int) -> None:
        assert self._loader is not None
        entries = await self._loader(page * PAGE, PAGE)
        if generation != self._generation:
            return  # the list changed meanwhile: these rows belong to the old one
        if entries is None:
            self._asked.discard(page)  # failed (the app said why): ask again when in view
            return
        self._rows.update({page * PAGE + i: e for i, e in enumerate(entries)})
        self.refresh()
        if page * PAGE <= self.cursor_row < page * PAGE + PAGE:
            self.post_message(self.Highlighted(self, self.cursor_row))

    # -- the cursor ----------------------------------------------------------------------------

    def move_cursor(self, *, row: int, scroll: bool = True) -> None:
        self.cursor_row = max(0, min(row, self.total - 1))
        self._want(self.cursor_row)
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
        self.move_cursor(row=self.total - 1)

    def action_select(self) -> None:
        if self.current() is not None:
            self.post_message(self.Selected(self, self.cursor_row))

    def on_click(self, event: events.Click) -> None:
        row = event.y + self.scroll_offset.y - 1
        if 0 <= row < self.total:
            if row == self.cursor_row and event.chain > 1:
                self.action_select()
            self.move_cursor(row=row, scroll=False)

    def on_resize(self) -> None:
        self._resize()

    # -- drawing -------------------------------------------------------------------------------

    def _columns(self) -> list[tuple[str, int]]:
        width = self._width
        fixed = TINY if width < TINY_BELOW else NARROW if width < NARROW_BELOW else WIDE
        fixed = {k: w for k, w in fixed.items() if k != "session" or self._session is not None}
        used = sum(fixed.values()) + GAP * len(fixed) + 1
        text = max(MIN_TEXT, width - used - 1)
        return [(key, fixed.get(key, text)) for key in ORDER if key == "text" or key in fixed]

    def _cells(self, entry: Entry, columns: list[tuple[str, int]]) -> list[str]:
        values = {
            "time": lambda w: clock_time(entry.created_at),
            "session": lambda w: one_line(self._session(entry)) if self._session else "",
            "where": lambda w: one_line(self._where(entry)),
            "kind": lambda w: t("capture.kind_" + entry.kind),
            "author": lambda w: one_line(entry.author),
            "text": lambda w: summary(entry, w + 1),
            "tags": lambda w: one_line(", ".join(entry.tags)),
        }
        return [fit(values[key](width), width) for key, width in columns]

    def _line(self, cells: list[str], style: Style) -> Strip:
        text = " " + (" " * GAP).join(cells)
        return Strip([Segment(fit(text, self._width), style)])

    def render_line(self, y: int) -> Strip:
        columns = self._columns()
        base = self.rich_style
        if y == 0:
            header = [fit(t("log.col_" + key), width) for key, width in columns]
            return self._line(header, base + self.get_component_rich_style("entry-table--header"))
        row = y + self.scroll_offset.y - 1
        if row >= self.total:
            return Strip.blank(self._width, base)
        style = base
        if row % 2:
            style += self.get_component_rich_style("entry-table--odd")
        if row == self.cursor_row:
            style += self.get_component_rich_style("entry-table--cursor")
        entry = self._rows.get(row)
        if entry is None:
            self._want(row)
            # A page arrives in a few milliseconds; meanwhile the row says so quietly.
            loading = style + self.get_component_rich_style("entry-table--loading")
            return self._line([fit("…", w) for _, w in columns], loading)
        self._want(row + PAGE // 2)  # the next page, before the rows come into view
        if entry.deleted:
            style += self.get_component_rich_style("entry-table--deleted")
        return self._line(self._cells(entry, columns), style)
