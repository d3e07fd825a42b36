"""Sessions: a place, a date and a frozen copy of the programme; the participants' URL token."""

from __future__ import annotations

import json
import secrets
from datetime import datetime
from typing import Any

from facilitator.core.programme import Programme
from facilitator.core.session import SessionInfo
from facilitator.core.text import clean, one_line
from facilitator.core.timeutil import iso, parse_date
from facilitator.store.db import Database, slug
from facilitator.store.errors import NotFound, StoreError


class Sessions:
    """The sessions table: `store.sessions.create(...)`, `.get(id)`, `.list()`."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def create(
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
        tz_name = check_timezone(timezone)
        if not programme.valid:
            raise StoreError(f"programme {programme.id} has errors and cannot be used")
        place = one_line(place)  # a place is one line: it heads lists, titles and file names
        if not place:
            raise StoreError("the place is empty")
        parse_date(date)
        check_expected(expected_participants)
        frozen = json.dumps(programme.to_dict(), ensure_ascii=False)
        names = [clean(n).strip() for n in facilitators or [] if clean(n).strip()]
        with self.db.transaction() as conn:
            if session_id is None:
                base = f"{slug(place)}-{date}"
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

    def get(self, session_id: str) -> SessionInfo:
        rows = self.db.query("SELECT * FROM sessions WHERE id = ?", (session_id,))
        if not rows:
            raise NotFound(f"no session {session_id!r} in this database")
        return session_from_row(rows[0])

    def by_token(self, token: str) -> SessionInfo | None:
        rows = self.db.query("SELECT * FROM sessions WHERE remark_token = ?", (token,))
        return session_from_row(rows[0]) if rows else None

    def update(
        self,
        session_id: str,
        *,
        facilitators: list[str] | None = None,
        expected_participants: int | None = None,
    ) -> None:
        check_expected(expected_participants)
        with self.db.transaction() as conn:
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

    def places(self) -> dict[str, tuple[str, str]]:
        """Per session: its place and its date (ISO), for lists that name a session briefly."""
        rows = self.db.query("SELECT id, place, date FROM sessions")
        return {r["id"]: (r["place"], r["date"]) for r in rows}

    def block_names(self) -> dict[str, tuple[str, dict[str, str]]]:
        """Per session: its place and the names of its blocks by key, extra breaks included."""
        out: dict[str, tuple[str, dict[str, str]]] = {}
        for row in self.db.query("SELECT id, place, programme FROM sessions"):
            blocks = json.loads(row["programme"]).get("blocks") or []
            out[row["id"]] = (row["place"], {str(b["key"]): str(b["name"]) for b in blocks})
        for row in self.db.query(
            "SELECT session_id, data FROM clock_events WHERE kind = 'extra_break'"
        ):
            data = json.loads(row["data"])
            if row["session_id"] in out and data.get("key"):
                out[row["session_id"]][1][str(data["key"])] = str(data.get("name") or data["key"])
        return out

    # Last in the class: a method named `list` defined earlier would shadow the built-in
    # in the annotations that follow it (for mypy).
    def list(self) -> list[SessionInfo]:
        """All sessions, newest first."""
        rows = self.db.query("SELECT * FROM sessions ORDER BY created_at DESC, id")
        return [session_from_row(r) for r in rows]


def session_from_row(row: dict[str, Any]) -> SessionInfo:
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


def check_timezone(name: str | None) -> str:
    """A session's time zone as stored: a known IANA name (default Europe/Amsterdam)."""
    from facilitator.core.timeutil import DEFAULT_ZONE, check_zone

    try:
        return check_zone(clean(name or DEFAULT_ZONE)) or DEFAULT_ZONE
    except ValueError as exc:
        raise StoreError(str(exc)) from None


def check_expected(n: int | None) -> None:
    """An expected number of participants is a count: 0 or more, and not absurdly many."""
    from facilitator.core.participants import MAX_COUNT

    if n is not None and n < 0:
        raise StoreError("the expected number of participants cannot be negative")
    if n is not None and n > MAX_COUNT:
        raise StoreError(f"the expected number of participants is at most {MAX_COUNT}, not {n}")
