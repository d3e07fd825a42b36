"""The run screen: the block running now, its countdown and prompts, the agenda, and the keys."""

from __future__ import annotations

import asyncio

from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

from facilitator.core import clock as ck
from facilitator.core.clock import ClockEvent, ClockState, compute, fmt_duration
from facilitator.core.text import one_line
from facilitator.i18n import t
from facilitator.store import SessionInfo
from facilitator.tui.app import DatabaseChanged, FacilitatorApp
from facilitator.tui.base import Translated, preset_breakpoints
from facilitator.tui.capture_actions import (
    CAPTURE_BINDINGS,
    CAPTURE_HELP_SECTIONS,
    CaptureActions,
    EntriesChanged,
)
from facilitator.tui.commands import KeyCommands
from facilitator.tui.export_actions import EXPORT_BINDINGS, EXPORT_HELP_SECTIONS, ExportActions
from facilitator.tui.messages import follow_database_changes
from facilitator.tui.remarks_actions import REMARK_BINDINGS, REMARK_HELP_SECTIONS, RemarkActions
from facilitator.tui.sync_actions import (
    SYNC_BINDINGS,
    SYNC_HELP_SECTIONS,
    SyncActions,
    SyncStatusChanged,
    apply_notetaker_mode,
    status_text,
)
from facilitator.tui.widgets.agenda import Agenda
from facilitator.tui.widgets.block_panel import BlockPanel
from facilitator.tui.widgets.keybar import KeyBar
from facilitator.tui.widgets.recent_entries import RecentEntries
from facilitator.tui.widgets.session_bar import SessionBar

TICK_SECONDS = 0.25
RECENT = 5  # entries shown under the block

CLOCK_BINDINGS = [
    Binding("n", "next_block", "keys.next", tooltip="help.next"),
    Binding("b", "start_break", "keys.break", tooltip="help.break"),
    Binding("e", "extend(1)", "keys.extend1", tooltip="help.extend1"),
    Binding("E", "extend(5)", "keys.extend5", show=False, tooltip="help.extend5"),
    Binding("plus", "extend(1)", "keys.extend1", show=False, tooltip="help.extend1"),
    Binding("p", "toggle_pause", "keys.pause", tooltip="help.pause"),
    Binding("u", "undo", "keys.undo", tooltip="help.undo"),
    Binding("k", "rebalance", "keys.rebalance", show=False, tooltip="help.rebalance"),
    Binding("r", "room_clock", "keys.room", tooltip="help.room"),
]
HELP_BINDING = Binding("question_mark,f1", "help", "keys.help", tooltip="help.help")
VIEW_BINDINGS = [
    Binding("escape", "sessions", "keys.sessions", show=False, tooltip="help.sessions"),
    Binding("q", "app.quit", "keys.quit", show=False, tooltip="help.quit"),
]
HELP_SECTIONS = {
    **{b.action: "clock" for b in CLOCK_BINDINGS if b.action != "room_clock"},
    "room_clock": "view",
    "help": "view",
    "sessions": "view",
    "app.quit": "other",
    **CAPTURE_HELP_SECTIONS,
    **REMARK_HELP_SECTIONS,
    **EXPORT_HELP_SECTIONS,
    **SYNC_HELP_SECTIONS,
}


