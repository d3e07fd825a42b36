"""The start screen: the sessions in this database; open one, or create a new one."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from facilitator.core.text import one_line
from facilitator.i18n import t
from facilitator.tui.base import Translated
from facilitator.tui.context import AppContext


class StartScreen(Translated, Screen[None]):
    """Pick a session to continue (Enter), or make a new one (n)."""

    BINDINGS = [
        Binding("n", "new_session", "keys.new_session"),
        Binding("enter", "open_session", "keys.open_session"),
        Binding("question_mark,f1", "help", "keys.help"),
        Binding("q,escape", "app.quit", "keys.quit"),
    ]
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
        yield Footer()

    async def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key in ("date", "place", "theme", "state", "id"):
            table.add_column(Text(t("start.col_" + key)), key=key)
        await self.load()

    async def load(self) -> None:
        sessions = await self.ctx.db(self.ctx.store.sessions.list)
        table = self.query_one(DataTable)
        table.clear()
        for s in sessions or []:
            table.add_row(
                Text(one_line(s.date)),
                Text(one_line(s.place)),
                Text(one_line(s.programme.theme)),
                Text(t("state." + s.state)),
                Text(one_line(s.id)),
                key=s.id,
            )
        self.query_one("#start-intro", Static).update(
            Content(t("start.intro") if sessions else t("start.empty"))
        )
        table.focus()

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
