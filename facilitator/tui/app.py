"""The Textual app: a start screen to pick or create a session, then the run screen."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from textual import events
from textual.app import App, ScreenStackError
from textual.binding import Binding
from textual.signal import Signal

from facilitator.core.clock import Clock, utcnow
from facilitator.i18n import speak, t
from facilitator.store import Store, StoreError
from facilitator.tui import css_cache
from facilitator.tui.base import Translated
from facilitator.tui.context import AppClock, AppContext
from facilitator.tui.messages import EntriesChanged

__all__ = ["FacilitatorApp", "make_app"]

T = TypeVar("T")

# Style sheets of screens opened later (the log, the forms, export). Read after the first paint:
# a screen whose CSS_PATH is new makes Textual re-parse every sheet and restyle every widget.
LATER_CSS = ("capture.tcss", "screens/export.tcss")
# Seconds a thread may hold the interpreter while another waits for it (Python's default: 5 ms).
SWITCH_INTERVAL = 0.0005


class FacilitatorApp(Translated, App[None]):
    """facilitator's TUI over one store."""

    CSS_PATH = "app.tcss"
    TITLE = "facilitator"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]
    BINDINGS = [
        Binding("ctrl+q", "quit", "keys.quit", show=False, priority=True),  # q on each screen
    ]

    def __init__(
        self,
        store: Store,
        *,
        session_id: str | None = None,
        clock: Clock = utcnow,
        author: str | None = None,
        demo_speed: float | None = None,
        demo_throwaway: bool = True,
        demo_autoplay: bool = False,
        poll_interval: float = 1.0,
        web: dict[str, Any] | None = None,
        after_first_paint: Callable[[], Any] | None = None,
    ) -> None:
        super().__init__()
        # Textual's CSS as parsed at an earlier start (~10 ms of the first paint; see
        # tui/css_cache.py); what this start parses anew is kept (see _display, start_services).
        self._css_file = css_cache.cache_file(Path(__file__).with_name(self.CSS_PATH))
        self._css_known = css_cache.preload(self.stylesheet, self._css_file)
        self._css_painted = False
        self.store = store
        # Everyone holds this one object: on a note-taker's laptop it follows the host's clock.
        self.clock = AppClock(clock)
        self.initial_session = session_id
        self.demo_speed = demo_speed
        self.demo_throwaway = demo_throwaway  # the demo's database goes when the app closes
        self.demo_autoplay = demo_autoplay  # the demo plays its day until a key is pressed
        self.autoplay: Any = None  # its Autoplay (facilitator.demo), once started
        self.poll_interval = poll_interval
        self.web_options = web if web is not None else {}
        # A store call for the database thread once the first screen is painted (the demo's
        # sample session: the run screen does not need it to show).
        self.after_first_paint = after_first_paint
        self._data_version: int | None = None
        # Published once per change noticed; screens subscribe (see tui/messages.py).
        self.database_changed: Signal[None] = Signal(self, "database-changed")
        # (session id, remarks released) from the remark server in this app.
        self.remarks_changed: Signal[tuple[str, int]] = Signal(self, "remarks-changed")
        # A laptop's sync status of a session changed (its session id).
        self.sync_changed: Signal[str] = Signal(self, "sync-changed")
        from facilitator.tui.remark_service import RemarkService
        from facilitator.tui.sync_service import SyncService

        self.remarks = RemarkService(
            store,
            web_options=self.web_options,
            clock=self.clock,
            db=self.db,
            on_change=lambda session_id, released: self.remarks_changed.publish(
                (session_id, released)
            ),
        )
        self.sync = SyncService(
            store,
            web_options=self.web_options,
            clock=self.clock,
            remarks=self.remarks,
            on_received=lambda: self.database_changed.publish(None),
            on_status=self.sync_changed.publish,
        )
        self._services_started = False
        self._gc_frozen = False  # see start_services and on_unmount
        self._switch_interval = sys.getswitchinterval()  # the interpreter's, put back on unmount
        self.title = t("app.title")
        from facilitator.tui.keys import KeyRouter
        from facilitator.tui.saving import CommitQueue

        self.key_router = KeyRouter(self)
        self.saves = CommitQueue(store)  # entries typed here, committed in order (tui/saving.py)
        # What the screens get in their constructor (they never import this class).
        self.ctx = AppContext(
            store=store,
            db=self.db,
            clock=self.clock,
            saves=self.saves,
            remarks=self.remarks,
            sync=self.sync,
            database_changed=self.database_changed,
            remarks_changed=self.remarks_changed,
            sync_changed=self.sync_changed,
            open_session=self.open_session,
            author=(author or "").strip(),
            demo_speed=demo_speed,
            demo_throwaway=demo_throwaway,
        )
        self._quitting: asyncio.Event | None = None  # set: quit now, without waiting further
        self._quit_worker: Any = None
        self._saving_finished = False

    async def on_event(self, event: events.Event) -> None:
        # Keys from the terminal are handled one at a time, in the order typed (tui/keys.py).
        if isinstance(event, events.Key | events.Paste) and not event.is_forwarded:
            if self.autoplay is not None:  # the demo plays by itself until a key is pressed
                from facilitator.tui.demo_play import stop_autoplay

                stop_autoplay(self)
            await self.key_router.deliver(event)
            return
        await super().on_event(event)

    def call_later(self, callback: Callable[..., Any], *args: Any, **kwargs: Any) -> bool:
        if args or kwargs:
            from functools import partial

            callback = partial(callback, *args, **kwargs)
        router = self.__dict__.get("key_router")
        if router is None:
            return super().call_later(callback)
        later = router.later(callback)
        if not super().call_later(later):
            router.forget(later)
            return False
        return True

    async def on_mount(self) -> None:
        from facilitator.tui.saving import kept_files, take_back

        # Words kept at the last quit while the database was locked become drafts, offered
        # like a crash's when their session opens (a file check only, when there are none).
        if any(path.exists() for path in kept_files(self.store.path)):
            await take_back(self.store)
        # The database thread needs the interpreter back after each SQLite call; while the
        # event loop is busy (a form closing, a screen repainting) it waited up to the default
        # 5 ms each time, and a commit makes several such calls: Enter to "saved" took 12 ms
        # at the median instead of 3. Restored when the app closes.
        self._switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(min(self._switch_interval, SWITCH_INTERVAL))
        if self.poll_interval > 0:
            # The baseline is taken before the first screen reads anything: a commit by another
            # app between that read and the first poll would otherwise be in the baseline and
            # never be noticed (PRAGMA data_version reads no page, so this does not wait).
            self._data_version = self.store.data_version()
            self.set_interval(self.poll_interval, self._poll_database)
        # The first screen comes once the app's own mount is over. Textual holds back every
        # repaint until then (a batch): a screen pushed here was laid out and rendered once for
        # nothing (~15 ms), its "after the first paint" callbacks (drafts, remarks) ran before
        # anything was painted, and the first frame that reached the terminal held only part
        # of the screen. A key typed meanwhile waits for it (tui/keys.py runs this first).
        self.call_later(self._open_first_screen)

    def _open_first_screen(self) -> None:
        if self.initial_session:
            self.open_session(self.initial_session)
            if self.demo_autoplay:
                from facilitator.tui.demo_play import start_autoplay

                self.autoplay = start_autoplay(self, EntriesChanged)
        else:
            from facilitator.tui.screens.start import StartScreen

            self.push_screen(StartScreen(self.ctx))
        # The remark server (and its aiohttp import) waits until the first screen is painted;
        # the timer is there in case that screen goes before it was ever painted.
        self.screen.call_after_refresh(self.start_services)
        self.set_timer(2.0, self.start_services)

    async def start_services(self) -> None:
        """Start what runs beside the screens (the participants' remark server); once.

        In a worker, so the first screen does not wait for it; `web={"enabled": False}` (or
        FACILITATOR_WEB=0) leaves it off, `web={"host": "127.0.0.1", "port": 0}` suits tests.
        """
        if self._services_started:
            return
        self._services_started = True
        from facilitator import gcpause

        gcpause.resume()  # the first screen is painted: see facilitator.launch and gcpause
        gcpause.freeze()  # ... however the app was started; thawed in on_unmount
        self._gc_frozen = True
        if self.after_first_paint is not None:
            self.run_worker(self.db(self.after_first_paint), group="after-first-paint")
        self._read_later_css()
        self._keep_css(wait=False)  # the later screens' sheets, pickled off the event loop
        self.run_worker(self.remarks.start(), group="remark-server", exit_on_error=False)
        # Note-takers' laptops (issue 10): the host's HTTPS server, or a laptop's sync loop.
        self.run_worker(self._start_sync(), group="sync-start", exit_on_error=False)

    async def _start_sync(self) -> None:
        if await self.sync.start():  # a note-taker's laptop: its loop runs until the app stops
            self.run_worker(self.sync.run(), group="note-takers", exit_on_error=False)

    def _display(self, screen: Any, renderable: Any) -> None:
        # Textual writes a frame to the terminal here. Before the first screen's first frame,
        # what the start parsed that was not kept yet (a first start, a changed sheet) is kept
        # at once (~8 ms, that start only): kept after the paint it could be lost to a start
        # that ends right after it, and every start would then parse again.
        if not self._css_painted and renderable is not None and screen.id != "_default":
            self._css_painted = True
            self._keep_css(wait=True)
        super()._display(screen, renderable)

    def _keep_css(self, *, wait: bool) -> None:
        """Keep what the style sheet parsed that was not kept yet (tui/css_cache.py)."""
        kept = css_cache.parsed(self.stylesheet, self._css_known)
        if kept is None:
            return
        self._css_known = frozenset(key for key, _rules in kept[1])
        if wait:
            css_cache.keep(kept, self._css_file)
        else:
            from functools import partial

            keep = partial(css_cache.keep, kept, self._css_file)
            self.run_worker(keep, thread=True, group="css-cache", exit_on_error=False)

    def _read_later_css(self) -> None:
        """Add the later screens' sheets now, while nothing waits (~10 ms, their rules only:
        the sheets already read stay parsed), instead of a re-parse of everything and a
        restyle of every widget (~100 ms) when the log or a form first opens."""
        sheet = self.stylesheet
        for name in LATER_CSS:
            path = (Path(__file__).parent / name).resolve()
            if not sheet.has_source(str(path), ""):
                sheet.read(path)
        sheet.parse()

    async def stop_services(self) -> None:
        """Stop what start_services started; safe to call twice."""
        await self.remarks.stop()
        await self.sync.stop()

    async def on_unmount(self) -> None:
        try:
            # Closed some other way than q: entries still waiting are made, or kept
            # (finish_saving).
            message = await self.finish_saving()
            if message:
                from rich.text import Text

                self._exit_renderables.append(Text(message))
            await self.stop_services()
        finally:
            sys.setswitchinterval(self._switch_interval)
            if self._gc_frozen:
                from facilitator import gcpause

                self._gc_frozen = False
                gcpause.thaw()

    # -- quitting: nothing typed is lost, and no silent wait ----------------------------------

    async def action_quit(self) -> None:
        """Quit. Entries still waiting for their commit are made first while that goes on, with
        "opslaan… (n)" on screen; when a lock holds them up, their words are kept for the next
        start and the app closes within seconds (tui/saving.py)."""
        if self._quitting is not None:
            self._quitting.set()  # asked again: stop waiting
            return
        if not (self.saves.pending or self.saves.last_words) or self._saving_finished:
            self.exit()
            return
        from facilitator.tui.screens.quitting import QuittingScreen

        self._quitting = asyncio.Event()
        self.push_screen(QuittingScreen(lambda: self.saves.pending, self._quitting.set, self._stay))
        self._quit_worker = self.run_worker(self._quit_after_saving(), group="quit")

    def _stay(self) -> bool:
        """Esc while waiting to quit: do not quit after all (False once it is too late)."""
        if self._saving_finished or self._quitting is None:
            return False
        if self._quit_worker is not None:
            self._quit_worker.cancel()
        self._quitting = self._quit_worker = None
        return True

    async def _quit_after_saving(self) -> None:
        message = await self.finish_saving(self._quitting)
        if message:
            from rich.text import Text

            self.exit(message=Text(message))
        else:
            self.exit()

    async def finish_saving(self, stop: asyncio.Event | None = None) -> str | None:
        """Let the waiting commits be made while they are being made; then close the queue and
        keep the words of those not made in a file the next start takes back. Returns what to
        tell the user at the exit (None: all was saved)."""
        from facilitator.tui.saving import QUIT_GRACE, keep_for_next_start

        if self._saving_finished:
            return None
        self.saves.put_last_words()  # a form still open: its latest words, typed just now
        await self.saves.wait_while_moving(QUIT_GRACE, stop)
        if self._saving_finished:
            return None  # finished meanwhile by the other way out (q, or the app closing)
        self._saving_finished = True  # from here on, Esc no longer stops the quitting
        rows = []
        for commit in await self.saves.close():
            try:
                row = commit.keep() if commit.keep is not None else None
            except Exception:  # noqa: BLE001  (one bad row must not cost the others)
                continue
            if row:
                rows.append(row)
        if not rows:
            return None
        if keep_for_next_start(self.store.path, rows) is not None:
            return t("saving.quit_kept", n=len(rows))
        # Nowhere to write: the words go to the terminal, the last place left.
        return "\n".join([t("saving.quit_not_kept", n=len(rows)), *map(_words_of, rows)])

    # Textual's own palette commands, in the interface's language (catalogue keys by title).
    SYSTEM_COMMANDS = {
        "Theme": "palette.theme",
        "Quit": "palette.quit",
        "Keys": "palette.keys",
        "Minimize": "palette.minimize",
        "Maximize": "palette.maximize",
        "Screenshot": "palette.screenshot",
    }

    def get_system_commands(self, screen: Any) -> Any:
        for command in super().get_system_commands(screen):
            key = self.SYSTEM_COMMANDS.get(command.title)
            if key is None:
                yield command
                continue
            help_key = key + ("_hide" if "Hide" in command.help else "") + "_help"
            yield command._replace(title=t(key), help=t(help_key))

    def action_command_palette(self) -> None:
        from textual.command import CommandPalette

        if self.use_command_palette and not CommandPalette.is_open(self):  # type: ignore[arg-type]
            self.push_screen(
                CommandPalette(id="--command-palette", placeholder=t("palette.placeholder"))
            )

    def _refresh_notifications(self) -> None:
        # A screen for the room (the projector) shows none of the facilitator's messages: a
        # "new remark" notice there would tie it to whoever just put a phone down. They are
        # kept, and show on the next screen that has them (Textual calls this on every resume).
        try:
            quiet = not getattr(self.screen, "SHOWS_NOTIFICATIONS", True)
        except ScreenStackError:
            quiet = False
        if not quiet:
            super()._refresh_notifications()

    def open_session(self, session_id: str) -> None:
        """Show the run screen of a session (replacing the start screen if it is showing)."""
        from facilitator.tui.screens.run import RunScreen

        screen = RunScreen(self.ctx, session_id)
        if len(self.screen_stack) > 1:
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    async def db(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        """Run a store call on the database thread; on failure say so plainly and return None."""
        try:
            return await self.store.call(fn, *args, **kwargs)
        except (sqlite3.Error, StoreError, OSError) as exc:
            from facilitator.tui.saving import failure_reason

            # A StoreError says what to do in words of our own; SQLite's own are English.
            reason = speak(str(exc)) if type(exc) is StoreError else t(failure_reason(exc))
            self.notify(t("app.db_error", error=reason), severity="error", markup=False, timeout=10)
            return None

    def _poll_database(self) -> None:
        """From the timer: poll in a task of its own, so keys never wait behind the database."""
        running = self.__dict__.get("_polling")
        if running is None or running.done():
            self._polling = asyncio.get_running_loop().create_task(self._poll_database_now())

    async def _poll_database_now(self) -> None:
        """Tell the screens when another connection committed (PRAGMA data_version moved)."""
        try:
            version = await self.store.call(self.store.data_version)
        except sqlite3.Error:
            return
        if self._data_version is not None and version != self._data_version:
            self.database_changed.publish(None)
        self._data_version = version


def _words_of(row: dict[str, Any]) -> str:
    """A kept draft's words on one line, for the terminal."""
    capture = (row.get("data") or {}).get("capture") or {}
    fields = capture.get("fields") or {}
    return "- " + " / ".join(str(v) for v in fields.values() if v and isinstance(v, str))


def make_app(store: Store, **kwargs: Any) -> FacilitatorApp:
    """The app over `store`; used by the CLI and by the tests alike."""
    return FacilitatorApp(store, **kwargs)