class RunScreen(
    CaptureActions, RemarkActions, ExportActions, SyncActions, Translated, Screen[None]
):
    """Run one session against the clock."""

    app = getters.app(FacilitatorApp)  # typed: the store, the clock, db()

    # Help first, so the key bar never cuts it off on a narrow terminal.
    BINDINGS = [
        HELP_BINDING,
        *CLOCK_BINDINGS,
        *CAPTURE_BINDINGS,
        *REMARK_BINDINGS,
        *EXPORT_BINDINGS,
        *SYNC_BINDINGS,
        *VIEW_BINDINGS,
    ]
    HELP_SECTIONS = HELP_SECTIONS
    # A narrow key bar keeps these (see KeyBar): what a note-taker needs most, then the clock.
    KEY_PRIORITY = ("help", "capture('quote')", "log", "remarks", "next_block", "start_break")
    KEY_TERSE = ("help",)
    COMMANDS = {KeyCommands, *ExportActions.COMMANDS}

    def __init__(self, session_id: str) -> None:
        super().__init__()
        preset_breakpoints(self)
        self.session_id = session_id
        self.session: SessionInfo = self.app.store.get_session(session_id)
        self.events: list[ClockEvent] = self.app.store.clock_events(session_id)
        self.state: ClockState = self._compute()
        self._offer_noticed = False
        # One clock action at a time, each deciding from the events the one before it wrote: a
        # second n pressed while the first is being committed starts the block after it.
        self._clock_lock = asyncio.Lock()
        self._asking_close = False
        # A session joined from a host: the clock is the facilitator's (issue 10).
        self.notetaker = apply_notetaker_mode(self)

    # -- layout --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield SessionBar(self.session, self.app.demo_speed)
        with Horizontal(id="run-main"):
            with Vertical(id="left-pane"):
                yield BlockPanel(id="block-panel")
                yield RecentEntries(id="recent")
            with Vertical(id="agenda-pane"):
                yield Static(Content(t("run.agenda")), classes="pane-title")
                yield Agenda(id="agenda")
        yield Static("", id="banner")
        yield KeyBar()

    def on_mount(self) -> None:
        follow_database_changes(self)
        self.refresh_clock()
        self.set_interval(TICK_SECONDS, self.refresh_clock)
        if self.app.demo_speed:
            hint = t("run.demo_hint", speed=f"{self.app.demo_speed:g}")
            if self.app.demo_throwaway:
                hint += " " + t("run.demo_throwaway")
            self.call_after_refresh(self.notify, hint, timeout=12)

    # -- state ---------------------------------------------------------------------------

    def _compute(self) -> ClockState:
        return compute(self.session.programme.blocks, self.events, self.app.clock())

    def current_block_key(self) -> str | None:
        """The key of the block running now (entries and remarks are stamped with it)."""
        current = self._compute().current
        return current.key if current is not None else None

    def refresh_clock(self) -> None:
        """Recompute everything from the stored events and the current time (never from ticks)."""
        self.state = self._compute()
        self.query_one(SessionBar).update_state(self.state)
        self.query_one(BlockPanel).update_state(self.state)
        self.query_one(Agenda).update_state(self.state)
        self._update_banner()

    def _update_banner(self) -> None:
        banner = self.query_one("#banner", Static)
        # A note-taker's laptop cannot take time back (k is the facilitator's): no offer there.
        offer = None if getattr(self, "notetaker", False) else self.state.rebalance_offer()
        if offer:
            minutes = round(self.state.late_minutes)
            banner.update(Content(t("run.rebalance_hint", minutes=minutes)))
            banner.add_class("-visible")
            if not self._offer_noticed:
                self._offer_noticed = True
                self.notify(t("run.rebalance_hint", minutes=minutes), severity="warning", timeout=8)
        else:
            banner.update("")
            banner.remove_class("-visible")
            self._offer_noticed = False

    async def _reload_events(self) -> None:
        events = await self.app.db(self.app.store.clock_events, self.session_id)
        if events is not None:
            self.events = events
            self.refresh_clock()

    # The handlers below read in workers: a screen whose queue waits for the database (behind a
    # commit another program holds up) would hold up the keys given to it.
    @on(DatabaseChanged)
    def _database_changed(self) -> None:
        self.run_worker(self._reload_events(), group="reload-events", exclusive=True)

    @on(SyncStatusChanged)
    def _sync_status_changed(self) -> None:
        status = self.app.sync_status.get(self.session_id)
        self.query_one(SessionBar).update_sync(
            status_text(self.app, self.session_id),
            offline=status is not None and status.online is False,
        )

    @on(EntriesChanged)
    def _entries_changed(self) -> None:
        self.run_worker(self._show_recent(), group="recent", exclusive=True)

    async def _show_recent(self) -> None:
        recent = self.query_one(RecentEntries)
        pending = [capture for capture, _entry in self.capturer.pending]
        # At once, without the database (which may be what the pending ones wait for).
        recent.show(recent.entries, pending)
        entries = await self.app.db(self.app.store.list_entries, self.session_id, limit=RECENT)
        if entries is not None:
            pending = [capture for capture, _entry in self.capturer.pending]
            recent.show(entries, pending)

    async def record(self, kind: str, data: dict | None = None) -> bool:
        """Commit one clock action, then show it. False when the database refused it."""
        ev = await self.app.db(
            self.app.store.add_clock_event, self.session_id, kind, self.app.clock(), data
        )
        if ev is None:
            return False
        await self._reload_events()
        return True

    # -- clock actions -------------------------------------------------------------------

    @work(group="clock")  # not exclusive: a cancelled start may already be committed
    async def action_next_block(self) -> None:
        async with self._clock_lock:
            state = self._compute()
            if state.state == "closed":
                self.notify(t("run.not_running"))
                return
            nxt = state.next_block()
            if nxt is not None:
                resuming = nxt.status == "suspended"
                left = fmt_duration(nxt.remaining_seconds(state.now), countdown=True)
                if await self.record(ck.START, {"key": nxt.key}):
                    name = one_line(nxt.name)
                    message = (
                        t("run.resumed", name=name, left=left)
                        if resuming
                        else t("run.started", name=name)
                    )
                    self.notify(message, markup=False, timeout=3)
                    self._backup(nxt.name)
                return
        if self._asking_close:
            return  # the question is already on screen
        from facilitator.tui.screens.confirm import ConfirmScreen

        self._asking_close = True
        try:
            close = await self.app.push_screen_wait(
                ConfirmScreen(t("run.confirm_close"), t("run.close_yes"), t("run.close_no"))
            )
        finally:
            self._asking_close = False
        if close:
            async with self._clock_lock:
                state = self._compute()
                if state.state != "closed" and state.next_block() is None:
                    await self.record(ck.CLOSE)

    async def action_start_break(self) -> None:
        async with self._clock_lock:
            await self._start_break()

    async def _start_break(self) -> None:
        state = self._compute()
        if state.state == "closed":
            self.notify(t("run.not_running"))
            return
        if state.current is not None and state.current.block.kind == "break":
            self.notify(t("run.already_break"))
            return
        interrupted = state.current
        planned = state.next_break()
        if planned is not None:
            ok = await self.record(ck.START, {"key": planned.key, "interrupt": True})
            name = planned.name
        else:
            n = sum(1 for b in state.blocks if b.inserted) + 1
            name = t("run.extra_break") + (f" {n}" if n > 1 else "")
            ok = await self.record(
                ck.EXTRA_BREAK,
                {"key": f"extra{n}", "name": name, "minutes": ck.EXTRA_BREAK_MINUTES},
            )
        if not ok:
            return
        message = t("run.started", name=one_line(name))
        waiting = self.state.suspended
        if interrupted is not None and waiting and waiting[0].key == interrupted.key:
            left = fmt_duration(waiting[0].remaining_seconds(self.state.now), countdown=True)
            message += " " + t("run.resumes_after", name=one_line(interrupted.name), left=left)
        self.notify(message, markup=False, timeout=6)

    async def action_extend(self, minutes: int) -> None:
        async with self._clock_lock:
            await self._extend(minutes)

    async def _extend(self, minutes: int) -> None:
        state = self._compute()
        if state.current is None:
            self.notify(t("run.not_running"))
            return
        if await self.record(ck.EXTEND, {"minutes": int(minutes)}):
            self.notify(
                t("run.extended", minutes=minutes, name=one_line(state.current.name)),
                markup=False,
                timeout=3,
            )

    async def action_toggle_pause(self) -> None:
        async with self._clock_lock:
            await self._toggle_pause()

    async def _toggle_pause(self) -> None:
        state = self._compute()
        if state.state != "running":
            self.notify(t("run.not_running"))
            return
        if state.paused:
            if await self.record(ck.RESUME):
                self.notify(t("run.pause_off"), timeout=3)
        elif await self.record(ck.PAUSE):
            self.notify(t("run.pause_on"), timeout=5)

    async def action_undo(self) -> None:
        async with self._clock_lock:
            await self._undo()

    async def _undo(self) -> None:
        state = self._compute()
        last = state.last_action
        if last is None:
            self.notify(t("run.nothing_to_undo"))
            return
        if await self.record(ck.UNDO, {"undoes": last.seq}):
            self.notify(t("run.undone", what=t("undo_what." + last.kind)), timeout=4)

    @work(exclusive=True, group="rebalance")
    async def action_rebalance(self) -> None:
        from facilitator.tui.screens.rebalance import RebalanceScreen

        state = self._compute()
        offer = state.rebalance_offer()
        if not offer:
            proposal = ck.propose_rebalance(
                [(b.key, b.planned_minutes) for b in state.pending],
                max(0, round(state.late_minutes)),
            )
            if state.late_minutes < 1:
                self.notify(t("run.rebalance_on_time"), timeout=5)
                return
            if not proposal:
                self.notify(t("run.rebalance_no_blocks"), timeout=5)
                return
            offer = proposal
        accepted = await self.app.push_screen_wait(RebalanceScreen(state, offer))
        async with self._clock_lock:
            if accepted:
                if await self.record(ck.REBALANCE, {"minutes": offer}):
                    self.notify(t("rebalance.accepted"), timeout=4)
            elif accepted is False:
                if await self.record(ck.DECLINE, {"late": round(state.late_minutes, 1)}):
                    self.notify(t("rebalance.declined"), timeout=4)

    def action_room_clock(self) -> None:
        from facilitator.tui.screens.room import RoomClockScreen

        self.app.push_screen(RoomClockScreen(self))

    def action_help(self) -> None:
        from facilitator.tui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen(self))

    def action_sessions(self) -> None:
        from facilitator.tui.screens.start import StartScreen

        self.app.switch_screen(StartScreen())

    def _backup(self, label: str) -> None:
        """A copy of the database at every block change, in the background."""

        async def run() -> None:
            await self.app.db(self.app.store.backup_rotating, f"{self.session_id}-{label}")

        self.run_worker(run(), group="backup", exit_on_error=False)
