"""Note-takers' laptops beside the screens: the host's HTTPS server, or a laptop's background sync.

- On the host (a database that syncs no session with another host), `start` starts the
  note-takers' server beside the remark server (off with FACILITATOR_WEB=0 or
  FACILITATOR_SYNC=0); laptops' pushes are told through `on_received`.
- On a laptop (a session joined with `facilitator join`), `start` says so and `run` is the
  background loop (`facilitator.sync.client.SyncLoop`): it pushes the outbox within 50 ms of a
  save and pulls every 0.5 s (every 2 s while the host cannot be reached): the outbox goes out in
  order, the others' entries and the host's clock come in. Capture never waits for it: every
  entry is committed locally first. The app's clock follows the host's from then on, and the
  laptop serves no remark page of its own (remarks belong on the host).

Its state is declared here: `server`, `error` and `status` (a laptop's sync state per session).
No Textual: the app runs `start` and `run` in workers and turns the callbacks into Signals.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from facilitator.i18n import os_reason, t

if TYPE_CHECKING:
    from facilitator.core.clock import Clock
    from facilitator.store import Store
    from facilitator.sync.host import NoteTakerServer
    from facilitator.tui.context import AppClock
    from facilitator.tui.remark_service import RemarkService

CLOCK_TOLERANCE = 1.0  # seconds: a laptop's clock closer to the host's than this is left alone
OFF = ("0", "off", "no", "false")


def sync_enabled(web_options: dict[str, Any] | None) -> bool:
    """The note-takers' server runs where the remark server may (web options, FACILITATOR_WEB),
    unless FACILITATOR_SYNC=0."""
    if os.environ.get("FACILITATOR_SYNC", "1").strip().lower() in OFF:
        return False
    enabled = (web_options or {}).get("enabled")
    if enabled is None:
        return os.environ.get("FACILITATOR_WEB", "1").strip().lower() not in OFF
    return bool(enabled)


def host_clock(base: Clock, statuses: dict[str, Any]) -> Clock:
    """The laptop's clock set to the host's, once the host has been heard from: the countdown
    shows the facilitator's time and entries are stamped in it, so "the latest edit" means the
    same on every laptop. Differences under a second are left alone (network jitter)."""

    def now() -> datetime:
        offsets = [s.offset for s in statuses.values() if s.offset is not None]
        if not offsets or abs(offsets[0]) < CLOCK_TOLERANCE:
            return base()
        return base() + timedelta(seconds=offsets[0])

    now.base = base  # type: ignore[attr-defined]
    return now


class SyncService:
    """The note-takers' side of one app: the host's server, or this laptop's sync state."""

    def __init__(
        self,
        store: Store,
        *,
        web_options: dict[str, Any],
        clock: AppClock,
        remarks: RemarkService,
        on_received: Callable[[], None] | None = None,
        on_status: Callable[[str], None] | None = None,
    ) -> None:
        self.store = store
        self.web_options = web_options
        self.clock = clock
        self.remarks = remarks
        self.on_received = on_received  # another laptop's (or the host's) entries came in
        self.on_status = on_status  # a laptop's sync status of a session changed
        self.server: NoteTakerServer | None = None  # the host's server, once it listens
        self.error: str | None = None  # why the host's server is not running
        self.status: dict[str, Any] = {}  # a laptop's sync state per session (SyncStatus)
        self._tasks: set[asyncio.Task[Any]] = set()

    # -- life ------------------------------------------------------------------------------------

    async def start(self) -> bool:
        """Start the host's server, or find that this is a laptop: True then (run `run` next).

        What fails is kept for the screens to tell. Run it as a task of its own (the app runs
        it in a worker): `stop` cancels it while under way.
        """

        self.server = None
        self.error = None
        self.status = {}
        with self._running():
            try:
                linked = await self.store.call(self.store.sync.linked_sessions)
            except Exception:  # noqa: BLE001 - a database problem shows elsewhere; sync stays off
                return False
            if linked:
                # Participants' remarks belong on the host (its QR code, its report): a
                # note-taker's laptop serves no remark page, so none reaches a laptop and stays.
                await self.remarks.refuse(t("sync.remarks_on_host"))
                return True
            if not sync_enabled(self.web_options):
                return False
            from facilitator.sync.host import NoteTakerServer

            options = self.web_options or {}
            server = NoteTakerServer(
                self.store,
                host=str(options.get("host") or os.environ.get("FACILITATOR_HOST") or "0.0.0.0"),
                # Tests ask the remark server for any free port: the same then goes for this one.
                port=options.get("sync_port", 0 if options.get("port") == 0 else None),
                clock=self.clock,
                on_change=self._received,
            )
            try:
                await server.start()
            except Exception as exc:  # noqa: BLE001 - whatever stops it, the app goes on
                # Not only OSError: starting it makes its certificate (a library loaded on first
                # use, a write to the database), and the screens tell why it is not running.
                self.error = os_reason(exc) or type(exc).__name__
                return False
            self.server = server
            return False

    async def run(self) -> None:
        """A laptop's sync loop, until `stop`: the outbox out, the others' entries and the
        host's clock in; from the first contact the app's clock is the host's."""
        from facilitator.sync.client import SyncLoop

        with self._running():
            loop = SyncLoop(self.store, on_status=self._status, on_received=self._received)
            self.status = loop.status
            self.clock.source = host_clock(self.clock.source, loop.status)
            await loop.run()

    async def stop(self) -> None:
        """Stop the server or the loop (and a start under way); safe to call twice."""
        current = asyncio.current_task()
        for task in [task for task in self._tasks if task is not current and not task.done()]:
            task.cancel()
            await asyncio.wait([task])  # cancelled, or it failed: it runs no more
        server, self.server = self.server, None
        if server is not None:
            await server.stop()

    @contextmanager
    def _running(self) -> Iterator[None]:
        """Note the running task while the block runs, so that `stop` can cancel it."""
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            yield
        finally:
            if task is not None:
                self._tasks.discard(task)

    def _received(self) -> None:
        if self.on_received is not None:
            self.on_received()

    def _status(self, session_id: str) -> None:
        if self.on_status is not None:
            self.on_status(session_id)

    # -- what the screens read -------------------------------------------------------------------

    def status_text(self, session_id: str) -> str:
        """For the session bar: "offline, 7 te versturen", "3 te versturen", "gedeeld", or ""."""
        status = self.status.get(session_id)
        if status is None:
            return ""
        if status.online is False and status.reason in ("removed", "fingerprint"):
            return t(f"sync.bar_{status.reason}", n=status.pending)
        if status.online is False:
            return t("sync.offline", n=status.pending)
        if status.pending:
            return t("sync.sending", n=status.pending)
        if status.online and status.offset is not None and abs(status.offset) >= CLOCK_TOLERANCE:
            return t("sync.synced_skew", seconds=round(status.offset))
        if status.online:
            return t("sync.synced_bar")
        return ""

    def offline(self, session_id: str) -> bool:
        """A laptop that cannot reach its host for this session (the bar shows it in red)."""
        status = self.status.get(session_id)
        return status is not None and status.online is False
