"""The session's anonymous participant profile: counts per characteristic and category, nothing
per person."""

from __future__ import annotations

import sqlite3

from facilitator.store.db import Database
from facilitator.store.errors import NotFound, StoreError


class Participants:
    """The participants table: `store.participants.get(session_id)`, `.set(session_id, profile)`."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, session_id: str) -> dict[str, dict[str, int]]:
        """The session's anonymous profile: counts per characteristic and category ({} if none)."""
        from facilitator.core.participants import normalise

        raw: dict[str, dict[str, int]] = {}
        for r in self.db.query(
            "SELECT characteristic, category, count FROM participants WHERE session_id = ?",
            (session_id,),
        ):
            raw.setdefault(r["characteristic"], {})[r["category"]] = r["count"]
        return normalise(raw)

    def set(self, session_id: str, profile: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
        """Replace the session's anonymous profile (counts only, nothing per person) in one commit."""
        from facilitator.core.participants import ProfileError, normalise

        try:
            checked = normalise(profile)
        except ProfileError as exc:
            raise StoreError(str(exc)) from None
        with self.db.transaction() as conn:
            if not conn.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone():
                raise NotFound(f"no session {session_id!r} in this database")
            write_participants(conn, session_id, checked)
        return checked


def write_participants(
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
