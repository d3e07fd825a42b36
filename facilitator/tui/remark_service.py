"""The participants' remark server beside the screens: its start and stop, and what they read of it.

The server runs in the app's event loop (its own thread, see web.server.ThreadedRemarkServer),
started after the first paint. Its state is declared here, in one place: `server` (listening,
or None), `options` (the web options, once read), `error` (why there is no server, for the
screens to say). Remarks it still holds in memory are counted and parked through it. News of
remarks is summed and handed to `on_change` at most every NOTIFY_EVERY seconds. No Textual here:
the app runs `start` in a worker and turns `on_change` into a Signal.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from facilitator.i18n import t

if TYPE_CHECKING:
    from facilitator.core.clock import Clock
    from facilitator.store import SessionInfo, Store
    from facilitator.tui.context import DbCall
    from facilitator.web.server import ThreadedRemarkServer, WebOptions

NOTIFY_EVERY = 0.25  # seconds: news of remarks reaches the screens at most this often

OnChange = Callable[[str, int], None]  # (session id, remarks released), on the event loop


class RemarkService:
    """The remark server of one app, and what the screens need to know about it."""

    def __init__(
        self,
        store: Store,
        *,
        web_options: dict[str, Any],
        clock: Clock,
        db: DbCall,
        on_change: OnChange | None = None,
    ) -> None:
        self.store = store
        self.web_options = web_options
        self.clock = clock
        self.db = db
        self.on_change = on_change
        self.server: ThreadedRemarkServer | None = None  # listening, or None
        self.options: WebOptions | None = None  # the web options, once read
        self.error: str | None = None  # why there is no server: a sentence for the screens
        self.refused: str | None = None  # this app serves no remark page (see `refuse`)
        self._starting: asyncio.Task[Any] | None = None

    # -- life ------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the server in this event loop; what fails is kept in `error` for the screens.

        Run it as a task of its own (the app runs it in a worker): `stop` cancels a start that
        is still under way.
        """
        self.server = None
        self.error = None
        if self.refused is not None:
            self.error = self.refused
            return
        self._starting = asyncio.current_task()
        try:
            await self._start()
        finally:
            self._starting = None

    async def _start(self) -> None:
        try:
            # aiohttp takes a quarter second to import: do it off the event loop.
            server_mod = await asyncio.to_thread(importlib.import_module, "facilitator.web.server")
            options = server_mod.resolve_options(self.web_options)
        except ValueError as exc:
            self.error = str(exc)
            return
        self.options = options
        if not options.enabled:
            return
        from facilitator.web.app import WebConfig

        extra = {
            k: self.web_options[k]
            for k in ("batch_size", "limiter", "release_interval")
            if k in self.web_options
        }
        config = WebConfig(clock=self.clock, on_change=self._news(), **extra)
        server = server_mod.ThreadedRemarkServer(self.store, options, config=config)
        try:
            await server.start()
        except OSError as exc:
            self.error = exc.strerror or str(exc)
            return
        self.server = server
        # aiohttp and the server's objects live as long as the app: moved out of the collector's
        # later scans (as facilitator.launch does for the screens), a full collection during a
        # burst of remarks stays short.
        import gc

        gc.freeze()

    def _news(self) -> Callable[[str, int], None]:
        """The server's change callback: a burst (a thousand posts in a second) must not become
        a thousand messages to every screen, so changes are summed and told every NOTIFY_EVERY."""
        pending: dict[str, int] = {}
        loop = asyncio.get_running_loop()

        def tell() -> None:
            news = dict(pending)
            pending.clear()
            for session_id, released in news.items():
                if self.on_change is not None:
                    self.on_change(session_id, released)

        def note(session_id: str, released: int) -> None:
            if not pending:
                loop.call_later(NOTIFY_EVERY, tell)
            pending[session_id] = pending.get(session_id, 0) + released

        def changed(session_id: str, released: int) -> None:
            # Called in the server's thread (see web.server.ThreadedRemarkServer).
            loop.call_soon_threadsafe(note, session_id, released)

        return changed

    async def stop(self) -> None:
        """Stop the server (and a start still under way); safe to call twice."""
        task, self._starting = self._starting, None
        if task is not None and task is not asyncio.current_task() and not task.done():
            task.cancel()
            await asyncio.wait([task])  # cancelled, or it failed: either way it is not running
        server, self.server = self.server, None
        if server is not None:
            await server.stop()

    async def refuse(self, reason: str) -> None:
        """Serve no remark page in this app from now on (a note-taker's laptop: remarks belong
        on the host); `reason` is what the screens say instead of an address."""
        self.refused = reason
        await self.stop()
        self.error = reason

    # -- what the screens read -------------------------------------------------------------------

    def _buffer(self) -> Any:
        server = self.server
        if server is None or server.app is None:
            return None
        from facilitator.web.app import WRITER

        return server.app.get(WRITER)

    def held(self, session_id: str) -> int:
        """Remarks of a session the server holds in memory (not yet in the database)."""
        buffer = self._buffer()
        return buffer.held_count(session_id) if buffer is not None else 0

    async def park_held(self, session_id: str) -> None:
        """Write what the server holds of a session (before releasing by hand)."""
        buffer = self._buffer()
        if buffer is not None and buffer.held_count(session_id):
            await self.db(buffer.park, session_id, now=self.clock())

    def url_for(self, session: SessionInfo) -> tuple[str | None, str | None]:
        """(the participant URL of `session`, a sentence on what is wrong or None)."""
        server, options = self.server, self.options
        if server is not None and server.running:
            url, problem = server.url_for(session.remark_token)
            if getattr(server, "trouble", None) == "out_of_files":
                return url, t("remarks.out_of_files")
            if problem == "no_network":
                return url, t("remarks.no_network")
            if problem == "loopback":
                return url, t("remarks.loopback", host=server.options.host)
            return url, None
        if options is not None and options.url:
            from facilitator.web.qr import participant_url

            return participant_url(options.url, session.remark_token), None
        if self.error:
            return None, t("remarks.server_error", error=self.error, session=session.id)
        if options is not None and not options.enabled:
            return None, t("remarks.disabled", session=session.id)
        return None, t("remarks.starting")


class NewRemarks:
    """Counts a session's readable remarks, to tell the facilitator when a batch became readable."""

    def __init__(self, store: Store, db: DbCall, session_id: str) -> None:
        self.store = store
        self.db = db
        self.session_id = session_id
        self.readable: int | None = None  # at the last check; None before the first

    async def check(self) -> int:
        """How many became readable since the last check (0 at the first check)."""
        counts = await self.db(self.store.remarks.counts, self.session_id)
        if counts is None:
            return 0
        readable = counts["shown"] + counts["hidden"]
        before, self.readable = self.readable, readable
        return readable - before if before is not None and readable > before else 0
