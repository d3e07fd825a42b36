"""Commits that wait for the database without holding up the keyboard, in the order they were made.

What a capture form holds is queued here when Enter is pressed (the form closes once the commit
is made, or a moment later at most: tui/screens/capture_form.py) and committed on the store's
single database thread, one commit after the other, so a quote typed while the one before it
waits for a locked database is stored after it, never before it, never instead of it. A commit
refused because another program holds the write lock is tried again until `patience` runs out;
one that fails for good is handed to its `failed` callback once (which keeps the text as a
draft). Plain asyncio, no Textual: the app and the tests drive it alike. After every
CHECKPOINT_EVERY commits the WAL is checkpointed at a quiet moment (Database.checkpoint), so no
entry's COMMIT does it.

Quitting does not wait out a lock: `wait_while_moving` gives the waiting commits a few seconds
(as long as they keep being made), then `close` stops them and hands back the ones not made,
each sure never to be made later. Their words (`Commit.keep`) go to a small file beside the
database (`keep_for_next_start`), which the next start turns into drafts (`take_back`), offered
like the drafts of a crash. Each try waits for the write lock about a second (`briefly`), so the
database thread is never held long and the app closes soon after the user asks.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from facilitator import gcpause
from facilitator.store import StoreError

if TYPE_CHECKING:
    from facilitator.store import Store

PATIENCE = 30.0  # seconds a commit keeps trying while another program holds the write lock
RETRY_PAUSE = 0.25  # between attempts when SQLite gave up before its own busy timeout
BRIEF_WAIT = 1.0  # seconds one try waits for another program's write lock (the connection: 10)
QUIT_GRACE = 5.0  # seconds without a commit made before quitting stops waiting for them
# The WAL is checkpointed after this many commits, once none has come for CHECKPOINT_QUIET
# seconds (Database.checkpoint), rather than inside some entry's COMMIT.
CHECKPOINT_EVERY = 25
CHECKPOINT_QUIET = 0.2


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
    # keep() -> the drafts row ({id, session_id, kind, data, author, entry_id, updated_at}) that
    # keeps the commit's words when the app closes before it is made (see `close`).
    keep: Callable[[], dict[str, Any] | None] | None = None
    # Where its try is, under the queue's gate: waiting (not on the database thread), running,
    # tried (the thread is done with it; its result is on its way to the queue).
    state: str = field(default="waiting")


class Abandoned(Exception):
    """The queue closed (the app is quitting) before this commit was made: it never will be."""


def briefly(
    store: Store, fn: Callable[..., Any], seconds: float = BRIEF_WAIT
) -> Callable[..., Any]:
    """`fn` for the database thread, waiting at most `seconds` for another program's write lock
    (the connection waits 10 s): a try that is held up comes back soon, so the thread never sits
    long on one, and whoever asked (the commit queue, a draft) tries again or gives up in time."""
    waiting_at_most = getattr(store, "waiting_at_most", None)  # tests hand in stand-ins

    def run(*args: Any, **kwargs: Any) -> Any:
        if waiting_at_most is None:
            return fn(*args, **kwargs)
        with waiting_at_most(seconds):
            return fn(*args, **kwargs)

    return run


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
        self._moved = asyncio.Event()  # set each time a commit is made (or fails for good)
        self.current: Commit | None = None
        self._gate = threading.Lock()  # between the queue closing and a try starting
        self.closed = False
        self.unfinished: list[Commit] = []  # not made, and never to be: the queue closed first
        # Open forms' latest words not yet in a draft (a draft is written 0.3 s after a key):
        # each source gives a Commit that keeps them, put in the queue when the app closes.
        self.last_words: set[Callable[[], Commit | None]] = set()
        self._since_checkpoint = 0  # commits made since the last checkpoint at a quiet moment
        self._checkpoint_timer: asyncio.TimerHandle | None = None

    def put_last_words(self) -> int:
        """The app is closing: queue what the open forms hold beyond their last draft (kept in
        the file for the next start if the commit cannot be made either). How many."""
        count = 0
        for source in list(self.last_words):
            try:
                commit = source()
            except Exception:  # noqa: BLE001 - one form's trouble must not cost the others
                continue
            if commit is not None:
                self.put(commit)
                count += 1
        return count

    @property
    def pending(self) -> int:
        """Commits queued or running."""
        return len(self._queue) + (self.current is not None)

    def waiting_since(self) -> float | None:
        """When the commit running now started (None when nothing runs)."""
        return self.current.started if self.current is not None else None

    def put(self, commit: Commit) -> bool:
        """Queue `commit`; True when it went to the database thread at once (none ahead of it)."""
        if self.closed:
            self.unfinished.append(commit)  # the app is closing: kept (see `close`), not tried
            return False
        self._queue.append(commit)
        if self._checkpoint_timer is not None:
            self._checkpoint_timer.cancel()  # not quiet after all: after this commit, then
            self._checkpoint_timer = None
        if self._idle.is_set():
            self._idle.clear()
            gcpause.hold()  # until the queue is empty: see facilitator.gcpause
        if self._task is None or self._task.done():
            # The first commit goes to the database thread now, not when the event loop gets
            # round to the task (behind the closing form's and the screen's own work).
            first = self._queue.popleft()
            first.started = self.monotonic()
            first.state = "waiting"
            self.current = first
            loop = asyncio.get_running_loop()
            try:
                attempt = self.store.submit(self._try(first))
            except Exception as exc:  # noqa: BLE001  (the store is closing: reported as a failure)
                attempt = loop.create_future()
                attempt.set_exception(exc)
            self._task = loop.create_task(self._run(first, attempt), name="commits")
            return True
        return False

    async def drain(self, timeout: float | None = None) -> bool:
        """Wait until every queued commit is done (or has failed); False on timeout."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return True

    async def wait_while_moving(
        self, grace: float = QUIT_GRACE, stop: asyncio.Event | None = None
    ) -> bool:
        """Wait while the commits keep being made: True once none waits; False when none was
        made for `grace` seconds (a lock holds them up) or `stop` was set."""
        while self.pending:
            if stop is not None and stop.is_set():
                return False
            self._moved.clear()
            waits = [
                asyncio.ensure_future(self._moved.wait()),
                asyncio.ensure_future(self._idle.wait()),
            ]
            if stop is not None:
                waits.append(asyncio.ensure_future(stop.wait()))
            try:
                done, _ = await asyncio.wait(
                    waits, timeout=grace, return_when=asyncio.FIRST_COMPLETED
                )
            finally:
                for waiting in waits:
                    waiting.cancel()
            if not done:
                return False
        return True

    async def close(self) -> list[Commit]:
        """Stop: no commit starts any more. Returns the commits not made, each sure never to be
        made later (so their words can be kept elsewhere without a duplicate). Waits only for a
        try on the database thread right now, which ends within BRIEF_WAIT."""
        if self._checkpoint_timer is not None:
            self._checkpoint_timer.cancel()
            self._checkpoint_timer = None
        with self._gate:
            self.closed = True
            current = self.current
            state = current.state if current is not None else None
        if state == "waiting":
            # Its try is queued on the thread behind other work: when its turn comes it sees the
            # gate closed and gives up. Nothing here waits for the thread.
            assert current is not None
            self._keep_unfinished(current)
            while self._queue:
                self._keep_unfinished(self._queue.popleft())
        else:
            # Running or just tried: its result comes soon; the commits after it give up at once.
            await self._idle.wait()
        return list(self.unfinished)

    def _keep_unfinished(self, commit: Commit) -> None:
        if commit not in self.unfinished:
            self.unfinished.append(commit)

    async def _run(self, first: Commit, attempt: asyncio.Future[Any] | None) -> None:
        commit: Commit | None = first
        try:
            while commit is not None:
                try:
                    result = await self._attempt(commit, attempt)
                except Abandoned:
                    self.current = None
                    self._keep_unfinished(commit)
                except Exception as exc:  # noqa: BLE001  (every failure is reported to its owner)
                    self.current = None
                    await _call(commit.failed, exc)
                    self._moved.set()
                else:
                    self.current = None
                    self._since_checkpoint += 1
                    await _call(commit.done, result)
                    self._moved.set()
                attempt = None
                commit = self._queue.popleft() if self._queue else None
                if commit is not None:
                    self.current = commit
                    commit.started = self.monotonic()
        finally:
            self.current = None
            self._idle.set()
            gcpause.release()
            self._checkpoint_when_quiet()

    def _checkpoint_when_quiet(self) -> None:
        """After enough commits, checkpoint the WAL on the database thread once no commit has
        come for a moment (see Database.checkpoint): the next entry's COMMIT then neither copies
        the WAL into the database file nor starts a new WAL. Another program's lock or reader
        just leaves it to the next quiet moment, or to SQLite's own checkpoint."""
        if self.closed or self._since_checkpoint < CHECKPOINT_EVERY:
            return
        if self._checkpoint_timer is not None:
            self._checkpoint_timer.cancel()
        loop = asyncio.get_running_loop()
        self._checkpoint_timer = loop.call_later(CHECKPOINT_QUIET, self._checkpoint)

    def _checkpoint(self) -> None:
        self._checkpoint_timer = None
        checkpoint = getattr(self.store, "checkpoint", None)
        if self.closed or not self._idle.is_set() or checkpoint is None:
            return
        self._since_checkpoint = 0
        try:
            attempt = self.store.submit(briefly(self.store, checkpoint))
        except Exception:  # noqa: BLE001  (the store is closing)
            return
        attempt.add_done_callback(_quietly)

    async def _attempt(self, commit: Commit, first: asyncio.Future[Any] | None = None) -> Any:
        while True:
            try:
                if first is not None:  # already handed to the database thread by `put`
                    attempt, first = first, None
                    return await attempt
                if self.closed:
                    raise Abandoned
                commit.state = "waiting"
                return await self.store.call(self._try(commit))
            except (StoreError, Abandoned):
                raise  # a refusal (bad input, a stale edit), or closed: trying again changes nothing
            except (sqlite3.Error, OSError) as exc:
                if not is_busy(exc) or self.monotonic() - commit.started >= self.patience:
                    raise
            await asyncio.sleep(RETRY_PAUSE)

    def _try(self, commit: Commit) -> Callable[[], Any]:
        """One try of `commit`, as the database thread runs it: not at all once the queue has
        closed, and with a brief wait for another program's lock."""
        run = briefly(self.store, commit.run)

        def attempt() -> Any:
            with self._gate:
                if self.closed:
                    raise Abandoned
                commit.state = "running"
            try:
                return run()
            finally:
                with self._gate:
                    commit.state = "tried"

        return attempt


