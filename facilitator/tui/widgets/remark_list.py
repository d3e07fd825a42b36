"""The remarks screen's list: draws only the rows in view (Textual's line API).

A DataTable is rebuilt row by row (measuring every cell) whenever remarks change; a thousand
remarks made that cost a second per refresh. Here new rows are a list swap, and each frame
renders the 20 to 50 lines that are visible. Typed text goes in as plain Segments (never
markup), flattened to one line and cleaned of control characters.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from facilitator.core.text import one_line

SLOT_WIDTH = 24
STATE_WIDTH = 11


def _cell(text: str, width: int) -> str:
    text = one_line(text, width - 1) if width > 1 else ""
    return text.ljust(width)


class RemarkList(ScrollView, can_focus=True):
    """Rows of (slot, state, text); a cursor row; `Highlighted` when the cursor moves."""

    DEFAULT_CSS = """
    RemarkList { height: 1fr; background: $surface; }
    RemarkList > .remark-list--cursor { background: $accent; color: $text; }
    RemarkList > .remark-list--odd { background: $surface-lighten-1; }
    RemarkList > .remark-list--dim { color: $text-muted; }
    """
    COMPONENT_CLASSES = {"remark-list--cursor", "remark-list--odd", "remark-list--dim"}
    BINDINGS = [
        Binding("up", "cursor_up", show=False),
        Binding("down", "cursor_down", show=False),
        Binding("pageup", "page_up", show=False),
        Binding("pagedown", "page_down", show=False),
        Binding("home", "first", show=False),
        Binding("end", "last", show=False),
    ]

    class Highlighted(Message):
        def __init__(self, row: int) -> None:
            super().__init__()
            self.row = row

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: list[tuple[str, str, str, bool]] = []  # slot, state, text, dim
        self.keys: list[str] = []
        self.cursor_row = 0
        # Drawn lines by row, for the current width and theme: a frame redraws only what moved.
        self._strips: dict[int, Strip] = {}
        self._strips_for: tuple[int, str] = (0, "")

    # -- the data --------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self.rows)

    def set_rows(self, keys: list[str], rows: list[tuple[str, str, str, bool]]) -> None:
        """Replace the rows; the cursor stays on the same key when it is still there."""
        if keys == self.keys and rows == self.rows:
            return  # nothing changed: nothing to draw
        current = self.keys[self.cursor_row] if 0 <= self.cursor_row < len(self.keys) else None
        self.keys, self.rows = keys, rows
        self._strips.clear()
        row = self.cursor_row
        if current is not None and (row >= len(keys) or keys[row] != current):
            try:
                row = keys.index(current)
            except ValueError:
                pass
        self.cursor_row = min(max(row, 0), max(len(rows) - 1, 0))
        self.virtual_size = Size(self.size.width, len(rows))
        self.refresh()

    def get_row_at(self, row: int) -> tuple[str, str, str]:
        slot, state, text, _ = self.rows[row]
        return slot, state, text

    def move_cursor(self, *, row: int) -> None:
        if not self.rows:
            return
        row = min(max(row, 0), len(self.rows) - 1)
        if row != self.cursor_row:
            self._strips.pop(self.cursor_row, None)
            self._strips.pop(row, None)
            self.cursor_row = row
            self.refresh()
        self.scroll_to_region(Region(0, row, 1, 1), animate=False, immediate=True)
        self.post_message(self.Highlighted(row))

    # -- drawing ---------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        _, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.scrollable_content_region.width
        base = self.rich_style
        if index >= len(self.rows):
            return Strip.blank(width, base)
        stamp = (width, self.app.theme)
        if stamp != self._strips_for:
            self._strips.clear()
            self._strips_for = stamp
        strip = self._strips.get(index)
        if strip is None:
            strip = self._strips[index] = self._draw(index, width, base)
        return strip

    def _draw(self, index: int, width: int, base: Style) -> Strip:
        slot, state, text, dim = self.rows[index]
        style = base
        if index == self.cursor_row:
            style = base + self.get_component_rich_style("remark-list--cursor")
        elif index % 2:
            style = base + self.get_component_rich_style("remark-list--odd")
        text_style = style + self.get_component_rich_style("remark-list--dim") if dim else style
        rest = max(width - SLOT_WIDTH - STATE_WIDTH, 0)
        segments = [
            Segment(_cell(slot, SLOT_WIDTH), style),
            Segment(_cell(state, STATE_WIDTH), style),
            Segment(_cell(text, rest), text_style),
        ]
        return Strip(segments).crop(0, width).extend_cell_length(width, style)

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, len(self.rows))

    # -- keys ------------------------------------------------------------------------------

    def action_cursor_up(self) -> None:
        self.move_cursor(row=self.cursor_row - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(row=self.cursor_row + 1)

    def action_page_up(self) -> None:
        self.move_cursor(row=self.cursor_row - max(self.size.height - 1, 1))

    def action_page_down(self) -> None:
        self.move_cursor(row=self.cursor_row + max(self.size.height - 1, 1))

    def action_first(self) -> None:
        self.move_cursor(row=0)

    def action_last(self) -> None:
        self.move_cursor(row=len(self.rows) - 1)
