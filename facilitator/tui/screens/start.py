"""The start screen: the sessions in this database; open one, or create a new one."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Static

from facilitator.core.text import one_line
from facilitator.i18n import t
from facilitator.tui.base import Translated, ellipsize
from facilitator.tui.context import AppContext
from facilitator.tui.widgets.keybar import KeyBar

COLUMNS = ("date", "place", "theme", "state", "id")
# A table wider than the screen gives way in this order, each column down to the width given
# ("…" where it is cut): the theme first, then the place, then the id; date and state stay whole.
# The line under the table shows the highlighted session in full.
SHRINK = (("theme", 10), ("place", 8), ("id", 12), ("theme", 4), ("place", 4), ("id", 6))


def column_widths(rows: list[dict[str, str]], headers: dict[str, str], room: int) -> dict[str, int]:
    """Each column's width: its widest cell, less what SHRINK takes when `room` is short."""
    widths = {
        key: max([cell_len(headers[key]), *(cell_len(r[key]) for r in rows)]) for key in COLUMNS
    }
    for key, least in SHRINK:
        excess = sum(widths.values()) - room
        if excess <= 0:
            break
        widths[key] -= max(0, min(excess, widths[key] - least))
    return widths


class StartScreen(Translated, Screen[None]):
    """Pick a session to continue (Enter), or make a new one (n)."""

    BINDINGS = [
        Binding("n", "new_session", "keys.new_session"),
        Binding("enter", "open_session", "keys.open_session"),
        Binding("question_mark,f1", "help", "keys.help"),
        Binding("q,escape", "app.quit", "keys.quit"),
    ]
    KEY_PRIORITY = ("new_session", "open_session", "help", "app.quit")
    HELP_SECTIONS = {
        "new_session": "other",
        "open_session": "other",
        "help": "view",
        "app.quit": "other",
    }

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx

    def compose(self) -> ComposeResult:
        with Vertical(id="start-body"):
            yield Static(Content(t("start.title")), classes="screen-title")
            yield Static(Content(t("start.intro")), id="start-intro")
            yield DataTable(id="sessions", cursor_type="row", zebra_stripes=True)
            yield Static("", id="start-detail")
        yield KeyBar()

    async def on_mount(self) -> None:
        self._rows: list[dict[str, str]] = []
        self._widths: dict[str, int] | None = None
        await self.load()

    async def load(self) -> None:
        sessions = await self.ctx.db(self.ctx.store.sessions.list)
        self._rows = [
            {
                "id": one_line(s.id),
                "date": one_line(s.date),
                "place": one_line(s.place),
                "theme": one_line(s.programme.theme),
                "state": t("state." + s.state),
            }
            for s in sessions or []
        ]
        self._widths = None
        self._fill()
        self.query_one("#start-intro", Static).update(
            Content(t("start.intro") if sessions else t("start.empty"))
        )
        self.query_one(DataTable).focus()

    def on_resize(self, _event: events.Resize) -> None:
        if hasattr(self, "_rows"):
            self.call_after_refresh(self._fill)  # once the table has its new width

    def _room(self) -> int:
        """Cells for the cells themselves: the table's width less padding and scroll bar."""
        table = self.query_one(DataTable)
        width = table.scrollable_content_region.width or (self.app.size.width - 6)
        return width - 2 * table.cell_padding * len(COLUMNS)

    def _fill(self) -> None:
        """(Re)build the table for its width: every column shows, cut with "…" when narrow."""
        headers = {key: t("start.col_" + key) for key in COLUMNS}
        widths = column_widths(self._rows, headers, self._room())
        if widths == self._widths:
            return
        self._widths = widths
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear(columns=True)
        for key in COLUMNS:
            table.add_column(Text(ellipsize(headers[key], widths[key])), key=key, width=widths[key])
        for r in self._rows:
            table.add_row(*(Text(ellipsize(r[key], widths[key])) for key in COLUMNS), key=r["id"])
        if self._rows:
            table.move_cursor(row=min(max(row, 0), len(self._rows) - 1))
        self._show_detail()

    @on(DataTable.RowHighlighted)
    def _show_detail(self) -> None:
        """The highlighted session in full, when the table had to cut some of it."""
        detail = self.query_one("#start-detail", Static)
        table = self.query_one(DataTable)
        widths = self._widths or {}
        cut = 0 <= table.cursor_row < len(self._rows) and any(
            cell_len(self._rows[table.cursor_row][key]) > widths.get(key, 0) for key in COLUMNS
        )
        detail.display = cut
        if cut:
            r = self._rows[table.cursor_row]
            detail.update(Content(" · ".join(r[key] for key in ("place", "theme", "id"))))

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value:
            self.ctx.open_session(event.row_key.value)

    def action_open_session(self) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
            if key:
                self.ctx.open_session(key)

    def action_help(self) -> None:
        from facilitator.tui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen(self))

    @work(exclusive=True, group="new-session")
    async def action_new_session(self) -> None:
        from facilitator.core.programme import find
        from facilitator.tui.screens.new_session import NewSessionScreen

        values = await self.app.push_screen_wait(NewSessionScreen())
        if not values:
            return
        programme = find(values["programme"])
        if programme is None:
            self.notify(t("new.err_programme"), severity="error")
            return
        sid = await self.ctx.db(
            self.ctx.store.sessions.create,
            programme,
            values["place"],
            values["date"],
            facilitators=values["facilitators"],
            expected_participants=values["participants"],
            now=self.ctx.clock(),
        )
        if sid:
            self.notify(t("new.created", id=sid), markup=False)
            self.ctx.open_session(sid)
