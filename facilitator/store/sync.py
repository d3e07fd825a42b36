"""Syncing's tables: entry states read and merged in, the change log (`sync_log`, filled by the
schema's triggers), the host's clock copied onto a laptop, pairing codes and paired laptops (on
the host) and the host a laptop syncs with (its outbox cursors).

Codes and tokens are kept as SHA-256 hashes only. The protocol around these tables (making a
code, tidying and checking incoming states, the wire format) is `facilitator.sync`'s.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from facilitator.core.clock import ClockEvent, compute
from facilitator.core.entries import KINDS
from facilitator.core.programme import Programme
from facilitator.core.text import clean
from facilitator.core.timeutil import iso
from facilitator.store.db import Database, new_id
from facilitator.store.entries import check_fields, insert_entry, write_tags_links
from facilitator.store.errors import NotFound, StoreError

if TYPE_CHECKING:
    from facilitator.core.merge import EntryState

# facilitator.core.merge (~1 ms to import) is imported where states are read or merged: the store
# is imported by every start, and the first screen needs none of it.

CODE_MINUTES = 10  # a pairing code expires after this long
CODE_TRIES = 5  # wrong codes tried while a code is open: after this many it is refused too


class PairingError(StoreError):
    """A pairing code that is wrong, expired, used or refused after too many tries."""


@dataclass
class MergeCounts:
    added: int = 0
    changed: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.added + self.changed + self.unchanged


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def content(fields: dict[str, Any], tags: list[str], links: list[str]) -> dict[str, Any]:
    """An entry version's content as a state holds it: its fields, tags and links."""
    return {**fields, "tags": list(tags), "links": list(links)}


