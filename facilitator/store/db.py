"""One connection to a facilitator database and the transaction every write goes through.

Every write commits before it returns, so whatever the screen reports as saved is on disk.
Writes start with BEGIN IMMEDIATE (a deferred transaction that reads and then writes can fail at
once with "database is locked", ignoring the busy timeout). WAL mode lets two note-takers' apps
and a remark server share one file. In the TUI and the web server every call goes through
`Database.call`, which runs it on the single database thread, off the event loop.

`Database` is what the repositories (`sessions.py`, `entries.py`, ...) share; `Store` (in
`__init__.py`) is a `Database` with one repository per aggregate.
"""

from __future__ import annotations

import asyncio
import functools
import os
import re
import secrets
import sqlite3
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self, TypeVar

from facilitator.store.errors import StoreError
from facilitator.store.schema import SCHEMA_VERSION, migrate

T = TypeVar("T")


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "sessie"


def new_id(nbytes: int = 9) -> str:
    """A random id (base32, lower case): no order, no time in it."""
    import base64

    return base64.b32encode(secrets.token_bytes(nbytes)).decode().rstrip("=").lower()


class Database:
    """A facilitator database: one connection, one lock, one database thread. Open with
    `Store.open(path)`; close when done."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self._executor: ThreadPoolExecutor | None = None
        self.lock = threading.RLock()

    @classmethod
    def open(
        cls, path: str | os.PathLike[str], *, create: bool = True, durable: bool = True
    ) -> Self:
        """Open (and create or migrate) the database; StoreError with a readable reason otherwise.

        `durable=False` is for throw-away databases (the demo's): commits skip the fsync.
        """
        path = Path(path).expanduser()
        if path.is_dir():
            raise StoreError(f"{path} is a folder, not a database file")
        if not path.exists():
            if not create:
                raise StoreError(f"no database at {path}")
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(
                    f"cannot create the folder {path.parent}: {exc.strerror}"
                ) from None
            if not os.access(path.parent, os.W_OK):
                raise StoreError(f"cannot write in {path.parent}: choose another --db path")
        elif not os.access(path, os.R_OK | os.W_OK):
            raise StoreError(
                f"cannot write to {path}: choose another --db path or fix its permissions"
            )
        elif not os.access(path.parent, os.W_OK):
            raise StoreError(
                f"cannot write in {path.parent} (SQLite needs it for its journal): choose another --db path"
            )
        try:
            conn = sqlite3.connect(
                str(path), timeout=10, check_same_thread=False, isolation_level=None
            )
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open {path}: {exc}") from None
        store = cls(conn, path)
        try:
            store._prepare(durable)
        except sqlite3.DatabaseError as exc:
            conn.close()
            if "not a database" in str(exc) or "malformed" in str(exc):
                raise StoreError(
                    f"{path} is not a facilitator database (or it is damaged)"
                ) from None
            raise StoreError(f"cannot use {path}: {exc}") from None
        except StoreError:
            conn.close()
            raise
        return store

    @classmethod
    def open_read_only(cls, path: str | os.PathLike[str]) -> Self:
        """Open an existing database only to read it (listing, exporting): nothing is created,
        migrated or written. A file or folder that cannot be written (an archived copy, a
        read-only mount) is opened as immutable."""
        path = Path(path).expanduser()
        if path.is_dir():
            raise StoreError(f"{path} is a folder, not a database file")
        if not path.exists():
            raise StoreError(f"no database at {path}: check the --db path")
        if not os.access(path, os.R_OK):
            raise StoreError(f"cannot read {path}: fix its permissions")
        writable = os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
        uri = path.resolve().as_uri() + ("?mode=ro" if writable else "?immutable=1")
        try:
            conn = sqlite3.connect(
                uri, uri=True, timeout=10, check_same_thread=False, isolation_level=None
            )
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{path} is not a facilitator database (or it is damaged)") from exc
        if version > SCHEMA_VERSION:
            conn.close()
            raise StoreError(
                f"{path} was written by a newer facilitator (database version {version}, "
                f"this one knows up to {SCHEMA_VERSION}); upgrade facilitator to open it"
            )
        if version == 0:
            conn.close()
            if tables:
                raise StoreError(
                    f"{path} is an SQLite database of another program, not facilitator's"
                )
            raise StoreError(f"{path} holds no facilitator data yet")
        if version < SCHEMA_VERSION:
            conn.close()
            raise StoreError(
                f"{path} is from an older facilitator: open it once with `facilitator` "
                "(or any command that writes) to bring it up to date"
            )
        conn.execute("PRAGMA busy_timeout=10000")
        return cls(conn, path)

    def _prepare(self, durable: bool = True) -> None:
        conn = self.conn
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} was written by a newer facilitator (database version {version}, "
                f"this one knows up to {SCHEMA_VERSION}); upgrade facilitator to open it"
            )
        if version == 0 and conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
            raise StoreError(
                f"{self.path} is an SQLite database of another program, not facilitator's"
            )
        mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if mode.lower() != "wal":
            raise StoreError(f"cannot switch {self.path} to WAL mode (got {mode})")
        conn.execute("PRAGMA synchronous=FULL" if durable else "PRAGMA synchronous=OFF")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=10000")
        if version < SCHEMA_VERSION:
            migrate(version, self.transaction)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
        try:
            self.conn.close()
        except sqlite3.Error:
            pass

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT; rolled back if anything inside raises."""
        with self.lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                self._rollback()
                raise
            else:
                try:
                    self.conn.execute("COMMIT")
                except BaseException:
                    # A failed COMMIT (an I/O error, a full disk) can leave the transaction open,
                    # and then every later BEGIN fails too: end it, so the next save can work.
                    self._rollback()
                    raise

    @contextmanager
    def without_fsync(self) -> Iterator[None]:
        """For a write that a crash of the app must not lose but a power cut may (a draft):
        its commit reaches the WAL without waiting for the disk (synchronous=NORMAL). The next
        FULL commit (an entry) syncs the WAL, this write with it. A draft saved while the note-
        taker types no longer holds the database thread for an fsync that Enter then waits for.
        """
        with self.lock:
            level = int(self.conn.execute("PRAGMA synchronous").fetchone()[0])
            if level > 1:
                self.conn.execute("PRAGMA synchronous=NORMAL")
            try:
                yield
            finally:
                if level > 1:
                    self.conn.execute(f"PRAGMA synchronous={level}")

    @contextmanager
    def waiting_at_most(self, seconds: float) -> Iterator[None]:
        """Within: wait at most `seconds` for another program's write lock (else the
        connection's 10 s), so a try that is held up comes back soon."""
        with self.lock:
            (before,) = self.conn.execute("PRAGMA busy_timeout").fetchone()
            self.conn.execute(f"PRAGMA busy_timeout={min(int(before), int(seconds * 1000))}")
            try:
                yield
            finally:
                self.conn.execute(f"PRAGMA busy_timeout={int(before)}")

    def _rollback(self) -> None:
        """Roll back if a transaction is still open (SQLite ends some failed ones by itself, and
        a ROLLBACK then would hide the real error behind "no transaction is active")."""
        if self.conn.in_transaction:
            try:
                self.conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass

    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a store call on the single database thread, off the event loop."""
        return await self.submit(fn, *args, **kwargs)

    def submit(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> asyncio.Future[T]:
        """`call`, handed to the database thread now rather than when the event loop next
        runs the awaiting task (a commit the note-taker waits for starts at once)."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="facilitator-db")
        loop = asyncio.get_running_loop()
        return loop.run_in_executor(self._executor, functools.partial(fn, *args, **kwargs))

    def checkpoint(self) -> bool:
        """Copy the pages the WAL holds into the database file now, at a quiet moment, and start
        the WAL over; True when both were done.

        Left to SQLite, both happen inside the COMMIT of whichever write crosses
        wal_autocheckpoint (1000 pages: about one entry in eighty), and the write after it
        writes and syncs the new WAL's header: two entries in a hundred took twice as long to
        commit, and the note-taker waited for them. Durability is the same either way: a commit
        is on disk once its WAL frames are synced (synchronous=FULL); a checkpoint only copies
        committed pages into the main file, and after a crash SQLite replays the WAL.
        """
        with self.lock:
            busy, log, done = self.conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            if busy or log <= 0 or done < log:
                return False  # another connection still reads older pages: the WAL goes on
            # Every page is in the file: the next write starts the WAL over, and writes and
            # syncs its header first. That write is made here (the schema version, written back
            # as it is), so an entry's commit does not pay for it.
            with self.transaction() as conn:
                (version,) = conn.execute("PRAGMA user_version").fetchone()
                conn.execute(f"PRAGMA user_version = {int(version)}")
        return True

    def data_version(self) -> int:
        """Changes whenever another connection (another app, the remark server) commits."""
        with self.lock:
            return int(self.conn.execute("PRAGMA data_version").fetchone()[0])

    def query(self, sql: str, params: Any = ()) -> list[dict[str, Any]]:
        with self.lock:
            cur = self.conn.execute(sql, params)
            cols = [d[0] for d in cur.description]
            return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]

    def backup(self, dest: str | os.PathLike[str]) -> Path:
        """A consistent copy of the whole database (safe while other processes write)."""
        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        # Per process: two apps on one database may copy it in the same second.
        tmp = dest.with_name(f".{dest.name}.{os.getpid()}.part")
        try:
            target = sqlite3.connect(str(tmp))
            try:
                with self.lock:
                    self.conn.backup(target)
            finally:
                target.close()
            os.replace(tmp, dest)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return dest

    def backup_rotating(self, label: str, keep: int = 12) -> Path:
        """A copy beside the database (in `<name>.backups/`), keeping the newest `keep` copies."""
        folder = self.path.with_name(self.path.name + ".backups")
        from datetime import UTC
        from datetime import datetime as _dt

        stamp = _dt.now(UTC).strftime("%Y%m%dT%H%M%S")
        dest = self.backup(folder / f"{stamp}-{slug(label)}.db")
        copies = sorted(folder.glob("*.db"))
        for old in copies[:-keep]:
            old.unlink(missing_ok=True)
        # Half-written copies of a process that was killed while copying (an hour is far longer
        # than any copy takes, so another app's copy in progress is left alone).
        for part in folder.glob(".*.part"):
            try:
                if time.time() - part.stat().st_mtime > 3600:
                    part.unlink()
            except OSError:
                pass
        return dest
