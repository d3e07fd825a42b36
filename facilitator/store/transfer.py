"""Whole sessions in and out: one session read completely (`load`, what the report is built from
and a JSON export carries), and an exported session restored with its ids and timestamps (and,
later, merged into one that is already here).
"""

from __future__ import annotations

import json
import secrets

from facilitator.core.clock import compute, utcnow
from facilitator.core.session import Remark, SessionData, remark_order
from facilitator.core.text import clean
from facilitator.core.timeutil import iso, parse_date, parse_iso
from facilitator.store.clock import Clock
from facilitator.store.db import Database, new_id
from facilitator.store.entries import Entries, check_fields, insert_entry, write_tags_links
from facilitator.store.errors import FieldError, StoreError
from facilitator.store.participants import Participants, write_participants
from facilitator.store.remarks import Remarks
from facilitator.store.sessions import Sessions, check_timezone


class Transfer:
    """Sessions as a whole: `store.transfer.load(id)`, `store.transfer.import_session(data)`."""

    def __init__(
        self,
        db: Database,
        sessions: Sessions,
        clock: Clock,
        entries: Entries,
        remarks: Remarks,
        participants: Participants,
    ) -> None:
        self.db = db
        self.sessions = sessions
        self.clock = clock
        self.entries = entries
        self.remarks = remarks
        self.participants = participants

    def load(self, session_id: str) -> SessionData:
        """Read one session completely (NotFound when there is no such session)."""
        info = self.sessions.get(session_id)
        events = self.clock.events(session_id)
        entries = self.entries.list(session_id, newest_first=False)
        history = self.entries.history(session_id)
        # Unplanned breaks are slots too; the clock at the last event knows where they were inserted.
        last = max((ev.at for ev in events), default=utcnow())
        state = compute(info.programme.blocks, events, last)
        remarks = [
            Remark(r["slot"], r["text"], bool(r["hidden"]))
            for r in self.remarks.list(session_id, include_hidden=True)
        ]
        return SessionData(
            session=info,
            clock_events=events,
            entries=entries,
            history={e.id: history[e.id] for e in entries if e.id in history},
            remarks=remark_order([b.name for b in state.blocks], remarks),
            participants=self.participants.get(session_id),
        )

    def import_session(self, data: SessionData) -> str:
        """Restore an exported session (a `core.session.SessionData`) with its ids and timestamps,
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
            tz_name = check_timezone(info.timezone)
        except StoreError as exc:
            raise StoreError(f"session {info.id!r}: timezone: {exc}") from None
        checked = []
        for i, e in enumerate(data.entries):
            try:
                checked.append((i, e, check_fields(e.kind, e.fields())))
            except FieldError as exc:
                raise StoreError(f"entries[{i}].{exc.field}: {exc}") from None
        last = max((ev.at for ev in data.clock_events), default=parse_iso(info.created_at))
        state = compute(info.programme.blocks, data.clock_events, last).state
        with self.db.transaction() as conn:
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
                insert_entry(
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
                write_tags_links(conn, e.id, e.tags, e.links)
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
            write_participants(conn, info.id, profile)
        return info.id