class Sync:
    """The sync tables, and entries read and written as merge states."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- entry states ----------------------------------------------------------------------

    def entry_state(self, entry_id: str) -> EntryState | None:
        with self.db.lock:
            return _read_state(self.db.conn, entry_id)

    def apply_states(
        self, session_id: str, states: list[EntryState], *, from_host: bool = False
    ) -> MergeCounts:
        """Merge entry states, already tidied and checked (`sync.store_sync.apply_states`),
        in one commit; an entry already equal is not touched. StoreError, with nothing
        written, for an entry of another session or one that does not check out.

        `from_host`: on a laptop, states pulled from the host; an entry whose merged state
        equals the host's is then not in the outbox (it would only go back where it came from).
        """
        from facilitator.core.merge import merge

        counts = MergeCounts()
        with self.db.transaction() as conn:
            if not conn.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone():
                raise NotFound(f"no session {session_id!r} in this database")
            for state in states:
                local = _read_state(conn, state.id)
                if local is not None and local.fixed_dict()["session_id"] != session_id:
                    raise StoreError(
                        f"entry {state.id!r} is already in this database, in another session"
                    )
                merged = state if local is None else merge(local, state)
                if local is not None and merged == local:
                    counts.unchanged += 1
                    continue
                try:
                    _write_state(conn, merged, exists=local is not None)
                except StoreError as exc:
                    raise StoreError(f"entry {state.id!r}: {exc}") from None
                if local is None:
                    counts.added += 1
                else:
                    counts.changed += 1
                if from_host and merged == state:
                    conn.execute("UPDATE sync_log SET remote = 1 WHERE entry_id = ?", (state.id,))
        return counts

    def changes_since(
        self, session_id: str, after: int, *, limit: int = 500, local_only: bool = False
    ) -> tuple[list[EntryState], int]:
        """Entry states changed after change number `after`, oldest change first, and the
        number to ask from next time (`after` itself when nothing changed)."""
        where = "session_id = ? AND seq > ?" + (" AND remote = 0" if local_only else "")
        with self.db.lock:
            conn = self.db.conn
            rows = conn.execute(
                f"SELECT seq, entry_id FROM sync_log WHERE {where} ORDER BY seq LIMIT ?",
                (session_id, after, int(limit)),
            ).fetchall()
            states = []
            for _seq, entry_id in rows:
                state = _read_state(conn, entry_id)
                if state is not None:
                    states.append(state)
        return states, (rows[-1][0] if rows else after)

    def last_change(self, session_id: str) -> int:
        row = self.db.query(
            "SELECT coalesce(max(seq), 0) AS n FROM sync_log WHERE session_id = ?", (session_id,)
        )
        return int(row[0]["n"])

    # -- the clock: the host's is the session's ----------------------------------------------

    def replace_clock(self, session_id: str, host_seq: int, events: Iterable[ClockEvent]) -> bool:
        """Put the host's clock events (numbered as on the host) in place of this laptop's
        copy, renumbered for this database (`undoes` following); False when the copy was
        current already (`events` is then not read)."""
        with self.db.transaction() as conn:
            row = conn.execute(
                "SELECT s.programme, h.clock_seq FROM sessions s LEFT JOIN sync_hosts h "
                "ON h.session_id = s.id WHERE s.id = ?",
                (session_id,),
            ).fetchone()
            if row is None:
                raise NotFound(f"no session {session_id!r} in this database")
            if row[1] is not None and int(row[1]) == host_seq:
                return False
            conn.execute("DELETE FROM clock_events WHERE session_id = ?", (session_id,))
            mapping: dict[int, int] = {}
            made: list[ClockEvent] = []
            for ev in sorted(events, key=lambda e: e.seq):
                data = dict(ev.data)
                if "undoes" in data and data["undoes"] in mapping:
                    data["undoes"] = mapping[data["undoes"]]
                cur = conn.execute(
                    "INSERT INTO clock_events (session_id, at, kind, data) VALUES (?, ?, ?, ?)",
                    (session_id, iso(ev.at), ev.kind, json.dumps(data, sort_keys=True)),
                )
                mapping[ev.seq] = int(cur.lastrowid or 0)
                made.append(ClockEvent(int(cur.lastrowid or 0), ev.at, ev.kind, data))
            blocks = Programme.from_dict(json.loads(row[0])).blocks
            last = max((e.at for e in made), default=None)
            state = compute(blocks, made, last).state if last is not None else "planned"
            conn.execute("UPDATE sessions SET state = ? WHERE id = ?", (state, session_id))
            conn.execute(
                "UPDATE sync_hosts SET clock_seq = ? WHERE session_id = ?", (host_seq, session_id)
            )
        return True

    # -- the host: pairing codes and paired laptops ------------------------------------------

    def add_code(self, session_id: str, code: str, *, now: datetime) -> None:
        """Keep (the hash of) a new pairing code for SESSION, valid CODE_MINUTES; codes
        expired more than a day ago go."""
        with self.db.transaction() as conn:
            conn.execute(
                "DELETE FROM sync_codes WHERE expires_at < ?", (iso(now - timedelta(days=1)),)
            )
            conn.execute(
                "INSERT INTO sync_codes (code_hash, session_id, expires_at) VALUES (?, ?, ?)",
                (hash_secret(code), session_id, iso(now + timedelta(minutes=CODE_MINUTES))),
            )

    def redeem_code(
        self, session_id: str, code: str, author: str, token: str, *, now: datetime
    ) -> str:
        """Pair a laptop with a (normalised) code and the token it will use: its device id.
        PairingError when the code is wrong, expired, used, or the open codes saw too many
        wrong tries (each wrong try counts against every open code of the session; against
        every open code when `session_id` is empty)."""
        digest = hash_secret(code)
        device = new_id()
        stamp = iso(now)
        with self.db.transaction() as conn:
            row = conn.execute(
                "SELECT expires_at, failures, used_at FROM sync_codes "
                "WHERE code_hash = ? AND session_id = ?",
                (digest, session_id),
            ).fetchone()
            if row is None:
                conn.execute(
                    "UPDATE sync_codes SET failures = failures + 1 "
                    "WHERE (session_id = ? OR ? = '') AND used_at IS NULL AND expires_at > ?",
                    (session_id, session_id, stamp),
                )
                outcome = "wrong"
            elif row[2] is not None:
                outcome = "used"
            elif row[0] <= stamp:
                outcome = "expired"
            elif row[1] >= CODE_TRIES:
                outcome = "tries"
            else:
                conn.execute(
                    "UPDATE sync_codes SET used_at = ? WHERE code_hash = ?", (stamp, digest)
                )
                conn.execute(
                    "INSERT INTO sync_devices (id, session_id, author, token_hash, paired_at, "
                    "last_seen_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (device, session_id, clean(author).strip(), hash_secret(token), stamp, stamp),
                )
                outcome = "ok"
        if outcome != "ok":
            raise PairingError(outcome)
        return device

    def code_session(self, code: str) -> str | None:
        """The session a (normalised) pairing code was made for, in any state."""
        rows = self.db.query(
            "SELECT session_id FROM sync_codes WHERE code_hash = ?", (hash_secret(code),)
        )
        return rows[0]["session_id"] if rows else None

    def device_for_token(self, token: str) -> dict[str, Any] | None:
        """The paired, not removed laptop with this token, or None."""
        rows = self.db.query(
            "SELECT id, session_id, author FROM sync_devices "
            "WHERE token_hash = ? AND removed_at IS NULL",
            (hash_secret(token),),
        )
        return rows[0] if rows else None

    def heard_from(self, device_id: str, *, now: datetime, pending: int | None) -> None:
        with self.db.transaction() as conn:
            if pending is None:
                conn.execute(
                    "UPDATE sync_devices SET last_seen_at = ? WHERE id = ?", (iso(now), device_id)
                )
            else:
                conn.execute(
                    "UPDATE sync_devices SET last_seen_at = ?, pending = ? WHERE id = ?",
                    (iso(now), max(0, int(pending)), device_id),
                )

    def devices(self, session_id: str) -> list[dict[str, Any]]:
        """The laptops paired for a session and not removed, first paired first."""
        return self.db.query(
            "SELECT id, author, paired_at, last_seen_at, pending FROM sync_devices "
            "WHERE session_id = ? AND removed_at IS NULL ORDER BY paired_at, id",
            (session_id,),
        )

    def remove_device(self, device_id: str, *, now: datetime) -> bool:
        """The laptop can no longer sync (its token stops working); True if it was paired."""
        with self.db.transaction() as conn:
            cur = conn.execute(
                "UPDATE sync_devices SET removed_at = ? WHERE id = ? AND removed_at IS NULL",
                (iso(now), device_id),
            )
        return cur.rowcount > 0

    # -- the laptop: the host it syncs with, and its outbox ----------------------------------

    def link_host(
        self,
        session_id: str,
        *,
        address: str,
        fingerprint: str,
        token: str,
        device_id: str,
        author: str,
    ) -> None:
        with self.db.transaction() as conn:
            conn.execute(
                # clock_seq -1: the host's clock has not been copied yet (even a clock with no
                # events replaces whatever this laptop had).
                "INSERT INTO sync_hosts (session_id, address, fingerprint, token, device_id, "
                "author, clock_seq) VALUES (?, ?, ?, ?, ?, ?, -1) ON CONFLICT(session_id) DO "
                "UPDATE SET address = excluded.address, fingerprint = excluded.fingerprint, "
                "token = excluded.token, device_id = excluded.device_id, "
                "author = excluded.author, clock_seq = -1",
                (session_id, address, fingerprint, token, device_id, author),
            )

    def host_link(self, session_id: str) -> dict[str, Any] | None:
        """How this laptop reaches the host of SESSION; None when it is not a note-taker's."""
        rows = self.db.query("SELECT * FROM sync_hosts WHERE session_id = ?", (session_id,))
        return rows[0] if rows else None

    def linked_sessions(self) -> list[str]:
        rows = self.db.query("SELECT session_id FROM sync_hosts ORDER BY 1")
        return [r["session_id"] for r in rows]

    def pending_count(self, session_id: str) -> int:
        """Entries changed on this laptop that the host has not confirmed yet (the outbox)."""
        row = self.db.query(
            "SELECT count(*) AS n FROM sync_log l JOIN sync_hosts h ON h.session_id = l.session_id "
            "WHERE l.session_id = ? AND l.seq > h.pushed_seq AND l.remote = 0",
            (session_id,),
        )
        return int(row[0]["n"])

    def set_cursor(self, session_id: str, **values: Any) -> None:
        """Move pushed_seq, pulled_seq, last_ok_at or last_error of the link to the host."""
        allowed = {"pushed_seq", "pulled_seq", "last_ok_at", "last_error"}
        if not values or set(values) - allowed:
            raise ValueError(f"unknown cursor fields: {set(values) - allowed}")
        sets = ", ".join(f"{k} = ?" for k in values)
        with self.db.transaction() as conn:
            if "pushed_seq" in values:
                # Never back: a push answered late must not undo a later one's progress.
                values["pushed_seq"] = max(
                    int(values["pushed_seq"]),
                    int(
                        conn.execute(
                            "SELECT pushed_seq FROM sync_hosts WHERE session_id = ?",
                            (session_id,),
                        ).fetchone()[0]
                    ),
                )
            conn.execute(
                f"UPDATE sync_hosts SET {sets} WHERE session_id = ?",
                [*values.values(), session_id],
            )


