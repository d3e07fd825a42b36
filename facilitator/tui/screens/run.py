"""The run screen: the block running now, its countdown and prompts, the agenda, and the keys."""

from __future__ import annotations

import asyncio
from functools import cached_property
from typing import TYPE_CHECKING

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static

from facilitator.core import clock as ck
from facilitator.core.clock import ClockEvent, ClockState, compute, fmt_duration
from facilitator.core.text import one_line
from facilitator.i18n import t
from facilitator.store import SessionInfo
from facilitator.tui.base import Deferred, Translated, preset_breakpoints
from facilitator.tui.bindings import (
    CAPTURE_BINDINGS,
    CAPTURE_HELP_SECTIONS,
    EXPORT_BINDINGS,
    EXPORT_HELP_SECTIONS,
    REMARK_BINDINGS,
    REMARK_HELP_SECTIONS,
    SYNC_BINDINGS,
    SYNC_HELP_SECTIONS,
    take_clock_keys_off,
)
from facilitator.tui.commands import ExportCommands, KeyCommands
from facilitator.tui.context import AppContext
from facilitator.tui.messages import (
    DatabaseChanged,
    EntriesChanged,
    RemarksChanged,
    SyncStatusChanged,
    follow,
    follow_database_changes,
)
from facilitator.tui.remark_service import NewRemarks
from facilitator.tui.widgets.agenda import Agenda
from facilitator.tui.widgets.block_panel import BlockPanel
from facilitator.tui.widgets.keybar import KeyBar
from facilitator.tui.widgets.recent_entries import RecentEntries
from facilitator.tui.widgets.session_bar import SessionBar

if TYPE_CHECKING:
    from facilitator.tui.capture import Capturer
    from facilitator.tui.exporter import Exporter

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


