"""The schema in one place: its version, the migrations that build it, and the step that runs them.

A schema change appends one migration to `MIGRATIONS` and bumps `SCHEMA_VERSION`; a migration that
has shipped is never edited (databases out there were built by it).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager

SCHEMA_VERSION = 3

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


def migrate(
    version: int, transaction: Callable[[], AbstractContextManager[sqlite3.Connection]]
) -> None:
    """Bring a database at `version` up to SCHEMA_VERSION, one migration per transaction."""
    for number in range(version + 1, SCHEMA_VERSION + 1):
        with transaction() as conn:
            # Another process may have migrated while we waited for the write lock.
            if conn.execute("PRAGMA user_version").fetchone()[0] >= number:
                continue
            for statement in _split_sql(MIGRATIONS[number - 1]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version={number}")


def _split_sql(script: str) -> list[str]:
    """Statements of a migration script; `@@` stands for a semicolon inside a trigger body."""
    statements = []
    for chunk in script.split(";"):
        lines = [ln for ln in chunk.splitlines() if not ln.strip().startswith("--")]
        stmt = "\n".join(lines).strip().replace("@@", ";")
        if stmt:
            statements.append(stmt)
    return statements