def _read_state(conn: sqlite3.Connection, entry_id: str) -> EntryState | None:
    """An entry as it is in this database, with all its versions; None when it is not here."""
    from facilitator.core.merge import Version, make_state

    cur = conn.execute("SELECT * FROM entries WHERE id = ?", (entry_id,))
    row = cur.fetchone()
    if row is None:
        return None
    r = dict(zip([d[0] for d in cur.description], row, strict=True))
    spec = KINDS.get(r["kind"])
    names = spec.fields if spec is not None else ()
    fields: dict[str, Any] = {n: r[n] for n in names}
    if spec is not None and spec.building_blocks:
        fields["building_blocks"] = json.loads(r["building_blocks"])
    tags = [
        t for (t,) in conn.execute("SELECT tag FROM entry_tags WHERE entry_id = ?", (entry_id,))
    ]
    links = [
        t
        for (t,) in conn.execute(
            "SELECT target_id FROM entry_links WHERE entry_id = ?", (entry_id,)
        )
    ]
    versions = [Version.make(r["updated_at"], content(fields, tags, links))]
    for saved_at, data in conn.execute(
        "SELECT saved_at, data FROM entry_revisions WHERE entry_id = ? ORDER BY revision",
        (entry_id,),
    ):
        d = json.loads(data)
        at = d.pop("updated_at", None) or r["created_at"] or saved_at
        versions.append(Version.make(at, d))
    return make_state(
        entry_id,
        {k: r[k] for k in ("session_id", "kind", "block_key", "created_at", "author")},
        versions,
        deleted_at=r["deleted_at"],
        deleted_changed_at=r["deleted_changed_at"],
    )


