"""Commits that wait for the database without holding up the keyboard, in the order they were made.

A capture form closes the moment Enter is pressed; what it holds is queued here and committed
on the store's single database thread, one commit after the other, so a quote typed while the
one before it waits for a locked database is stored after it, never before it, never instead of
it. A commit refused because another program holds the write lock is tried again until
`patience` runs out; one that fails for good is handed to its `failed` callback once (which
keeps the text as a draft). Plain asyncio, no Textual: the app and the tests drive it alike.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from facilitator import gcpause
from facilitator.store import StoreError

if TYPE_CHECKING:
    from facilitator.store import Store

PATIENCE = 30.0  # seconds a commit keeps trying while another program holds the write lock
RETRY_PAUSE = 0.25  # between attempts when SQLite gave up before its own busy timeout


def is_busy(exc: BaseException) -> bool:
    """Another connection holds the lock: worth trying again."""
    text = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text)


def failure_reason(exc: BaseException) -> str:
    """The catalogue key that says in the interface's words why a commit failed."""
    text = str(exc).lower()
    if is_busy(exc):
        return "saving.reason_locked"
    if "readonly" in text or "read-only" in text or "attempt to write" in text:
        return "saving.reason_readonly"
    if "full" in text or "disk" in text or "i/o" in text or isinstance(exc, OSError):
        return "saving.reason_disk"
    return "saving.reason_other"


Callback = Callable[..., Awaitable[Any] | Any]


@dataclass(eq=False)
class Commit:
    """One write: `run` is a store call (no arguments) run on the database thread."""

    run: Callable[[], Any]
    done: Callback | None = None  # done(result) after the commit
    failed: Callback | None = None  # failed(exc) when it will not be committed
    label: str = ""
    started: float = field(default=0.0)


class CommitQueue:
    """Runs commits one at a time, in order, on the store's database thread."""

    def __init__(
        self,
        store: Store,
        *,
        patience: float = PATIENCE,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.patience = patience
        self.monotonic = monotonic
        self._queue: deque[Commit] = deque()
        self._task: asyncio.Task[None] | None = None
        self._idle = asyncio.Event()
        self._idle.set()
        self.current: Commit | None = None

    @property
    def pending(self) -> int:
        """Commits queued or running."""
        return len(self._queue) + (self.current is not None)

    def waiting_since(self) -> float | None:
        """When the commit running now started (None when nothing runs)."""
        return self.current.started if self.current is not None else None

    def put(self, commit: Commit) -> None:
        self._queue.append(commit)
        if self._idle.is_set():
            self._idle.clear()
            gcpause.hold()  # until the queue is empty: see facilitator.gcpause
        if self._task is None or self._task.done():
            # The first commit goes to the database thread now, not when the event loop gets
            # round to the task (behind the closing form's and the screen's own work).
            first = self._queue.popleft()
            first.started = self.monotonic()
            self.current = first
            loop = asyncio.get_running_loop()
            try:
                attempt = self.store.submit(first.run)
            except Exception as exc:  # noqa: BLE001  (the store is closing: reported as a failure)
                attempt = loop.create_future()
                attempt.set_exception(exc)
            self._task = loop.create_task(self._run(first, attempt), name="commits")

    async def drain(self, timeout: float | None = None) -> bool:
        """Wait until every queued commit is done (or has failed); False on timeout."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return True

    async def _run(self, first: Commit, attempt: asyncio.Future[Any] | None) -> None:
        commit: Commit | None = first
        try:
            while commit is not None:
                try:
                    result = await self._attempt(commit, attempt)
                except Exception as exc:  # noqa: BLE001  (every failure is reported to its owner)
                    self.current = None
                    await _call(commit.failed, exc)
                else:
                    self.current = None
                    await _call(commit.done, result)
                attempt = None
                commit = self._queue.popleft() if self._queue else None
                if commit is not None:
                    self.current = commit
                    commit.started = self.monotonic()
        finally:
            self.current = None
            self._idle.set()
            gcpause.release()

    async def _attempt(self, commit: Commit, first: asyncio.Future[Any] | None = None) -> Any:
        while True:
            try:
                if first is not None:
                    attempt, first = first, None
                    return await attempt
                return await self.store.call(commit.run)
            except StoreError:
                raise  # a refusal (bad input, a stale edit): trying again changes nothing
            except (sqlite3.Error, OSError) as exc:
                if not is_busy(exc) or self.monotonic() - commit.started >= self.patience:
                    raise
            await asyncio.sleep(RETRY_PAUSE)


async def _call(callback: Callback | None, *args: Any) -> None:
    """Run a commit's callback; one that raises must not stop the commits behind it."""
    if callback is None:
        return
    try:
        result = callback(*args)
        if asyncio.iscoroutine(result) or isinstance(result, asyncio.Future):
            await result
    except Exception:  # noqa: BLE001
        logging.getLogger(__name__).exception("a commit's callback failed")
