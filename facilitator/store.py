"""The one door to SQLite: schema and migrations, sessions, clock events, entries, remarks.

Every method commits before it returns, so whatever the screen reports as saved is on disk.
Writes start with BEGIN IMMEDIATE (a deferred transaction that reads and then writes can fail at
once with "database is locked", ignoring the busy timeout). WAL mode lets two note-takers' apps
and a remark server share one file. In the TUI and the web server every call goes through
`Store.call`, which runs it on the store's single database thread, off the event loop.
"""

from __future__ import annotations

import asyncio
import functools
import json
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
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from facilitator.core.clock import ClockEvent, check_event, compute, refusal
from facilitator.core.entries import KINDS, LEVELS, Entry, fts_query, normalise_tag
from facilitator.core.programme import Programme
from facilitator.core.text import clean, one_line
from facilitator.core.timeutil import iso, parse_date, parse_iso

SCHEMA_VERSION = 3
T = TypeVar("T")


class StoreError(Exception):
    """A problem a user can fix (a path that cannot be written, a database from a newer version)."""


class NotFound(StoreError):
    """No such session or entry."""


class FieldError(StoreError):
    """An entry field the store refuses; `field` names it (an import says where it is)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class StaleEdit(StoreError):
    """The entry was saved again after the edit was opened; `current` is the entry as it is now."""

    def __init__(self, current: Any) -> None:
        super().__init__(f"entry {current.id!r} changed since the edit was opened")
        self.current = current


# Each migration takes the schema from version N-1 to N; never edit one that has shipped.
MIGRATIONS: list[str] = [
    # 1: the first schema.
    """
    CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        programme_id TEXT NOT NULL,
        programme TEXT NOT NULL,              -- frozen JSON copy of the programme
        place TEXT NOT NULL,
        date TEXT NOT NULL,                   -- YYYY-MM-DD
        facilitators TEXT NOT NULL DEFAULT '[]',
        expected_participants INTEGER,
        state TEXT NOT NULL DEFAULT 'planned', -- planned | running | closed, kept with the events
        created_at TEXT NOT NULL,
        remark_token TEXT NOT NULL UNIQUE     -- unguessable part of the participants' URL
    );
    CREATE TABLE clock_events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        session_id TEXT NOT NULL REFERENCES sessions(id),
        at TEXT NOT NULL,                     -- ISO-8601 UTC
        kind TEXT NOT NULL,
        data TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX clock_events_session ON clock_events(session_id, seq);
    CREATE TABLE entries (
        id TEXT PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES sessions(id),
        kind TEXT NOT NULL,
        block_key TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        author TEXT NOT NULL DEFAULT '',
        text TEXT NOT NULL DEFAULT '',
        title TEXT NOT NULL DEFAULT '',
        speaker TEXT NOT NULL DEFAULT '',
        source TEXT NOT NULL DEFAULT '',
        level TEXT,
        photo TEXT NOT NULL DEFAULT '',
        building_blocks TEXT NOT NULL DEFAULT '[]',
        revision INTEGER NOT NULL DEFAULT 1,
        deleted_at TEXT
    );
    CREATE INDEX entries_session ON entries(session_id, created_at);
    CREATE TABLE entry_tags (
        entry_id TEXT NOT NULL REFERENCES entries(id),
        tag TEXT NOT NULL,
        PRIMARY KEY (entry_id, tag)
    ) WITHOUT ROWID;
    CREATE INDEX entry_tags_tag ON entry_tags(tag);
    CREATE TABLE entry_links (
        entry_id TEXT NOT NULL REFERENCES entries(id),
        target_id TEXT NOT NULL,
        PRIMARY KEY (entry_id, target_id)
    ) WITHOUT ROWID;
    CREATE TABLE entry_revisions (
        entry_id TEXT NOT NULL REFERENCES entries(id),
        revision INTEGER NOT NULL,
        saved_at TEXT NOT NULL,               -- when this version was replaced
        data TEXT NOT NULL,                   -- the version's fields, tags and links as JSON
        PRIMARY KEY (entry_id, revision)
    ) WITHOUT ROWID;
    CREATE TABLE drafts (
        id TEXT PRIMARY KEY,                  -- one per form being typed in an app instance
        session_id TEXT NOT NULL,
        author TEXT NOT NULL DEFAULT '',
        kind TEXT NOT NULL,
        entry_id TEXT,                        -- set when the draft edits an existing entry
        data TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    -- Anonymous remarks: no time, no address, no order. WITHOUT ROWID and a random key, so the
    -- storage order follows the random id, never the arrival.
    CREATE TABLE remarks (
        id TEXT PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES sessions(id),
        slot TEXT NOT NULL,                   -- the block running when it came in, by name
        text TEXT NOT NULL,
        hidden INTEGER NOT NULL DEFAULT 0,
        released INTEGER NOT NULL DEFAULT 0   -- shown to the facilitator (remarks come in batches)
    ) WITHOUT ROWID;
    CREATE TABLE participants (
        session_id TEXT NOT NULL REFERENCES sessions(id),
        characteristic TEXT NOT NULL,         -- age, gender, education, migration, area
        category TEXT NOT NULL,
        count INTEGER NOT NULL CHECK (count >= 0),
        PRIMARY KEY (session_id, characteristic, category)
    ) WITHOUT ROWID;
    CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    -- Full-text search over entries, kept current by triggers for rows any process writes.
    CREATE VIRTUAL TABLE entries_fts USING fts5 (
        text, title, speaker, source,
        content=entries, tokenize='unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER entries_ai AFTER INSERT ON entries BEGIN
        INSERT INTO entries_fts (rowid, text, title, speaker, source)
        VALUES (new.rowid, new.text, new.title, new.speaker, new.source)@@
    END;
    CREATE TRIGGER entries_ad AFTER DELETE ON entries BEGIN
        INSERT INTO entries_fts (entries_fts, rowid, text, title, speaker, source)
        VALUES ('delete', old.rowid, old.text, old.title, old.speaker, old.source)@@
    END;
    CREATE TRIGGER entries_au AFTER UPDATE ON entries BEGIN
        INSERT INTO entries_fts (entries_fts, rowid, text, title, speaker, source)
        VALUES ('delete', old.rowid, old.text, old.title, old.speaker, old.source)@@
        INSERT INTO entries_fts (rowid, text, title, speaker, source)
        VALUES (new.rowid, new.text, new.title, new.speaker, new.source)@@
    END;
    """,
    # 2 (issue 11): an entry keeps the sub-question it answers; a session keeps its time zone
    # (times print on its own clock); the full-text table names its content table quoted, as
    # Datasette looks for it (rebuilt, with its triggers).
    """
    ALTER TABLE entries ADD COLUMN sub_question TEXT NOT NULL DEFAULT '';
    ALTER TABLE sessions ADD COLUMN timezone TEXT NOT NULL DEFAULT 'Europe/Amsterdam';
    DROP TRIGGER IF EXISTS entries_ai;
    DROP TRIGGER IF EXISTS entries_ad;
    DROP TRIGGER IF EXISTS entries_au;
    DROP TABLE IF EXISTS entries_fts;
    CREATE VIRTUAL TABLE entries_fts USING fts5 (
        text, title, speaker, source,
        content="entries", tokenize='unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER entries_ai AFTER INSERT ON entries BEGIN
        INSERT INTO entries_fts (rowid, text, title, speaker, source)
        VALUES (new.rowid, new.text, new.title, new.speaker, new.source)@@
    END;
    CREATE TRIGGER entries_ad AFTER DELETE ON entries BEGIN
        INSERT INTO entries_fts (entries_fts, rowid, text, title, speaker, source)
        VALUES ('delete', old.rowid, old.text, old.title, old.speaker, old.source)@@
    END;
    CREATE TRIGGER entries_au AFTER UPDATE ON entries BEGIN
        INSERT INTO entries_fts (entries_fts, rowid, text, title, speaker, source)
        VALUES ('delete', old.rowid, old.text, old.title, old.speaker, old.source)@@
        INSERT INTO entries_fts (rowid, text, title, speaker, source)
        VALUES (new.rowid, new.text, new.title, new.speaker, new.source)@@
    END;
    INSERT INTO entries_fts (entries_fts) VALUES ('rebuild');
    """,
    # 3 (issue 10): note-takers' laptops: a change log per entry for sync, when an entry was
    # last deleted or restored, pairing codes and paired laptops on the host, the host a
    # laptop syncs with. Self-contained: only CREATE and ALTER TABLE ADD COLUMN.
    """
    ALTER TABLE entries ADD COLUMN deleted_changed_at TEXT;
    UPDATE entries SET deleted_changed_at = deleted_at WHERE deleted_at IS NOT NULL;
    -- One row per entry: every insert or update of the entry (by any process) gives it a new,
    -- higher seq: "what changed since N" for laptops pulling, and a laptop's outbox.
    CREATE TABLE sync_log (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        entry_id TEXT NOT NULL UNIQUE,
        session_id TEXT NOT NULL,
        remote INTEGER NOT NULL DEFAULT 0     -- on a laptop: this change came from the host
    );
    CREATE INDEX sync_log_session ON sync_log(session_id, seq);
    INSERT INTO sync_log (entry_id, session_id) SELECT id, session_id FROM entries ORDER BY rowid;
    CREATE TRIGGER sync_log_ai AFTER INSERT ON entries BEGIN
        INSERT OR REPLACE INTO sync_log (entry_id, session_id) VALUES (new.id, new.session_id)@@
    END;
    CREATE TRIGGER sync_log_au AFTER UPDATE ON entries BEGIN
        INSERT OR REPLACE INTO sync_log (entry_id, session_id) VALUES (new.id, new.session_id)@@
    END;
    -- A delete is stamped with its time, a restore with now, each never before the change it
    -- undoes (that one may carry another clock's time, a little ahead of this one).
    CREATE TRIGGER entries_deleted_stamp AFTER UPDATE OF deleted_at ON entries
    WHEN new.deleted_at IS NOT old.deleted_at
         AND new.deleted_changed_at IS old.deleted_changed_at BEGIN
        UPDATE entries SET deleted_changed_at = max(
            coalesce(new.deleted_at, strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')),
            coalesce(
                strftime('%Y-%m-%dT%H:%M:%f+00:00', old.deleted_changed_at, '+0.001 seconds'),
                ''
            )
        )
        WHERE id = new.id@@
    END;
    CREATE TABLE sync_codes (
        code_hash TEXT PRIMARY KEY,           -- sha256 of the pairing code, never the code
        session_id TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        failures INTEGER NOT NULL DEFAULT 0,  -- wrong codes tried while this one was open
        used_at TEXT
    );
    CREATE TABLE sync_devices (
        id TEXT PRIMARY KEY,
        session_id TEXT NOT NULL,
        author TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,      -- sha256 of the laptop's token, never the token
        paired_at TEXT NOT NULL,
        last_seen_at TEXT,
        pending INTEGER NOT NULL DEFAULT 0,   -- entries the laptop said it still has to send
        removed_at TEXT
    );
    CREATE TABLE sync_hosts (
        session_id TEXT PRIMARY KEY,          -- on a laptop: this session is synced with a host
        address TEXT NOT NULL,                -- https://host:port
        fingerprint TEXT NOT NULL,            -- sha256 of the host's certificate, pinned
        token TEXT NOT NULL,
        device_id TEXT NOT NULL,
        author TEXT NOT NULL,
        pushed_seq INTEGER NOT NULL DEFAULT 0,
        pulled_seq INTEGER NOT NULL DEFAULT 0,
        clock_seq INTEGER NOT NULL DEFAULT 0,
        last_ok_at TEXT,
        last_error TEXT
    );
    """,
]


@dataclass
class SessionInfo:
    """A session row with its frozen programme."""

    id: str
    programme: Programme
    place: str
    date: str
    facilitators: list[str]
    expected_participants: int | None
    state: str
    created_at: str
    remark_token: str
    timezone: str = "Europe/Amsterdam"  # the session's own clock: reports print times in it

    @property
    def programme_id(self) -> str:
        return self.programme.id


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "sessie"


def new_id(nbytes: int = 9) -> str:
    """A random id (base32, lower case): no order, no time in it."""
    import base64

    return base64.b32encode(secrets.token_bytes(nbytes)).decode().rstrip("=").lower()


class Store:
    """A facilitator database. Open with `Store.open(path)`; close when done."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.RLock()

    # -- opening and migrations -------------------------------------------------------------

    @classmethod
    def open(
        cls, path: str | os.PathLike[str], *, create: bool = True, durable: bool = True
    ) -> Store:
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
    def open_read_only(cls, path: str | os.PathLike[str]) -> Store:
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
            self._migrate(version)

    def _migrate(self, version: int) -> None:
        for number in range(version + 1, SCHEMA_VERSION + 1):
            with self.transaction() as conn:
                # Another process may have migrated while we waited for the write lock.
                if conn.execute("PRAGMA user_version").fetchone()[0] >= number:
                    continue
                for statement in _split_sql(MIGRATIONS[number - 1]):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version={number}")

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
        with self._lock:
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
    def _without_fsync(self) -> Iterator[None]:
        """For a write that a crash of the app must not lose but a power cut may (a draft):
        its commit reaches the WAL without waiting for the disk (synchronous=NORMAL). The next
        FULL commit (an entry) syncs the WAL, this write with it. A draft saved while the note-
        taker types no longer holds the database thread for an fsync that Enter then waits for.
        """
        with self._lock:
            level = int(self.conn.execute("PRAGMA synchronous").fetchone()[0])
            if level > 1:
                self.conn.execute("PRAGMA synchronous=NORMAL")
            try:
                yield
            finally:
                if level > 1:
                    self.conn.execute(f"PRAGMA synchronous={level}")

    def _rollback(self) -> None:
        """Roll back if a transaction is still open (SQLite ends some failed ones by itself, and
        a ROLLBACK then would hide the real error behind "no transaction is active")."""
        if self.conn.in_transaction:
            try:
                self.conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass

    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a store method on the single database thread, off the event loop."""
        return await self.submit(fn, *args, **kwargs)

    def submit(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> asyncio.Future[T]:
        """`call`, handed to the database thread now rather than when the event loop next
        runs the awaiting task (a commit the note-taker waits for starts at once)."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="facilitator-db")
        loop = asyncio.get_running_loop()
        return loop.run_in_executor(self._executor, functools.partial(fn, *args, **kwargs))

    def data_version(self) -> int:
        """Changes whenever another connection (another app, the remark server) commits."""
        with self._lock:
            return int(self.conn.execute("PRAGMA data_version").fetchone()[0])

    def query(self, sql: str, params: Any = ()) -> list[dict[str, Any]]:
        with self._lock:
            cur = self.conn.execute(sql, params)
            cols = [d[0] for d in cur.description]
            return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]

    def get_setting(self, key: str, default: str | None = None) -> str | None:
        rows = self.query("SELECT value FROM settings WHERE key = ?", (key,))
        return rows[0]["value"] if rows else default

    def set_setting(self, key: str, value: str) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO settings(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def form_secret(self) -> bytes:
        """The key that signs the participants' form field: made once, then shared by every remark
        server on this database, so a restart does not turn away pages already open."""
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO settings(key, value) VALUES ('form_secret', ?)",
                (secrets.token_hex(32),),
            )
            value = conn.execute("SELECT value FROM settings WHERE key = 'form_secret'").fetchone()
        return bytes.fromhex(value[0])

    def backup(self, dest: str | os.PathLike[str]) -> Path:
        """A consistent copy of the whole database (safe while other processes write)."""
        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        # Per process: two apps on one database may copy it in the same second.
        tmp = dest.with_name(f".{dest.name}.{os.getpid()}.part")
        try:
            target = sqlite3.connect(str(tmp))
            try:
                with self._lock:
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
        dest = self.backup(folder / f"{stamp}-{_slug(label)}.db")
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

    # -- sessions -------------------------------------------------------------------------

    def create_session(
        self,
        programme: Programme,
        place: str,
        date: str,
        *,
        facilitators: list[str] | None = None,
        expected_participants: int | None = None,
        now: datetime,
        session_id: str | None = None,
        timezone: str | None = None,
    ) -> str:
        """A new session with a frozen copy of `programme`; returns its id (e.g. utrecht-2026-03-01)."""
        tz_name = self._check_timezone(timezone)
        if not programme.valid:
            raise StoreError(f"programme {programme.id} has errors and cannot be used")
        place = one_line(place)  # a place is one line: it heads lists, titles and file names
        if not place:
            raise StoreError("the place is empty")
        parse_date(date)
        _check_expected(expected_participants)
        frozen = json.dumps(programme.to_dict(), ensure_ascii=False)
        names = [clean(n).strip() for n in facilitators or [] if clean(n).strip()]
        with self.transaction() as conn:
            if session_id is None:
                base = f"{_slug(place)}-{date}"
                session_id, n = base, 1
                while conn.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone():
                    n += 1
                    session_id = f"{base}-{n}"
            elif conn.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone():
                raise StoreError(f"session {session_id!r} is already in this database")
            conn.execute(
                "INSERT INTO sessions (id, programme_id, programme, place, date, facilitators, "
                "expected_participants, state, created_at, remark_token) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, 'planned', ?, ?)",
                (
                    session_id,
                    programme.id,
                    frozen,
                    place,
                    date,
                    json.dumps(names, ensure_ascii=False),
                    expected_participants,
                    iso(now),
                    secrets.token_urlsafe(18),
                ),
            )
            conn.execute("UPDATE sessions SET timezone = ? WHERE id = ?", (tz_name, session_id))
        return session_id

    @staticmethod
    def _check_timezone(name: str | None) -> str:
        """A session's time zone as stored: a known IANA name (default Europe/Amsterdam)."""
        from facilitator.core.timeutil import DEFAULT_ZONE, check_zone

        try:
            return check_zone(clean(name or DEFAULT_ZONE)) or DEFAULT_ZONE
        except ValueError as exc:
            raise StoreError(str(exc)) from None

    def _session_from_row(self, row: dict[str, Any]) -> SessionInfo:
        return SessionInfo(
            id=row["id"],
            programme=Programme.from_dict(json.loads(row["programme"])),
            place=row["place"],
            date=row["date"],
            facilitators=json.loads(row["facilitators"]),
            expected_participants=row["expected_participants"],
            state=row["state"],
            created_at=row["created_at"],
            remark_token=row["remark_token"],
            timezone=row.get("timezone") or "Europe/Amsterdam",
        )

    def get_session(self, session_id: str) -> SessionInfo:
        rows = self.query("SELECT * FROM sessions WHERE id = ?", (session_id,))
        if not rows:
            raise NotFound(f"no session {session_id!r} in this database")
        return self._session_from_row(rows[0])

    def list_sessions(self) -> list[SessionInfo]:
        """All sessions, newest first."""
        rows = self.query("SELECT * FROM sessions ORDER BY created_at DESC, id")
        return [self._session_from_row(r) for r in rows]

    def session_by_token(self, token: str) -> SessionInfo | None:
        rows = self.query("SELECT * FROM sessions WHERE remark_token = ?", (token,))
        return self._session_from_row(rows[0]) if rows else None

    def update_session(
        self,
        session_id: str,
        *,
        facilitators: list[str] | None = None,
        expected_participants: int | None = None,
    ) -> None:
        _check_expected(expected_participants)
        with self.transaction() as conn:
            if facilitators is not None:
                names = [clean(n).strip() for n in facilitators if clean(n).strip()]
                conn.execute(
                    "UPDATE sessions SET facilitators = ? WHERE id = ?",
                    (json.dumps(names, ensure_ascii=False), session_id),
                )
            if expected_participants is not None:
                conn.execute(
                    "UPDATE sessions SET expected_participants = ? WHERE id = ?",
                    (expected_participants, session_id),
                )

    # -- the clock --------------------------------------------------------------------------

    def clock_events(self, session_id: str, after: int = 0) -> list[ClockEvent]:
        rows = self.query(
            "SELECT seq, at, kind, data FROM clock_events WHERE session_id = ? AND seq > ? "
            "ORDER BY seq",
            (session_id, after),
        )
        return [
            ClockEvent(
                seq=r["seq"], at=parse_iso(r["at"]), kind=r["kind"], data=json.loads(r["data"])
            )
            for r in rows
        ]

    def add_clock_event(
        self, session_id: str, kind: str, at: datetime, data: dict[str, Any] | None = None
    ) -> ClockEvent:
        """Append one facilitator action and keep the session's state in step, in one commit."""
        problem = check_event(kind, data or {})
        if problem is not None:
            raise StoreError(problem)
        payload = json.dumps(data or {}, ensure_ascii=False, sort_keys=True)
        with self.transaction() as conn:
            row = conn.execute(
                "SELECT programme FROM sessions WHERE id = ?", (session_id,)
            ).fetchone()
            if row is None:
                raise NotFound(f"no session {session_id!r} in this database")
            events = [
                ClockEvent(seq=s, at=parse_iso(a), kind=k, data=json.loads(d))
                for s, a, k, d in conn.execute(
                    "SELECT seq, at, kind, data FROM clock_events WHERE session_id = ? ORDER BY seq",
                    (session_id,),
                )
            ]
            programme = Programme.from_dict(json.loads(row[0]))
            # Read inside the write lock: another app may have acted on this clock a moment ago.
            problem = refusal(compute(programme.blocks, events, at), kind, data or {})
            if problem is not None:
                raise StoreError(problem)
            cur = conn.execute(
                "INSERT INTO clock_events (session_id, at, kind, data) VALUES (?, ?, ?, ?)",
                (session_id, iso(at), kind, payload),
            )
            event = ClockEvent(
                int(cur.lastrowid or 0), parse_iso(iso(at)), kind, json.loads(payload)
            )
            state = compute(programme.blocks, [*events, event], at).state
            conn.execute("UPDATE sessions SET state = ? WHERE id = ?", (state, session_id))
        return event

    # -- entries ------------------------------------------------------------------------------

    @staticmethod
    def _check_fields(kind: str, fields: dict[str, Any]) -> dict[str, Any]:
        spec = KINDS.get(kind)
        if spec is None:
            raise FieldError("kind", f"unknown entry kind {kind!r} (known: {', '.join(KINDS)})")
        out: dict[str, Any] = {}
        for name, value in fields.items():
            if name == "building_blocks":
                if not spec.building_blocks:
                    raise FieldError(name, f"{_a(kind)} has no building blocks")
                items = [clean(str(v)).strip() for v in value or []]
                out[name] = [v for v in items if v]
            elif name not in spec.fields:
                raise FieldError(
                    name, f"{_a(kind)} has no field {name!r} (it has {', '.join(spec.fields)})"
                )
            elif name == "level":
                if value not in LEVELS:
                    raise FieldError(
                        name, f"level must be one of {', '.join(LEVELS)}, not {value!r}"
                    )
                out[name] = value
            else:
                # Leading and trailing blank space is no part of what was said: a story ended
                # with Enter left an empty line before the initials in the report.
                out[name] = clean(str(value or "")).strip()
        for name in spec.required:
            if not str(out.get(name) or "").strip():
                raise FieldError(name, f"{_a(kind)} needs a {name}")
        return out

    def add_entry(
        self,
        session_id: str,
        kind: str,
        fields: dict[str, Any],
        *,
        author: str = "",
        block_key: str | None = None,
        tags: list[str] | None = None,
        links: list[str] | None = None,
        now: datetime,
        entry_id: str | None = None,
        draft_id: str | None = None,
    ) -> Entry:
        """Save a new entry (and drop the draft it came from) in one commit."""
        values = self._check_fields(kind, fields)
        entry_id = entry_id or new_id()
        stamp = iso(now)
        with self.transaction() as conn:
            if not conn.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone():
                raise NotFound(f"no session {session_id!r} in this database")
            self._insert_entry(
                conn,
                {
                    "id": entry_id,
                    "session_id": session_id,
                    "kind": kind,
                    "block_key": block_key,
                    "created_at": stamp,
                    "updated_at": stamp,
                    "author": clean(author).strip(),
                },
                values,
            )
            self._write_tags_links(conn, entry_id, tags or [], links or [])
            if draft_id:
                conn.execute("DELETE FROM drafts WHERE id = ?", (draft_id,))
        return self.get_entry(entry_id)

    @staticmethod
    def _insert_entry(
        conn: sqlite3.Connection, stamp: dict[str, Any], values: dict[str, Any]
    ) -> None:
        """One entries row: who, when and where (`stamp`) plus the kind's checked fields."""
        row = {
            **stamp,
            **{
                k: json.dumps(v, ensure_ascii=False) if k == "building_blocks" else v
                for k, v in values.items()
            },
        }
        conn.execute(
            f"INSERT INTO entries ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
            list(row.values()),
        )

    @staticmethod
    def _write_tags_links(
        conn: sqlite3.Connection, entry_id: str, tags: list[str], links: list[str]
    ) -> None:
        conn.execute("DELETE FROM entry_tags WHERE entry_id = ?", (entry_id,))
        conn.execute("DELETE FROM entry_links WHERE entry_id = ?", (entry_id,))
        for tag in dict.fromkeys(t for t in (normalise_tag(x) for x in tags) if t):
            conn.execute("INSERT INTO entry_tags (entry_id, tag) VALUES (?, ?)", (entry_id, tag))
        for target in dict.fromkeys(links):
            if target != entry_id:
                conn.execute(
                    "INSERT INTO entry_links (entry_id, target_id) VALUES (?, ?)",
                    (entry_id, target),
                )

    def update_entry(
        self,
        entry_id: str,
        fields: dict[str, Any],
        *,
        tags: list[str] | None = None,
        links: list[str] | None = None,
        now: datetime,
        draft_id: str | None = None,
        expected_revision: int | None = None,
    ) -> Entry:
        """Change an entry, keeping the version it replaces in entry_revisions.

        With `expected_revision` (the revision the edit was opened on), an entry saved again
        since then is left alone and StaleEdit is raised: the editor chooses (core.conflict).
        """
        with self.transaction() as conn:
            # Read inside the write lock: another app may have edited this entry a moment ago,
            # and two edits from the same starting revision would collide in entry_revisions.
            old = self.get_entry(entry_id)
            if expected_revision is not None and old.revision != expected_revision:
                raise StaleEdit(old)
            values = self._check_fields(old.kind, {**old.fields(), **fields})
            snapshot = json.dumps(
                {
                    **old.fields(),
                    "tags": old.tags,
                    "links": old.links,
                    "updated_at": old.updated_at,
                },
                ensure_ascii=False,
            )
            conn.execute(
                "INSERT INTO entry_revisions (entry_id, revision, saved_at, data) VALUES (?, ?, ?, ?)",
                (entry_id, old.revision, iso(now), snapshot),
            )
            sets = ", ".join(f"{name} = ?" for name in values)
            params = [
                json.dumps(v, ensure_ascii=False) if k == "building_blocks" else v
                for k, v in values.items()
            ]
            conn.execute(
                f"UPDATE entries SET {sets}, updated_at = ?, revision = revision + 1 WHERE id = ?",
                [*params, iso(now), entry_id],
            )
            self._write_tags_links(
                conn,
                entry_id,
                old.tags if tags is None else tags,
                old.links if links is None else links,
            )
            if draft_id:
                conn.execute("DELETE FROM drafts WHERE id = ?", (draft_id,))
        return self.get_entry(entry_id)

    def delete_entry(self, entry_id: str, *, now: datetime) -> None:
        """Mark an entry deleted; `restore_entry` undoes it. Nothing is erased."""
        with self.transaction() as conn:
            cur = conn.execute(
                "UPDATE entries SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL",
                (iso(now), entry_id),
            )
            if (
                cur.rowcount == 0
                and not conn.execute("SELECT 1 FROM entries WHERE id = ?", (entry_id,)).fetchone()
            ):
                raise NotFound(f"no entry {entry_id!r}")

    def restore_entry(self, entry_id: str) -> None:
        with self.transaction() as conn:
            conn.execute("UPDATE entries SET deleted_at = NULL WHERE id = ?", (entry_id,))

    def _entries(self, where: str, params: list[Any]) -> list[Entry]:
        sql = (
            "SELECT e.*, "
            "(SELECT json_group_array(tag) FROM "
            "  (SELECT tag FROM entry_tags WHERE entry_id = e.id ORDER BY tag)) AS tags, "
            "(SELECT json_group_array(target_id) FROM "
            "  (SELECT target_id FROM entry_links WHERE entry_id = e.id ORDER BY target_id)) AS links "
            f"FROM entries e WHERE {where}"
        )
        # Values many entries share (kind, block, author, speaker label, sub-question, an empty
        # list) are kept once: a series of 70,000 entries otherwise holds 70,000 copies of each.
        shared: dict[Any, Any] = {}

        def one(value: Any) -> Any:
            return shared.setdefault(value, value)

        def many(text: str) -> list[str]:
            return [] if text == "[]" else [one(x) for x in json.loads(text)]

        out = []
        with self._lock:
            cur = self.conn.execute(sql, params)
            cols = [d[0] for d in cur.description]
            while rows := cur.fetchmany(500):
                for row in rows:
                    r = dict(zip(cols, row, strict=True))
                    out.append(
                        Entry(
                            id=r["id"],
                            session_id=one(r["session_id"]),
                            kind=one(r["kind"]),
                            block_key=one(r["block_key"]),
                            created_at=r["created_at"],
                            # Never edited: the same text as created_at, kept once.
                            updated_at=r["created_at"]
                            if r["updated_at"] == r["created_at"]
                            else r["updated_at"],
                            author=one(r["author"]),
                            text=r["text"],
                            title=one(r["title"]),
                            speaker=one(r["speaker"]),
                            source=one(r["source"]),
                            level=one(r["level"]),
                            photo=one(r["photo"]),
                            sub_question=one(r.get("sub_question") or ""),
                            building_blocks=many(r["building_blocks"]),
                            tags=many(r["tags"]),
                            links=many(r["links"]),
                            revision=r["revision"],
                            deleted_at=r["deleted_at"],
                        )
                    )
        return out

    def get_entry(self, entry_id: str) -> Entry:
        found = self._entries("e.id = ?", [entry_id])
        if not found:
            raise NotFound(f"no entry {entry_id!r}")
        return found[0]

    def list_entries(
        self,
        session_id: str | None = None,
        *,
        kind: str | None = None,
        tag: str | None = None,
        block_keys: list[str] | None = None,
        include_deleted: bool = False,
        newest_first: bool = True,
        limit: int | None = None,
    ) -> list[Entry]:
        """Entries of one session (or all), filtered by kind, tag and blocks."""
        where, params = self._entry_where(
            session_id, kind=kind, tag=tag, include_deleted=include_deleted
        )
        if block_keys is not None:
            where += f" AND e.block_key IN ({', '.join('?' * len(block_keys)) or 'NULL'})"
            params.extend(block_keys)
        order = "DESC" if newest_first else "ASC"
        sql = where + f" ORDER BY e.created_at {order}, e.rowid {order}"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return self._entries(sql, params)

    def revisions(self, entry_id: str) -> list[dict[str, Any]]:
        """Earlier versions of an entry, oldest first: revision, saved_at and the fields."""
        rows = self.query(
            "SELECT revision, saved_at, data FROM entry_revisions WHERE entry_id = ? ORDER BY revision",
            (entry_id,),
        )
        return [
            {"revision": r["revision"], "saved_at": r["saved_at"], **json.loads(r["data"])}
            for r in rows
        ]

    def all_tags(self, prefix: str = "") -> list[tuple[str, int]]:
        """Tags used in any session, most used first, for completion."""
        rows = self.query(
            "SELECT t.tag, count(*) AS n FROM entry_tags t JOIN entries e ON e.id = t.entry_id "
            "WHERE e.deleted_at IS NULL AND t.tag LIKE ? ESCAPE '\\' GROUP BY t.tag "
            "ORDER BY n DESC, t.tag",
            (prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%",),
        )
        return [(r["tag"], r["n"]) for r in rows]

    # -- remarks (anonymous; see the issue "Anonymous remarks") ------------------------------

    def add_remark(self, session_id: str, slot: str, text: str) -> str:
        """Store one remark with its slot only: a random id, no time, nothing about the sender."""
        remark_id = new_id(12)
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO remarks (id, session_id, slot, text) VALUES (?, ?, ?, ?)",
                (remark_id, session_id, slot, clean(text)),
            )
        return remark_id

    def list_remarks(
        self, session_id: str, *, include_hidden: bool = True, released_only: bool = False
    ) -> list[dict[str, Any]]:
        """Remarks of a session, by slot then by random id: an order unrelated to arrival."""
        where = "session_id = ?"
        if not include_hidden:
            where += " AND hidden = 0"
        if released_only:
            where += " AND released = 1"
        return self.query(
            f"SELECT id, slot, text, hidden, released FROM remarks WHERE {where} ORDER BY slot, id",
            (session_id,),
        )

    # -- web: remark server additions go below this line --
    #
    # Anonymity on disk: a remark row holds a random id, its slot and its text, nothing else.
    # Where a row's bytes sit in the file would still tell when it came in (SQLite fills a page
    # from its end towards its start, and appends new pages), so:
    # - the remark server keeps the latest remarks in memory (fewer than three per session) and
    #   writes them as one shuffled group (`write_remark_group`), not one commit per post;
    # - every write that adds remarks or releases a batch rewrites the whole remarks table in a
    #   random order (`_rewrite_remarks`) with secure_delete on, so the placement of every row
    #   (which page, where in the page, overflow pages) follows a fresh shuffle and the random
    #   ids, never arrival, and the old bytes are zeroed rather than left in free space;
    # - after each such write the WAL (whose frames would show the states in between) is
    #   checkpointed and truncated (`scrub_remark_journal`), so backups, which copy the pages,
    #   inherit the same random placement.
    # The direct path (`post_remark`, used by tests and tools) writes every remark at once and
    # reshuffles the waiting ones at each arrival instead.

    REMARK_BATCH_SETTING = "remarks.batch_size"
    DEFAULT_REMARK_BATCH = 3

    def remark_batch_size(self) -> int:
        """How many remarks wait before they show together (0: only when their block ends)."""
        value = self.get_setting(self.REMARK_BATCH_SETTING)
        try:
            return max(0, int(value)) if value is not None else self.DEFAULT_REMARK_BATCH
        except ValueError:
            return self.DEFAULT_REMARK_BATCH

    def set_remark_batch_size(self, size: int) -> int:
        if size < 0:
            raise StoreError("the batch size cannot be negative")
        self.set_setting(self.REMARK_BATCH_SETTING, str(int(size)))
        return int(size)

    def remark_tokens(self) -> list[tuple[str, str]]:
        """(session id, remark token) of every session, for the remark server's URL lookup."""
        return [
            (r["id"], r["remark_token"])
            for r in self.query("SELECT id, remark_token FROM sessions")
        ]

    def remark_tokens_stamp(self) -> tuple[int, int]:
        """Changes when a session is added or removed, so the server knows when to reload tokens."""
        row = self.conn.execute("SELECT count(*), coalesce(max(rowid), 0) FROM sessions").fetchone()
        return int(row[0]), int(row[1])

    def _remark_clock(
        self, conn: sqlite3.Connection, session_id: str, now: datetime
    ):  # -> ClockState
        row = conn.execute("SELECT programme FROM sessions WHERE id = ?", (session_id,)).fetchone()
        if row is None:
            raise NotFound(f"no session {session_id!r} in this database")
        cache: dict[str, Any] = self.__dict__.setdefault("_remark_blocks", {})
        blocks = cache.get(row[0])
        if blocks is None:
            blocks = Programme.from_dict(json.loads(row[0])).blocks
            cache[row[0]] = blocks
        events = [
            ClockEvent(seq=s, at=parse_iso(a), kind=k, data=json.loads(d))
            for s, a, k, d in conn.execute(
                "SELECT seq, at, kind, data FROM clock_events WHERE session_id = ? ORDER BY seq",
                (session_id,),
            )
        ]
        return compute(blocks, events, now)

    @staticmethod
    def _remark_slot(state: Any) -> str | None:
        """The slot a remark gets now: the running block's name; None when not accepting."""
        if state.state != "running" or state.current is None:
            return None
        return str(state.current.name)

    @staticmethod
    def _release_due(
        conn: sqlite3.Connection, session_id: str, slot: str | None, batch: int
    ) -> int:
        """Release waiting remarks whose block has ended, and the current slot's once `batch` wait."""
        if slot is None:
            cur = conn.execute(
                "UPDATE remarks SET released = 1 WHERE session_id = ? AND released = 0",
                (session_id,),
            )
            return cur.rowcount
        released = conn.execute(
            "UPDATE remarks SET released = 1 WHERE session_id = ? AND released = 0 AND slot != ?",
            (session_id, slot),
        ).rowcount
        if batch > 0:
            waiting = conn.execute(
                "SELECT count(*) FROM remarks WHERE session_id = ? AND released = 0 AND slot = ?",
                (session_id, slot),
            ).fetchone()[0]
            if waiting >= batch:
                released += conn.execute(
                    "UPDATE remarks SET released = 1 WHERE session_id = ? AND released = 0 AND slot = ?",
                    (session_id, slot),
                ).rowcount
        return released

    @staticmethod
    def _shuffle_waiting(conn: sqlite3.Connection, session_id: str) -> None:
        rows = conn.execute(
            "SELECT slot, text, hidden FROM remarks WHERE session_id = ? AND released = 0",
            (session_id,),
        ).fetchall()
        if len(rows) < 2:
            return
        conn.execute("DELETE FROM remarks WHERE session_id = ? AND released = 0", (session_id,))
        secrets.SystemRandom().shuffle(rows)
        conn.executemany(
            "INSERT INTO remarks (id, session_id, slot, text, hidden) VALUES (?, ?, ?, ?, ?)",
            [(new_id(12), session_id, slot, text, hidden) for slot, text, hidden in rows],
        )

    @staticmethod
    def _rewrite_remarks(conn: sqlite3.Connection) -> None:
        """Write every remark again in a random order (inside a `_remark_write` transaction).

        All sessions' rows, not only one session's: deleting them all frees (and, with
        secure_delete, zeroes) every page of the table, and the shuffled inserts then build the
        B-tree afresh, so no row keeps a place it got from the time it arrived.
        """
        rows = conn.execute(
            "SELECT id, session_id, slot, text, hidden, released FROM remarks"
        ).fetchall()
        conn.execute("DELETE FROM remarks")
        secrets.SystemRandom().shuffle(rows)
        conn.executemany(
            "INSERT INTO remarks (id, session_id, slot, text, hidden, released) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )

    def write_remark_group(
        self,
        session_id: str,
        items: list[tuple[str, str]],
        *,
        now: datetime,
        batch_size: int | None = None,
    ) -> tuple[int, int]:
        """Store remarks the server held in memory, (slot, text) each, as one shuffled group.

        Releases what is due (a block that ended, a full batch), rewrites the table in a random
        order; the caller scrubs the WAL after (`scrub_remark_journal`). Returns (how many were
        released, how many of the session's current slot still wait in the database).
        """
        batch = self.remark_batch_size() if batch_size is None else batch_size
        rows = [(slot, clean(text).strip()) for slot, text in items]
        secrets.SystemRandom().shuffle(rows)
        with self._remark_write() as conn:
            slot_now = self._remark_slot(self._remark_clock(conn, session_id, now))
            conn.executemany(
                "INSERT INTO remarks (id, session_id, slot, text) VALUES (?, ?, ?, ?)",
                [(new_id(12), session_id, slot, body) for slot, body in rows if body],
            )
            released = self._release_due(conn, session_id, slot_now, batch)
            self._rewrite_remarks(conn)
            waiting = conn.execute(
                "SELECT count(*) FROM remarks WHERE session_id = ? AND released = 0 AND slot = ?",
                (session_id, slot_now or ""),
            ).fetchone()[0]
        return released, int(waiting)

    @contextmanager
    def _remark_write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction with secure_delete on, so rewritten rows leave no old bytes behind."""
        with self._lock:
            before = int(self.conn.execute("PRAGMA secure_delete").fetchone()[0])
            if before != 1:
                self.conn.execute("PRAGMA secure_delete=ON")
            # Foreign keys off (the session is checked by hand) so that `DELETE FROM remarks`
            # in _rewrite_remarks clears the table at once: every page freed and zeroed, the
            # root page too, where a row-by-row delete would leave old bytes in its free space.
            self.conn.execute("PRAGMA foreign_keys=OFF")
            try:
                with self.transaction() as conn:
                    yield conn
            finally:
                self.conn.execute("PRAGMA foreign_keys=ON")
                if before != 1:
                    self.conn.execute(f"PRAGMA secure_delete={before}")

    def post_remark(
        self,
        session_id: str,
        text: str,
        *,
        now: datetime,
        batch_size: int | None = None,
    ) -> tuple[str | None, int]:
        """Store a participant's remark if the session runs: (its slot or None, how many got released).

        Only the slot is kept, never the time; nothing about the sender reaches this method. After
        a release the WAL is scrubbed here. The web server does not post one by one: it holds
        the newest remarks and writes them in shuffled groups (`write_remark_group`).
        """
        ((slot, released),) = self.post_remarks(
            [(session_id, text)], now=now, batch_size=batch_size
        )
        if released:
            self.scrub_remark_journal()
        return slot, released

    def post_remarks(
        self,
        items: list[tuple[str, str]],
        *,
        now: datetime,
        batch_size: int | None = None,
    ) -> list[tuple[str | None, int]]:
        """Store several (session, remark) posts in one commit: (slot or None, released) each.

        Phones that post while a commit is under way share the next one (the web server groups
        them), so a busy break costs one fsync per group, not per remark. A session's released
        count is reported on its last remark, so a release is announced once.
        """
        bodies = [(sid, clean(text).strip()) for sid, text in items]
        if any(not body for _, body in bodies):
            raise StoreError("the remark is empty")
        batch = self.remark_batch_size() if batch_size is None else batch_size
        slots: dict[str, str | None] = {}
        results: list[tuple[str | None, int]] = []
        last: dict[str, int] = {}
        with self._remark_write() as conn:
            for i, (sid, body) in enumerate(bodies):
                if sid not in slots:
                    slots[sid] = self._remark_slot(self._remark_clock(conn, sid, now))
                slot = slots[sid]
                results.append((slot, 0))
                if slot is None:
                    continue
                conn.execute(
                    "INSERT INTO remarks (id, session_id, slot, text) VALUES (?, ?, ?, ?)",
                    (new_id(12), sid, slot, body),
                )
                last[sid] = i
            any_released = False
            for sid, i in last.items():
                self._shuffle_waiting(conn, sid)
                released = self._release_due(conn, sid, slots[sid], batch)
                results[i] = (slots[sid], released)
                any_released = any_released or released > 0
            if any_released:
                self._rewrite_remarks(conn)
        return results

    def remark_slot_now(self, session_id: str, *, now: datetime) -> str | None:
        """The slot a remark posted now would get; None while the session does not run."""
        with self._lock:
            return self._remark_slot(self._remark_clock(self.conn, session_id, now))

    def release_due_remarks(
        self, session_id: str, *, now: datetime, batch_size: int | None = None
    ) -> int:
        """Release what is due by the clock (a block that ended, a full batch); returns how many."""
        batch = self.remark_batch_size() if batch_size is None else batch_size
        with self._remark_write() as conn:
            slot = self._remark_slot(self._remark_clock(conn, session_id, now))
            released = self._release_due(conn, session_id, slot, batch)
            if released:
                self._rewrite_remarks(conn)
        if released:
            self.scrub_remark_journal()
        return released

    def release_remarks(self, session_id: str) -> int:
        """Release every waiting remark of a session now (the facilitator asked); returns how many."""
        with self._remark_write() as conn:
            released = conn.execute(
                "UPDATE remarks SET released = 1 WHERE session_id = ? AND released = 0",
                (session_id,),
            ).rowcount
            if released:
                self._rewrite_remarks(conn)
        if released:
            self.scrub_remark_journal()
        return released

    def sessions_with_waiting_remarks(self) -> list[str]:
        return [
            r["session_id"]
            for r in self.query(
                "SELECT DISTINCT session_id FROM remarks WHERE released = 0 ORDER BY session_id"
            )
        ]

    def remark_counts(self, session_id: str) -> dict[str, int]:
        """waiting (not yet shown), shown (released, not hidden) and hidden remarks of a session."""
        row = self.query(
            "SELECT coalesce(sum(released = 0), 0) AS waiting, "
            "coalesce(sum(released = 1 AND hidden = 0), 0) AS shown, "
            "coalesce(sum(released = 1 AND hidden = 1), 0) AS hidden "
            "FROM remarks WHERE session_id = ?",
            (session_id,),
        )[0]
        return {k: int(v) for k, v in row.items()}

    def set_remark_hidden(self, session_id: str, remark_id: str, hidden: bool) -> bool:
        """Hide a remark (abusive, or it identifies someone) or show it again; it is never erased."""
        with self._remark_write() as conn:  # the row is rewritten: zero its old bytes
            cur = conn.execute(
                "UPDATE remarks SET hidden = ? WHERE id = ? AND session_id = ?",
                (1 if hidden else 0, remark_id, session_id),
            )
            if cur.rowcount == 0:
                raise NotFound(f"no remark {remark_id!r} in session {session_id!r}")
        return True

    def scrub_remark_journal(self) -> bool:
        """Checkpoint and truncate the WAL, so it keeps no trace of the order remarks came in.

        Best effort: with a reader of another process in the way it gives up after a moment
        (False) and the next release tries again.
        """
        with self._lock:
            self.conn.execute("PRAGMA busy_timeout=250")
            try:
                busy = self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
            except sqlite3.OperationalError:
                busy = 1
            finally:
                self.conn.execute("PRAGMA busy_timeout=10000")
        return not busy

    # -- capture: search, drafts and other capture additions go below this line --

    def _entry_where(
        self,
        session_id: str | None,
        *,
        search: str = "",
        kind: str | None = None,
        tag: str | None = None,
        phase: int | None = None,
        include_deleted: bool = False,
    ) -> tuple[str, list[Any]]:
        """WHERE for entries: scope, kind, tag, phase (0: outside the four phases), typed text."""
        where: list[str] = ["1"]
        params: list[Any] = []
        if session_id is not None:
            where.append("e.session_id = ?")
            params.append(session_id)
        if kind:
            where.append("e.kind = ?")
            params.append(kind)
        if tag:
            where.append("e.id IN (SELECT entry_id FROM entry_tags WHERE tag = ?)")
            params.append(normalise_tag(tag))
        if phase is not None:
            # A block's phase lives in the session's frozen programme; extra breaks have none.
            pairs = (
                "SELECT s.id, json_extract(b.value, '$.key') FROM sessions s, "
                "json_each(s.programme, '$.blocks') b WHERE json_extract(b.value, '$.phase')"
            )
            if phase == 0:
                where.append(
                    "(e.block_key IS NULL OR "
                    f"(e.session_id, e.block_key) NOT IN ({pairs} IS NOT NULL))"
                )
            else:
                where.append(f"(e.session_id, e.block_key) IN ({pairs} = ?)")
                params.append(int(phase))
        if search.strip():
            clauses = []
            match = fts_query(search)
            if match is not None:
                clauses.append(
                    "e.rowid IN (SELECT rowid FROM entries_fts WHERE entries_fts MATCH ?)"
                )
                params.append(match)
            else:
                # Only punctuation or emoji typed: FTS5 has no words to look for, so match the text.
                clauses.append(
                    "instr(e.text || char(10) || e.title || char(10) || e.speaker || char(10) "
                    "|| e.source, ?) > 0"
                )
                params.append(clean(search).strip())
            as_tag = normalise_tag(search)
            if as_tag:
                clauses.append("e.id IN (SELECT entry_id FROM entry_tags WHERE tag = ?)")
                params.append(as_tag)
            where.append("(" + " OR ".join(clauses) + ")")
        if not include_deleted:
            where.append("e.deleted_at IS NULL")
        return " AND ".join(where), params

    def find_entries(
        self,
        session_id: str | None = None,
        *,
        search: str = "",
        kind: str | None = None,
        tag: str | None = None,
        phase: int | None = None,
        include_deleted: bool = False,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Entry]:
        """The log: entries of one session (or all), newest first, filtered and searched.

        `search` is typed text, searched with FTS5 in text, title, speaker and source (every
        word must match, the last one as a prefix) or as an exact tag; never parsed as a query.
        """
        where, params = self._entry_where(
            session_id,
            search=search,
            kind=kind,
            tag=tag,
            phase=phase,
            include_deleted=include_deleted,
        )
        sql = where + " ORDER BY e.created_at DESC, e.rowid DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)} OFFSET {int(offset)}"
        return self._entries(sql, params)

    def count_entries(
        self,
        session_id: str | None = None,
        *,
        search: str = "",
        kind: str | None = None,
        tag: str | None = None,
        phase: int | None = None,
        include_deleted: bool = False,
    ) -> int:
        """How many entries `find_entries` would return without a limit."""
        where, params = self._entry_where(
            session_id,
            search=search,
            kind=kind,
            tag=tag,
            phase=phase,
            include_deleted=include_deleted,
        )
        return int(self.query(f"SELECT count(*) AS n FROM entries e WHERE {where}", params)[0]["n"])

    def entries_signature(self, session_id: str | None = None) -> tuple[int, ...]:
        """Changes when an entry in scope is added, edited, deleted or restored; cheap to poll."""
        where, params = ("", []) if session_id is None else ("WHERE session_id = ?", [session_id])
        row = self.query(
            "SELECT count(*) AS n, coalesce(max(rowid), 0) AS last, "
            "coalesce(sum(revision), 0) AS revs, "
            "count(deleted_at) AS gone, "
            "coalesce(sum(CASE WHEN deleted_at IS NULL THEN 0 ELSE rowid END), 0) AS gone_ids "
            f"FROM entries {where}",
            params,
        )[0]
        return (row["n"], row["last"], row["revs"], row["gone"], row["gone_ids"])

    def speakers(self, limit: int = 50) -> list[str]:
        """Neutral speaker labels already used on quotes (any session), most recent first."""
        rows = self.query(
            "SELECT speaker, max(created_at) AS last FROM entries "
            "WHERE kind = 'quote' AND speaker != '' AND deleted_at IS NULL "
            "GROUP BY speaker ORDER BY last DESC LIMIT ?",
            (int(limit),),
        )
        return [r["speaker"] for r in rows]

    def save_draft(
        self,
        draft_id: str,
        session_id: str,
        kind: str,
        data: dict[str, Any],
        *,
        author: str = "",
        entry_id: str | None = None,
        now: datetime,
    ) -> str:
        """Keep what is typed in a form (committed), so a crash loses at most the last moment."""
        if kind not in KINDS:
            raise StoreError(f"unknown entry kind {kind!r}")
        with self._without_fsync(), self.transaction() as conn:
            conn.execute(
                "INSERT INTO drafts (id, session_id, author, kind, entry_id, data, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET author = excluded.author, "
                "kind = excluded.kind, entry_id = excluded.entry_id, data = excluded.data, "
                "updated_at = excluded.updated_at",
                (
                    draft_id,
                    session_id,
                    clean(author).strip(),
                    kind,
                    entry_id,
                    json.dumps(data, ensure_ascii=False),
                    iso(now),
                ),
            )
        return draft_id

    def drafts(self, session_id: str | None = None) -> list[dict[str, Any]]:
        """Drafts (of one session), oldest first; `data` decoded ({} if it cannot be read)."""
        where, params = ("", []) if session_id is None else ("WHERE session_id = ?", [session_id])
        rows = self.query(f"SELECT * FROM drafts {where} ORDER BY updated_at, id", params)
        for row in rows:
            try:
                data = json.loads(row["data"])
            except (TypeError, ValueError):
                data = {}
            row["data"] = data if isinstance(data, dict) else {}
        return rows

    def discard_draft(self, draft_id: str) -> None:
        with self.transaction() as conn:
            conn.execute("DELETE FROM drafts WHERE id = ?", (draft_id,))

    def block_names(self) -> dict[str, tuple[str, dict[str, str]]]:
        """Per session: its place and the names of its blocks by key, extra breaks included."""
        out: dict[str, tuple[str, dict[str, str]]] = {}
        for row in self.query("SELECT id, place, programme FROM sessions"):
            blocks = json.loads(row["programme"]).get("blocks") or []
            out[row["id"]] = (row["place"], {str(b["key"]): str(b["name"]) for b in blocks})
        for row in self.query(
            "SELECT session_id, data FROM clock_events WHERE kind = 'extra_break'"
        ):
            data = json.loads(row["data"])
            if row["session_id"] in out and data.get("key"):
                out[row["session_id"]][1][str(data["key"])] = str(data.get("name") or data["key"])
        return out

    def entries_by_id(self, ids: list[str]) -> list[Entry]:
        """The entries with these ids that exist (deleted ones too), in the order asked."""
        if not ids:
            return []
        found = {
            e.id: e for e in self._entries(f"e.id IN ({', '.join('?' * len(ids))})", list(ids))
        }
        return [found[i] for i in ids if i in found]

    # -- export: import, participants and other export additions go below this line --

    def entry_history(self, session_id: str) -> dict[str, list[dict[str, Any]]]:
        """Earlier versions of every entry of a session (as `revisions` gives them), by entry id."""
        rows = self.query(
            "SELECT r.entry_id, r.revision, r.saved_at, r.data FROM entry_revisions r "
            "JOIN entries e ON e.id = r.entry_id WHERE e.session_id = ? "
            "ORDER BY r.entry_id, r.revision",
            (session_id,),
        )
        out: dict[str, list[dict[str, Any]]] = {}
        for r in rows:
            out.setdefault(r["entry_id"], []).append(
                {"revision": r["revision"], "saved_at": r["saved_at"], **json.loads(r["data"])}
            )
        return out

    def get_participants(self, session_id: str) -> dict[str, dict[str, int]]:
        """The session's anonymous profile: counts per characteristic and category ({} if none)."""
        from facilitator.core.participants import normalise

        raw: dict[str, dict[str, int]] = {}
        for r in self.query(
            "SELECT characteristic, category, count FROM participants WHERE session_id = ?",
            (session_id,),
        ):
            raw.setdefault(r["characteristic"], {})[r["category"]] = r["count"]
        return normalise(raw)

    def set_participants(
        self, session_id: str, profile: dict[str, dict[str, int]]
    ) -> dict[str, dict[str, int]]:
        """Replace the session's anonymous profile (counts only, nothing per person) in one commit."""
        from facilitator.core.participants import ProfileError, normalise

        try:
            checked = normalise(profile)
        except ProfileError as exc:
            raise StoreError(str(exc)) from None
        with self.transaction() as conn:
            if not conn.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone():
                raise NotFound(f"no session {session_id!r} in this database")
            self._write_participants(conn, session_id, checked)
        return checked

    @staticmethod
    def _write_participants(
        conn: sqlite3.Connection, session_id: str, profile: dict[str, dict[str, int]]
    ) -> None:
        conn.execute("DELETE FROM participants WHERE session_id = ?", (session_id,))
        conn.executemany(
            "INSERT INTO participants (session_id, characteristic, category, count) VALUES (?, ?, ?, ?)",
            [
                (session_id, char, cat, n)
                for char, counts in profile.items()
                for cat, n in counts.items()
            ],
        )

    def import_session(self, data: Any) -> str:
        """Restore an exported session (a `core.report.SessionData`) with its ids and timestamps,
        clock events, entries with their earlier versions, tags and links, remarks and profile,
        in one commit. A session or entry id already in this database is refused."""
        from facilitator.core.participants import ProfileError, normalise

        info = data.session
        try:
            parse_date(info.date)
            profile = normalise(data.participants)
        except (ValueError, ProfileError) as exc:
            raise StoreError(f"session {info.id!r}: {exc}") from None
        if not info.programme.blocks:
            raise StoreError(f"session {info.id!r} has no blocks")
        place = clean(info.place).strip()
        if not place:
            raise StoreError(f"session {info.id!r}: the place is empty")
        try:
            tz_name = self._check_timezone(info.timezone)
        except StoreError as exc:
            raise StoreError(f"session {info.id!r}: timezone: {exc}") from None
        checked = []
        for i, e in enumerate(data.entries):
            try:
                checked.append((i, e, self._check_fields(e.kind, e.fields())))
            except FieldError as exc:
                raise StoreError(f"entries[{i}].{exc.field}: {exc}") from None
        last = max((ev.at for ev in data.clock_events), default=parse_iso(info.created_at))
        state = compute(info.programme.blocks, data.clock_events, last).state
        with self.transaction() as conn:
            if conn.execute("SELECT 1 FROM sessions WHERE id = ?", (info.id,)).fetchone():
                raise StoreError(
                    f"session {info.id!r} is already in this database; import it into another --db"
                )
            conn.execute(
                "INSERT INTO sessions (id, programme_id, programme, place, date, facilitators, "
                "expected_participants, state, created_at, remark_token) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    info.id,
                    info.programme.id,
                    json.dumps(info.programme.to_dict(), ensure_ascii=False),
                    place,
                    info.date,
                    json.dumps(
                        [clean(n).strip() for n in info.facilitators if clean(n).strip()],
                        ensure_ascii=False,
                    ),
                    info.expected_participants,
                    state,
                    info.created_at,
                    secrets.token_urlsafe(18),  # a new participants' URL: the old one stays secret
                ),
            )
            conn.execute("UPDATE sessions SET timezone = ? WHERE id = ?", (tz_name, info.id))
            conn.executemany(
                "INSERT INTO clock_events (session_id, at, kind, data) VALUES (?, ?, ?, ?)",
                [
                    (
                        info.id,
                        iso(ev.at),
                        ev.kind,
                        json.dumps(ev.data, ensure_ascii=False, sort_keys=True),
                    )
                    for ev in data.clock_events
                ],
            )
            for i, e, values in checked:
                if conn.execute("SELECT 1 FROM entries WHERE id = ?", (e.id,)).fetchone():
                    raise StoreError(
                        f"entries[{i}].id: entry {e.id!r} is already in this database "
                        "(in another session)"
                    )
                self._insert_entry(
                    conn,
                    {
                        "id": e.id,
                        "session_id": info.id,
                        "kind": e.kind,
                        "block_key": e.block_key,
                        "created_at": e.created_at,
                        "updated_at": e.updated_at,
                        "author": clean(e.author).strip(),
                        "revision": e.revision,
                    },
                    values,
                )
                self._write_tags_links(conn, e.id, e.tags, e.links)
                for version in data.history.get(e.id, []):
                    rest = {k: v for k, v in version.items() if k not in ("revision", "saved_at")}
                    conn.execute(
                        "INSERT INTO entry_revisions (entry_id, revision, saved_at, data) "
                        "VALUES (?, ?, ?, ?)",
                        (
                            e.id,
                            version["revision"],
                            version["saved_at"],
                            json.dumps(rest, ensure_ascii=False),
                        ),
                    )
            conn.executemany(
                "INSERT INTO remarks (id, session_id, slot, text, hidden, released) "
                "VALUES (?, ?, ?, ?, ?, 1)",
                [
                    (new_id(12), info.id, clean(r.slot), clean(r.text), int(r.hidden))
                    for r in data.remarks
                ],
            )
            self._write_participants(conn, info.id, profile)
        return info.id


def _a(kind: str) -> str:
    """ "a quote", "an emblem"."""
    return ("an " if kind[:1] in "aeiou" else "a ") + kind.replace("_", " ")


def _check_expected(n: int | None) -> None:
    """An expected number of participants is a count: 0 or more, and not absurdly many."""
    from facilitator.core.participants import MAX_COUNT

    if n is not None and n < 0:
        raise StoreError("the expected number of participants cannot be negative")
    if n is not None and n > MAX_COUNT:
        raise StoreError(f"the expected number of participants is at most {MAX_COUNT}, not {n}")


def _split_sql(script: str) -> list[str]:
    """Statements of a migration script; `@@` stands for a semicolon inside a trigger body."""
    statements = []
    for chunk in script.split(";"):
        lines = [ln for ln in chunk.splitlines() if not ln.strip().startswith("--")]
        stmt = "\n".join(lines).strip().replace("@@", ";")
        if stmt:
            statements.append(stmt)
    return statements