def _write_state(conn: sqlite3.Connection, state: EntryState, exists: bool) -> None:
    fixed = state.fixed_dict()
    current = state.current.content
    tags = current.pop("tags", [])
    links = current.pop("links", [])
    values = check_fields(str(fixed["kind"]), current)
    if exists:
        sets = ", ".join(f"{name} = ?" for name in values)
        params = [
            json.dumps(v, ensure_ascii=False) if k == "building_blocks" else v
            for k, v in values.items()
        ]
        conn.execute(
            f"UPDATE entries SET {sets}{', ' if sets else ''}updated_at = ?, revision = ?, "
            "deleted_at = ?, deleted_changed_at = ?, author = ?, block_key = ?, created_at = ? "
            "WHERE id = ?",
            [
                *params,
                state.current.updated_at,
                state.revision,
                state.deleted_at,
                state.deleted_changed_at,
                fixed["author"] or "",
                fixed["block_key"],
                fixed["created_at"],
                state.id,
            ],
        )
        conn.execute("DELETE FROM entry_revisions WHERE entry_id = ?", (state.id,))
    else:
        insert_entry(
            conn,
            {
                "id": state.id,
                "session_id": fixed["session_id"],
                "kind": fixed["kind"],
                "block_key": fixed["block_key"],
                "created_at": fixed["created_at"],
                "updated_at": state.current.updated_at,
                "author": clean(str(fixed["author"] or "")).strip(),
                "revision": state.revision,
                "deleted_at": state.deleted_at,
                "deleted_changed_at": state.deleted_changed_at,
            },
            values,
        )
    write_tags_links(conn, state.id, tags, links)
    for version in state.history():
        n, saved_at = version.pop("revision"), version.pop("saved_at")
        version["updated_at"] = version.pop("updated_at")  # last, as `update_entry` writes it
        conn.execute(
            "INSERT INTO entry_revisions (entry_id, revision, saved_at, data) VALUES (?, ?, ?, ?)",
            (state.id, n, saved_at, json.dumps(version, ensure_ascii=False)),
        )
