"""The room clock: the block's name and its countdown in large digits, for a projector."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

from facilitator.core.clock import fmt_duration
from facilitator.core.text import one_line
from facilitator.core.timeutil import local
from facilitator.i18n import t
from facilitator.tui.base import Translated
from facilitator.tui.widgets.bigclock import BigClock
from facilitator.tui.widgets.block_panel import block_title

if TYPE_CHECKING:
    from facilitator.tui.screens.run import RunScreen


class RoomClockScreen(Translated, Screen[None]):
    """Full screen, large digits; the clock keys keep working so the facilitator need not switch."""

    SHOWS_NOTIFICATIONS = False  # it is on the projector: see FacilitatorApp._refresh_notifications
    BINDINGS = [
        Binding("r,escape", "app.pop_screen", "keys.back", tooltip="help.back_to_run"),
        Binding("n", "run('next_block')", "keys.next", tooltip="help.next"),
        Binding("b", "run('start_break')", "keys.break", tooltip="help.break"),
        Binding("e", "run('extend(1)')", "keys.extend1", tooltip="help.extend1"),
        Binding("E", "run('extend(5)')", "keys.extend5", tooltip="help.extend5"),
        Binding("p", "run('toggle_pause')", "keys.pause", tooltip="help.pause"),
        Binding("u", "run('undo')", "keys.undo", tooltip="help.undo"),
        Binding("question_mark,f1", "help", "keys.help", tooltip="help.help"),
    ]
    HELP_SECTIONS = {
        "app.pop_screen": "view",
        "help": "view",
        **{
            f"run('{a}')": "clock"
            for a in ("next_block", "start_break", "extend(1)", "extend(5)", "toggle_pause", "undo")
        },
    }

    def __init__(self, run_screen: RunScreen) -> None:
        super().__init__()
        self.run_screen = run_screen
        self._extra_for: str | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="room-body"):
            with Vertical(id="room-main"):
                yield Static("", id="room-title")
                yield BigClock("", id="room-clock")
                yield Static("", id="room-until")
                yield Static("", id="room-next")
            yield Vertical(id="room-extra")

    def on_mount(self) -> None:
        self.refresh_clock()
        self.set_interval(0.25, self.refresh_clock)

    def action_help(self) -> None:
        from facilitator.tui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen(self))

    async def action_run(self, action: str) -> None:
        await self.app.run_action(action, self.run_screen)

    def refresh_clock(self) -> None:
        state = self.run_screen._compute()
        title = self.query_one("#room-title", Static)
        big = self.query_one(BigClock)
        until = self.query_one("#room-until", Static)
        nxt_label = self.query_one("#room-next", Static)
        for cls in ("-warn", "-urgent", "-overrun"):
            self.remove_class(cls)
        self.set_class(state.paused, "-paused")
        if state.current is None:
            title.update(
                Content(t("run.closed") if state.state == "closed" else t("run.not_started"))
            )
            big.update(fmt_duration(state.session_elapsed) if state.state == "closed" else "")
            until.update("")
            nxt_label.update("")
        else:
            if state.level != "normal":
                self.add_class("-" + state.level)
            name = block_title(state)
            if state.paused:
                name += f" · {t('run.paused')}"
            elif state.level == "overrun":
                name += f" · {t('run.overrun')}"
            title.update(Content(name))
            big.update(fmt_duration(state.block_remaining, countdown=True))
            from datetime import timedelta

            end = state.now + timedelta(seconds=state.block_remaining)
            key = "room.over_since" if state.level == "overrun" else "room.until"
            until.update(Content(t(key, time=f"{local(end):%H:%M}")))
            nxt = state.next_block()
            nxt_label.update(Content(t("room.next", name=one_line(nxt.name))) if nxt else "")
        self._update_extra(state)

    def _update_extra(self, state) -> None:
        """During a break the remark QR code (if any) stands beside the clock."""
        key = (
            state.current.key
            if state.current is not None and state.current.block.kind in ("break", "meal")
            else None
        )
        if key == self._extra_for:
            return
        self._extra_for = key
        extra = self.query_one("#room-extra", Vertical)
        extra.remove_children()
        widget = self.run_screen.room_break_widget() if key else None
        extra.display = widget is not None
        if widget is not None:
            extra.mount(widget)
