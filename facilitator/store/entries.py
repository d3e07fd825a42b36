"""Entries: what the note-takers capture (quotes, stories, advice...), with their earlier versions,
tags and links, and the full-text search the log runs.

An entry is never erased: `delete` marks it, `restore` undoes that, and `update` keeps the
version it replaces in entry_revisions. A new kind of entry needs no change here unless it has a
field no other kind has (then: a migration in `schema.py`).
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any

from facilitator.core.entries import KINDS, LEVELS, Entry, fts_query, normalise_tag
from facilitator.core.text import clean
from facilitator.core.timeutil import iso
from facilitator.store.db import Database, new_id
from facilitator.store.errors import FieldError, NotFound, StaleEdit


class Entries:
    """The entries table and its companions (tags, links, revisions, the full-text index)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def add(
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
        values = check_fields(kind, fields)
        entry_id = entry_id or new_id()
        stamp = iso(now)
        with self.db.transaction() as conn:
            if not conn.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone():
                raise NotFound(f"no session {session_id!r} in this database")
            insert_entry(
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
            write_tags_links(conn, entry_id, tags or [], links or [])
            if draft_id:
                conn.execute("DELETE FROM drafts WHERE id = ?", (draft_id,))
        return self.get(entry_id)

    def update(
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
        with self.db.transaction() as conn:
            # Read inside the write lock: another app may have edited this entry a moment ago,
            # and two edits from the same starting revision would collide in entry_revisions.
            old = self.get(entry_id)
            if expected_revision is not None and old.revision != expected_revision:
                raise StaleEdit(old)
            values = check_fields(old.kind, {**old.fields(), **fields})
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
            write_tags_links(
                conn,
                entry_id,
                old.tags if tags is None else tags,
                old.links if links is None else links,
            )
            if draft_id:
                conn.execute("DELETE FROM drafts WHERE id = ?", (draft_id,))
        return self.get(entry_id)

    def delete(self, entry_id: str, *, now: datetime) -> None:
        """Mark an entry deleted; `restore` undoes it. Nothing is erased."""
        with self.db.transaction() as conn:
            cur = conn.execute(
                "UPDATE entries SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL",
                (iso(now), entry_id),
            )
            if (
                cur.rowcount == 0
                and not conn.execute("SELECT 1 FROM entries WHERE id = ?", (entry_id,)).fetchone()
            ):
                raise NotFound(f"no entry {entry_id!r}")

    def restore(self, entry_id: str) -> None:
        with self.db.transaction() as conn:
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
        with self.db.lock:
            cur = self.db.conn.execute(sql, params)
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

    def get(self, entry_id: str) -> Entry:
        found = self._entries("e.id = ?", [entry_id])
        if not found:
            raise NotFound(f"no entry {entry_id!r}")
        return found[0]

    def revisions(self, entry_id: str) -> list[dict[str, Any]]:
        """Earlier versions of an entry, oldest first: revision, saved_at and the fields."""
        rows = self.db.query(
            "SELECT revision, saved_at, data FROM entry_revisions WHERE entry_id = ? ORDER BY revision",
            (entry_id,),
        )
        return [
            {"revision": r["revision"], "saved_at": r["saved_at"], **json.loads(r["data"])}
            for r in rows
        ]

    def tags(self, prefix: str = "") -> list[tuple[str, int]]:
        """Tags used in any session, most used first, for completion."""
        rows = self.db.query(
            "SELECT t.tag, count(*) AS n FROM entry_tags t JOIN entries e ON e.id = t.entry_id "
            "WHERE e.deleted_at IS NULL AND t.tag LIKE ? ESCAPE '\\' GROUP BY t.tag "
            "ORDER BY n DESC, t.tag",
            (prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%",),
        )
        return [(r["tag"], r["n"]) for r in rows]

    def find(
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
        where, params = self._where(
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

    def count(
        self,
        session_id: str | None = None,
        *,
        search: str = "",
        kind: str | None = None,
        tag: str | None = None,
        phase: int | None = None,
        include_deleted: bool = False,
    ) -> int:
        """How many entries `find` would return without a limit."""
        where, params = self._where(
            session_id,
            search=search,
            kind=kind,
            tag=tag,
            phase=phase,
            include_deleted=include_deleted,
        )
        return int(
            self.db.query(f"SELECT count(*) AS n FROM entries e WHERE {where}", params)[0]["n"]
        )

    def signature(self, session_id: str | None = None) -> tuple[int, ...]:
        """Changes when an entry in scope is added, edited, deleted or restored; cheap to poll."""
        where, params = ("", []) if session_id is None else ("WHERE session_id = ?", [session_id])
        row = self.db.query(
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
        rows = self.db.query(
            "SELECT speaker, max(created_at) AS last FROM entries "
            "WHERE kind = 'quote' AND speaker != '' AND deleted_at IS NULL "
            "GROUP BY speaker ORDER BY last DESC LIMIT ?",
            (int(limit),),
        )
        return [r["speaker"] for r in rows]

    def by_id(self, ids: list[str]) -> list[Entry]:
        """The entries with these ids that exist (deleted ones too), in the order asked."""
        if not ids:
            return []
        found = {
            e.id: e for e in self._entries(f"e.id IN ({', '.join('?' * len(ids))})", list(ids))
        }
        return [found[i] for i in ids if i in found]

    def history(self, session_id: str) -> dict[str, list[dict[str, Any]]]:
        """Earlier versions of every entry of a session (as `revisions` gives them), by entry id."""
        rows = self.db.query(
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

    def _where(
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

    # Last in the class: a method named `list` defined earlier would shadow the built-in
    # in the annotations that follow it (for mypy).
    def list(
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
        where, params = self._where(session_id, kind=kind, tag=tag, include_deleted=include_deleted)
        if block_keys is not None:
            where += f" AND e.block_key IN ({', '.join('?' * len(block_keys)) or 'NULL'})"
            params.extend(block_keys)
        order = "DESC" if newest_first else "ASC"
        sql = where + f" ORDER BY e.created_at {order}, e.rowid {order}"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return self._entries(sql, params)


def check_fields(kind: str, fields: dict[str, Any]) -> dict[str, Any]:
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
                raise FieldError(name, f"level must be one of {', '.join(LEVELS)}, not {value!r}")
            out[name] = value
        else:
            # Leading and trailing blank space is no part of what was said: a story ended
            # with Enter left an empty line before the initials in the report.
            out[name] = clean(str(value or "")).strip()
    for name in spec.required:
        if not str(out.get(name) or "").strip():
            raise FieldError(name, f"{_a(kind)} needs a {name}")
    return out


def insert_entry(conn: sqlite3.Connection, stamp: dict[str, Any], values: dict[str, Any]) -> None:
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


def write_tags_links(
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


def _a(kind: str) -> str:
    """ "a quote", "an emblem"."""
    return ("an " if kind[:1] in "aeiou" else "a ") + kind.replace("_", " ")
