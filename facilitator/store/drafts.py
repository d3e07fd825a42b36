"""Drafts: what is typed in a capture form, kept as it is typed so a crash loses at most a moment."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from facilitator.core.entries import KINDS
from facilitator.core.text import clean
from facilitator.core.timeutil import iso
from facilitator.store.db import Database
from facilitator.store.errors import StoreError


class Drafts:
    """The drafts table: `store.drafts.save(...)`, `.list(session_id)`, `.discard(draft_id)`.

    Saving the entry a draft became drops the draft in the same commit (`store.entries.add` and
    `update` take its `draft_id`)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def save(
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
        with self.db.without_fsync(), self.db.transaction() as conn:
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

    def discard(self, draft_id: str) -> None:
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM drafts WHERE id = ?", (draft_id,))

    # Last in the class: a method named `list` defined earlier would shadow the built-in
    # in the annotations that follow it (for mypy).
    def list(self, session_id: str | None = None) -> list[dict[str, Any]]:
        """Drafts (of one session), oldest first; `data` decoded ({} if it cannot be read)."""
        where, params = ("", []) if session_id is None else ("WHERE session_id = ?", [session_id])
        rows = self.db.query(f"SELECT * FROM drafts {where} ORDER BY updated_at, id", params)
        for row in rows:
            try:
                data = json.loads(row["data"])
            except (TypeError, ValueError):
                data = {}
            row["data"] = data if isinstance(data, dict) else {}
        return rows
