"""The one door to SQLite, one module per aggregate over one shared connection.

    store = Store.open(path)
    sid = store.sessions.create(programme, "Utrecht", "2026-03-01", now=now)
    store.clock.add(sid, "start", now)
    store.entries.add(sid, "quote", {"text": "..."}, now=now)

`Store` is the connection (`db.py`: open, transactions, the database thread, backups) with one
small repository per aggregate as attributes: `sessions`, `clock`, `entries`, `remarks`,
`drafts`, `participants`, `settings`, `transfer` (a whole session: `load`, `import_session`),
`sync` (syncing's tables: change log, pairing codes, laptops, the host's link).
The schema and its migrations live in `schema.py`.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from facilitator.store.clock import Clock
from facilitator.store.db import Database, new_id
from facilitator.store.drafts import Drafts
from facilitator.store.entries import Entries
from facilitator.store.errors import FieldError, NotFound, StaleEdit, StoreError
from facilitator.store.participants import Participants
from facilitator.store.remarks import Remarks
from facilitator.store.schema import SCHEMA_VERSION
from facilitator.store.sessions import SessionInfo, Sessions
from facilitator.store.settings import Settings
from facilitator.store.sync import Sync
from facilitator.store.transfer import Transfer

__all__ = [
    "SCHEMA_VERSION",
    "FieldError",
    "NotFound",
    "SessionInfo",
    "StaleEdit",
    "Store",
    "StoreError",
    "new_id",
]


class Store(Database):
    """A facilitator database: open with `Store.open(path)` (or `open_read_only`), close when
    done; reach each aggregate through its repository (`store.entries.add(...)`)."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        super().__init__(conn, path)
        self.sessions = Sessions(self)
        self.clock = Clock(self)
        self.entries = Entries(self)
        self.settings = Settings(self)
        self.remarks = Remarks(self, self.settings)
        self.drafts = Drafts(self)
        self.participants = Participants(self)
        self.transfer = Transfer(
            self, self.sessions, self.clock, self.entries, self.remarks, self.participants
        )
        self.sync = Sync(self)

    @classmethod
    def open_throwaway(cls, path: Path) -> Store:
        """A new database that is deleted after use (the demo's): commits skip the fsync.

        `open` switches a new file to WAL before it turns syncing off, and that switch syncs
        the new file: 15-25 ms of the demo's first paint on a busy disk. Made here in WAL mode
        with syncing off first, `open` finds it so. (A problem is left to `open` to say.)
        """
        try:
            conn = sqlite3.connect(str(path), isolation_level=None)
            try:
                conn.execute("PRAGMA synchronous=OFF")
                conn.execute("PRAGMA journal_mode=WAL")
            finally:
                conn.close()
        except sqlite3.Error:
            pass
        return cls.open(path, durable=False)