# -- words kept for the next start when quitting could not wait for them ------------------------


def kept_files(db_path: Path | str) -> list[Path]:
    """Where the words of commits not made at quitting are kept: beside the database, or (when
    that folder cannot be written) in the user's data folder, named after the database."""
    from facilitator.paths import data_dir

    path = Path(db_path).expanduser()
    key = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:16]
    beside = [] if str(db_path) == ":memory:" else [path.with_name(path.name + ".unsaved.json")]
    return [*beside, data_dir() / "unsaved" / f"{key}.json"]


def keep_for_next_start(db_path: Path | str, rows: list[dict[str, Any]]) -> Path | None:
    """Write drafts rows to a file the next start reads (added to any kept before); its path,
    or None when no place could be written."""
    for path in kept_files(db_path):
        try:
            earlier = _read_kept(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(path.name + ".tmp")
            with open(tmp, "w", encoding="utf-8") as out:
                json.dump(earlier + rows, out, ensure_ascii=False)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
            return path
        except OSError:
            continue
    return None


def _read_kept(path: Path) -> list[dict[str, Any]]:
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError):
        return []
    return [r for r in rows if isinstance(r, dict)] if isinstance(rows, list) else []


async def take_back(store: Store) -> int:
    """At the start: the words kept at the last quit become drafts (offered like a crash's);
    the file goes once they are in. Nothing happens while the database stays locked: the file
    waits for the next start. Returns how many drafts were added."""
    from facilitator.core.timeutil import parse_iso

    found = [(p, _read_kept(p)) for p in kept_files(store.path) if p.exists()]
    added = 0
    for path, rows in found:

        def write(rows: list[dict[str, Any]] = rows) -> int:
            for row in rows:
                store.drafts.save(
                    str(row["id"]),
                    str(row["session_id"]),
                    str(row["kind"]),
                    dict(row.get("data") or {}),
                    author=str(row.get("author") or ""),
                    entry_id=row.get("entry_id"),
                    now=parse_iso(str(row["updated_at"])),
                )
            return len(rows)

        try:
            added += await store.call(briefly(store, write))
        except (sqlite3.Error, StoreError, OSError, KeyError, TypeError, ValueError):
            logging.getLogger(__name__).warning("kept drafts not taken back yet: %s", path)
            continue
        try:
            path.unlink()
        except OSError:
            pass
    return added


def _quietly(attempt: asyncio.Future[Any]) -> None:
    """A checkpoint that failed (a lock, a closing store) is left to the next one."""
    if not attempt.cancelled():
        attempt.exception()


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
