"""The clock as an event log: a session's facilitator actions, appended, never edited."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any

from facilitator.core.clock import ClockEvent, check_event, compute, refusal
from facilitator.core.programme import Programme
from facilitator.core.timeutil import iso, parse_iso
from facilitator.store.db import Database
from facilitator.store.errors import NotFound, StoreError


class Clock:
    """The clock_events table: `store.clock.events(session_id)`, `store.clock.add(...)`."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def events(self, session_id: str, after: int = 0) -> list[ClockEvent]:
        rows = self.db.query(
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

    def add(
        self, session_id: str, kind: str, at: datetime, data: dict[str, Any] | None = None
    ) -> ClockEvent:
        """Append one facilitator action and keep the session's state in step, in one commit."""
        problem = check_event(kind, data or {})
        if problem is not None:
            raise StoreError(problem)
        payload = json.dumps(data or {}, ensure_ascii=False, sort_keys=True)
        with self.db.transaction() as conn:
            row = conn.execute(
                "SELECT programme FROM sessions WHERE id = ?", (session_id,)
            ).fetchone()
            if row is None:
                raise NotFound(f"no session {session_id!r} in this database")
            events = read_events(conn, session_id)
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


def read_events(conn: sqlite3.Connection, session_id: str) -> list[ClockEvent]:
    """A session's events in order, read on `conn` (inside a caller's transaction)."""
    return [
        ClockEvent(seq=s, at=parse_iso(a), kind=k, data=json.loads(d))
        for s, a, k, d in conn.execute(
            "SELECT seq, at, kind, data FROM clock_events WHERE session_id = ? ORDER BY seq",
            (session_id,),
        )
    ]