class RunScreen(Translated, Screen[None]):
    """Run one session against the clock."""

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
    COMMANDS = {KeyCommands, ExportCommands}
    PALETTE_ELSEWHERE = ("export", "participants")  # ExportCommands offers them in its words

    def __init__(self, ctx: AppContext, session_id: str) -> None:
        super().__init__()
        self.shown = False  # shown once (see _on_screen_resume)
        preset_breakpoints(self)
        self.ctx = ctx
        self.session_id = session_id
        self.session: SessionInfo = ctx.store.sessions.get(session_id)
        self.events: list[ClockEvent] = ctx.store.clock.events(session_id)
        self.state: ClockState = self._compute()
        self._offer_noticed = False
        # One clock action at a time, each deciding from the events the one before it wrote: a
        # second n pressed while the first is being committed starts the block after it.
        self._clock_lock = asyncio.Lock()
        self._asking_close = False
        # What is behind the keys, in objects of their own (tui/capture.py, tui/exporter.py):
        # `capturer` and `exporter` below, made when first used.
        self.remark_news = NewRemarks(self.ctx.store, self.ctx.db, session_id)
        # A session joined from a host: the clock is the facilitator's (issue 10).
        self.notetaker = ctx.store.sync.host_link(session_id) is not None
        if self.notetaker:
            take_clock_keys_off(self)  # each says whose clock it is (action_clock_not_here)

    # The capture and export modules are not needed for the first paint (~2 ms to import):
    # the capturer starts once the screen is painted (on_mount), the exporter on its key.
    @cached_property
    def capturer(self) -> Capturer:
        from facilitator.tui.capture import Capturer
        from facilitator.tui.capture_ui import CaptureScreens

        return Capturer(self.ctx, self, CaptureScreens(self))

    @cached_property
    def exporter(self) -> Exporter:
        from facilitator.tui.export_dialogs import ExportDialogs
        from facilitator.tui.exporter import Exporter

        return Exporter(self.ctx, self.session, ExportDialogs(self.app))

    # -- layout --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield SessionBar(self.session, self.ctx.demo_speed)
        with Horizontal(id="run-main"):
            with Vertical(id="left-pane"):
                yield BlockPanel(id="block-panel")
                # RecentEntries (#recent) comes after the first paint: see `_recent`.
            with Vertical(id="agenda-pane"):
                yield Static(Content(t("run.agenda")), classes="pane-title")
                yield Agenda(id="agenda")
        yield Static("", id="banner")
        yield KeyBar()

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        # Textual restyles a screen as it is shown (it runs this before Screen's own handler).
        # Shown the first time, this one was styled a moment before, as its widgets were
        # mounted, and nothing it shows has a style that depends on focus, hover or order
        # (app.tcss, the widgets' DEFAULT_CSS): restyling every widget again cost ~5 ms of the
        # first paint. Textual skips it the same way for a screen uncovered by a closed dialog.
        if not self.shown:
            self.shown = True
            event.refresh_styles = False

    def on_mount(self) -> None:
        follow_database_changes(self, self.ctx.database_changed)
        follow(self, self.ctx.remarks_changed, lambda news: RemarksChanged(*news))
        follow(self, self.ctx.sync_changed, lambda _: SyncStatusChanged())
        self.refresh_clock()
        self.set_interval(TICK_SECONDS, self.refresh_clock)
        if self.ctx.demo_speed:
            hint = t("run.demo_hint", speed=f"{self.ctx.demo_speed:g}")
            if self.ctx.demo_throwaway:
                hint += " " + t("run.demo_throwaway")
            self.call_after_refresh(self.notify, hint, timeout=12)
        # After the first paint, so the clock shows first: what the forms complete from (and
        # the drafts a crash left), and how many remarks are readable now, so later batches
        # count as new.
        self.call_after_refresh(self._recent)
        self.call_after_refresh(self._start_capturer)
        self.call_after_refresh(self._notice_new_remarks)

    async def _start_capturer(self) -> None:
        await self.capturer.start()

    # -- state ---------------------------------------------------------------------------

    def _compute(self) -> ClockState:
        return compute(self.session.programme.blocks, self.events, self.ctx.clock())

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
        events = await self.ctx.db(self.ctx.store.clock.events, self.session_id)
        if events is not None:
            self.events = events
            self.refresh_clock()

    # The handlers below read in workers: a screen whose queue waits for the database (behind a
    # commit another program holds up) would hold up the keys given to it.
    # The workers get their work as `Deferred`: its coroutine is made when the worker runs.
    @on(DatabaseChanged)
    def _database_changed(self) -> None:
        self.run_worker(Deferred(self._reload_events), group="reload-events", exclusive=True)

    async def on_database_changed(self, _event: DatabaseChanged) -> None:
        self.run_worker(
            Deferred(self.capturer.refresh_if_changed), group="capture-poll", exclusive=True
        )
        await self._notice_new_remarks()

    async def on_remarks_changed(self, message: RemarksChanged) -> None:
        # Only a released batch can make something new to read; a remark that waits cannot.
        if message.released and message.session_id == self.session_id:
            await self._notice_new_remarks()

    async def _notice_new_remarks(self) -> None:
        """Tell the facilitator when a batch of remarks became readable."""
        new = await self.remark_news.check()
        from facilitator.tui.screens.remarks import RemarksScreen

        if isinstance(self.app.screen, RemarksScreen):
            return  # the facilitator is reading them already: that screen shows the new ones
        if new:
            key = "remarks.new_notice_one" if new == 1 else "remarks.new_notice"
            self.notify(t(key, count=new), timeout=8)

    @on(SyncStatusChanged)
    def _sync_status_changed(self) -> None:
        sync = self.ctx.sync
        self.query_one(SessionBar).update_sync(
            sync.status_text(self.session_id), offline=sync.offline(self.session_id)
        )

    @on(EntriesChanged)
    def _entries_changed(self) -> None:
        self.run_worker(Deferred(self._show_recent), group="recent", exclusive=True)

    def _recent(self) -> RecentEntries | None:
        """The last entries under the block. Mounted once the screen is painted: it starts
        empty, and hidden (it shows from the first entry), so the first paint does without
        it; or here, should entries change before that. None once the screen is closing."""
        recent = self.__dict__.get("_recent_entries")
        if recent is None:
            pane = self.query("#left-pane")
            if not pane or not pane.first().is_attached:
                return None  # the app is closing (q pressed before the first paint ended)
            recent = self._recent_entries = RecentEntries(id="recent")
            pane.first().mount(recent)
        return recent

    async def _show_recent(self) -> None:
        recent = self._recent()
        if recent is None:
            return
        pending = [capture for capture, _entry in self.capturer.pending]
        # At once, without the database (which may be what the pending ones wait for).
        recent.show(recent.entries, pending)
        entries = await self.ctx.db(self.ctx.store.entries.list, self.session_id, limit=RECENT)
        if entries is not None:
            pending = [capture for capture, _entry in self.capturer.pending]
            recent.show(entries, pending)

    async def record(self, kind: str, data: dict | None = None) -> bool:
        """Commit one clock action, then show it. False when the database refused it."""
        ev = await self.ctx.db(
            self.ctx.store.clock.add, self.session_id, kind, self.ctx.clock(), data
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

    def action_remarks(self) -> None:
        from facilitator.tui.screens.remarks import RemarksScreen

        self.app.push_screen(RemarksScreen(self.ctx, self.session_id))

    def room_break_widget(self) -> Widget | None:
        """What the room clock shows beside the digits during a break: the remark QR code."""
        url, problem = self.ctx.remarks.url_for(self.session)
        if url is None or problem is not None:
            return None  # a code phones cannot use helps nobody in the room
        from facilitator.tui.widgets.remark_invite import RemarkInvite

        return RemarkInvite(url)

    async def action_capture(self, kind: str) -> None:
        await self.capturer.capture(kind)

    async def action_log(self) -> None:
        await self.capturer.open_log(search=False)

    async def action_search(self) -> None:
        await self.capturer.open_log(search=True)

    @work(exclusive=True, group="export")
    async def action_export(self, scope: str = "session") -> None:
        await self.exporter.export(scope)

    @work(exclusive=True, group="participants")
    async def action_participants(self) -> None:
        await self.exporter.participants()

    def action_notetakers(self) -> None:
        from facilitator.tui.screens.notetakers import NoteTakersScreen

        self.app.push_screen(NoteTakersScreen(self.ctx, self.session_id))

    def action_clock_not_here(self) -> None:
        self.notify(t("sync.clock_not_here"), timeout=4)

    def action_room_clock(self) -> None:
        from facilitator.tui.screens.room import RoomClockScreen

        self.app.push_screen(RoomClockScreen(self))

    def action_help(self) -> None:
        from facilitator.tui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen(self))

    def action_sessions(self) -> None:
        from facilitator.tui.screens.start import StartScreen

        self.app.switch_screen(StartScreen(self.ctx))

    def _backup(self, label: str) -> None:
        """A copy of the database at every block change, in the background."""

        async def run() -> None:
            await self.ctx.db(self.ctx.store.backup_rotating, f"{self.session_id}-{label}")

        self.run_worker(Deferred(run), group="backup", exit_on_error=False)
