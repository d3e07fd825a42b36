"""Anonymous remarks from participants' phones, and how they are kept so that nothing tells who
wrote what or in which order they came in (see "Anonymity on disk" below).

A remark row holds a random id, the slot (the name of the block running when it came in), its
text and two flags; never a time, an address or anything about the sender.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from facilitator.core.clock import ClockState, compute
from facilitator.core.programme import Block, Programme
from facilitator.core.text import clean
from facilitator.store.clock import read_events
from facilitator.store.db import Database, new_id
from facilitator.store.errors import NotFound, StoreError
from facilitator.store.settings import Settings


class Remarks:
    """The remarks table: the remark server's writes, the facilitator's batches and hiding."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self._blocks: dict[str, list[Block]] = {}  # a frozen programme's blocks, by its JSON

    def add(self, session_id: str, slot: str, text: str) -> str:
        """Store one remark with its slot only: a random id, no time, nothing about the sender."""
        remark_id = new_id(12)
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO remarks (id, session_id, slot, text) VALUES (?, ?, ?, ?)",
                (remark_id, session_id, slot, clean(text)),
            )
        return remark_id

    # Anonymity on disk: a remark row holds a random id, its slot and its text, nothing else.
    # Where a row's bytes sit in the file would still tell when it came in (SQLite fills a page
    # from its end towards its start, and appends new pages), so:
    # - the remark server keeps the latest remarks in memory (fewer than three per session) and
    #   writes them as one shuffled group (`write_group`), not one commit per post;
    # - every write that adds remarks or releases a batch rewrites the whole remarks table in a
    #   random order (`_rewrite_remarks`) with secure_delete on, so the placement of every row
    #   (which page, where in the page, overflow pages) follows a fresh shuffle and the random
    #   ids, never arrival, and the old bytes are zeroed rather than left in free space;
    # - after each such write the WAL (whose frames would show the states in between) is
    #   checkpointed and truncated (`scrub_journal`), so backups, which copy the pages,
    #   inherit the same random placement.
    # The direct path (`post`, used by tests and tools) writes every remark at once and
    # reshuffles the waiting ones at each arrival instead.

    BATCH_SETTING = "remarks.batch_size"
    DEFAULT_BATCH = 3

    def batch_size(self) -> int:
        """How many remarks wait before they show together (0: only when their block ends)."""
        value = self.settings.get(self.BATCH_SETTING)
        try:
            return max(0, int(value)) if value is not None else self.DEFAULT_BATCH
        except ValueError:
            return self.DEFAULT_BATCH

    def set_batch_size(self, size: int) -> int:
        if size < 0:
            raise StoreError("the batch size cannot be negative")
        self.settings.set(self.BATCH_SETTING, str(int(size)))
        return int(size)

    def tokens(self) -> list[tuple[str, str]]:
        """(session id, remark token) of every session, for the remark server's URL lookup."""
        return [
            (r["id"], r["remark_token"])
            for r in self.db.query("SELECT id, remark_token FROM sessions")
        ]

    def tokens_stamp(self) -> tuple[int, int]:
        """Changes when a session is added or removed, so the server knows when to reload tokens."""
        row = self.db.conn.execute(
            "SELECT count(*), coalesce(max(rowid), 0) FROM sessions"
        ).fetchone()
        return int(row[0]), int(row[1])

    def _clock_now(self, conn: sqlite3.Connection, session_id: str, now: datetime) -> ClockState:
        row = conn.execute("SELECT programme FROM sessions WHERE id = ?", (session_id,)).fetchone()
        if row is None:
            raise NotFound(f"no session {session_id!r} in this database")
        blocks = self._blocks.get(row[0])
        if blocks is None:
            blocks = Programme.from_dict(json.loads(row[0])).blocks
            self._blocks[row[0]] = blocks
        return compute(blocks, read_events(conn, session_id), now)

    @staticmethod
    def _slot(state: Any) -> str | None:
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
        """Write every remark again in a random order (inside a `_write` transaction).

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

    def write_group(
        self,
        session_id: str,
        items: list[tuple[str, str]],
        *,
        now: datetime,
        batch_size: int | None = None,
    ) -> tuple[int, int]:
        """Store remarks the server held in memory, (slot, text) each, as one shuffled group.

        Releases what is due (a block that ended, a full batch), rewrites the table in a random
        order; the caller scrubs the WAL after (`scrub_journal`). Returns (how many were
        released, how many of the session's current slot still wait in the database).
        """
        batch = self.batch_size() if batch_size is None else batch_size
        rows = [(slot, clean(text).strip()) for slot, text in items]
        secrets.SystemRandom().shuffle(rows)
        with self._write() as conn:
            slot_now = self._slot(self._clock_now(conn, session_id, now))
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
    def _write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction with secure_delete on, so rewritten rows leave no old bytes behind."""
        with self.db.lock:
            before = int(self.db.conn.execute("PRAGMA secure_delete").fetchone()[0])
            if before != 1:
                self.db.conn.execute("PRAGMA secure_delete=ON")
            # Foreign keys off (the session is checked by hand) so that `DELETE FROM remarks`
            # in _rewrite_remarks clears the table at once: every page freed and zeroed, the
            # root page too, where a row-by-row delete would leave old bytes in its free space.
            self.db.conn.execute("PRAGMA foreign_keys=OFF")
            try:
                with self.db.transaction() as conn:
                    yield conn
            finally:
                self.db.conn.execute("PRAGMA foreign_keys=ON")
                if before != 1:
                    self.db.conn.execute(f"PRAGMA secure_delete={before}")

    def post(
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
        the newest remarks and writes them in shuffled groups (`write_group`).
        """
        ((slot, released),) = self.post_many([(session_id, text)], now=now, batch_size=batch_size)
        if released:
            self.scrub_journal()
        return slot, released

    def post_many(
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
        batch = self.batch_size() if batch_size is None else batch_size
        slots: dict[str, str | None] = {}
        results: list[tuple[str | None, int]] = []
        last: dict[str, int] = {}
        with self._write() as conn:
            for i, (sid, body) in enumerate(bodies):
                if sid not in slots:
                    slots[sid] = self._slot(self._clock_now(conn, sid, now))
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

    def slot_now(self, session_id: str, *, now: datetime) -> str | None:
        """The slot a remark posted now would get; None while the session does not run."""
        with self.db.lock:
            return self._slot(self._clock_now(self.db.conn, session_id, now))

    def release_due(self, session_id: str, *, now: datetime, batch_size: int | None = None) -> int:
        """Release what is due by the clock (a block that ended, a full batch); returns how many."""
        batch = self.batch_size() if batch_size is None else batch_size
        with self._write() as conn:
            slot = self._slot(self._clock_now(conn, session_id, now))
            released = self._release_due(conn, session_id, slot, batch)
            if released:
                self._rewrite_remarks(conn)
        if released:
            self.scrub_journal()
        return released

    def release(self, session_id: str) -> int:
        """Release every waiting remark of a session now (the facilitator asked); returns how many."""
        with self._write() as conn:
            released = conn.execute(
                "UPDATE remarks SET released = 1 WHERE session_id = ? AND released = 0",
                (session_id,),
            ).rowcount
            if released:
                self._rewrite_remarks(conn)
        if released:
            self.scrub_journal()
        return released

    def sessions_waiting(self) -> list[str]:
        return [
            r["session_id"]
            for r in self.db.query(
                "SELECT DISTINCT session_id FROM remarks WHERE released = 0 ORDER BY session_id"
            )
        ]

    def counts(self, session_id: str) -> dict[str, int]:
        """waiting (not yet shown), shown (released, not hidden) and hidden remarks of a session."""
        row = self.db.query(
            "SELECT coalesce(sum(released = 0), 0) AS waiting, "
            "coalesce(sum(released = 1 AND hidden = 0), 0) AS shown, "
            "coalesce(sum(released = 1 AND hidden = 1), 0) AS hidden "
            "FROM remarks WHERE session_id = ?",
            (session_id,),
        )[0]
        return {k: int(v) for k, v in row.items()}

    def set_hidden(self, session_id: str, remark_id: str, hidden: bool) -> bool:
        """Hide a remark (abusive, or it identifies someone) or show it again; it is never erased."""
        with self._write() as conn:  # the row is rewritten: zero its old bytes
            cur = conn.execute(
                "UPDATE remarks SET hidden = ? WHERE id = ? AND session_id = ?",
                (1 if hidden else 0, remark_id, session_id),
            )
            if cur.rowcount == 0:
                raise NotFound(f"no remark {remark_id!r} in session {session_id!r}")
        return True

    def scrub_journal(self) -> bool:
        """Checkpoint and truncate the WAL, so it keeps no trace of the order remarks came in.

        Best effort: with a reader of another process in the way it gives up after a moment
        (False) and the next release tries again.
        """
        with self.db.lock:
            self.db.conn.execute("PRAGMA busy_timeout=250")
            try:
                busy = self.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
            except sqlite3.OperationalError:
                busy = 1
            finally:
                self.db.conn.execute("PRAGMA busy_timeout=10000")
        return not busy

    def form_secret(self) -> bytes:
        """The key that signs the participants' form field: made once, then shared by every remark
        server on this database, so a restart does not turn away pages already open."""
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO settings(key, value) VALUES ('form_secret', ?)",
                (secrets.token_hex(32),),
            )
            value = conn.execute("SELECT value FROM settings WHERE key = 'form_secret'").fetchone()
        return bytes.fromhex(value[0])

    # Last in the class: a method named `list` defined earlier would shadow the built-in
    # in the annotations that follow it (for mypy).
    def list(
        self, session_id: str, *, include_hidden: bool = True, released_only: bool = False
    ) -> list[dict[str, Any]]:
        """Remarks of a session, by slot then by random id: an order unrelated to arrival."""
        where = "session_id = ?"
        if not include_hidden:
            where += " AND hidden = 0"
        if released_only:
            where += " AND released = 1"
        return self.db.query(
            f"SELECT id, slot, text, hidden, released FROM remarks WHERE {where} ORDER BY slot, id",
            (session_id,),
        )
