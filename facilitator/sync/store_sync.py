"""What syncing needs from the database, over a `Store`: entry states in and out (merged with
`core.merge`), the change log, clock copies, pairing codes, paired laptops and the host a laptop
syncs with. Every write is one BEGIN IMMEDIATE transaction, like the rest of the store.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from facilitator.core.clock import ClockEvent, compute
from facilitator.core.merge import EntryState, Version, make_state, merge
from facilitator.core.programme import Programme
from facilitator.core.text import clean
from facilitator.core.timeutil import iso, parse_iso
from facilitator.store import NotFound, Store, StoreError, new_id
from facilitator.store.entries import check_fields, insert_entry, write_tags_links

CODE_MINUTES = 10  # a pairing code expires after this long
CODE_TRIES = 5  # wrong codes tried while a code is open: after this many it is refused too
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud or typed over


class PairingError(StoreError):
    """A pairing code that is wrong, expired, used or refused after too many tries."""


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


# -- entry states ----------------------------------------------------------------------------


def _content(fields: dict[str, Any], tags: list[str], links: list[str]) -> dict[str, Any]:
    return {**fields, "tags": list(tags), "links": list(links)}


def _read_state(conn: sqlite3.Connection, entry_id: str) -> EntryState | None:
    """An entry as it is in this database, with all its versions; None when it is not here."""
    cur = conn.execute("SELECT * FROM entries WHERE id = ?", (entry_id,))
    row = cur.fetchone()
    if row is None:
        return None
    r = dict(zip([d[0] for d in cur.description], row, strict=True))
    from facilitator.core.entries import KINDS

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
    versions = [Version.make(r["updated_at"], _content(fields, tags, links))]
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


def entry_state(store: Store, entry_id: str) -> EntryState | None:
    with store.lock:
        return _read_state(store.conn, entry_id)


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


@dataclass
class MergeCounts:
    added: int = 0
    changed: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.added + self.changed + self.unchanged


def _check_state(state: EntryState, session_id: str) -> None:
    fixed = state.fixed_dict()
    if fixed.get("session_id") != session_id:
        raise StoreError(f"entry {state.id!r} belongs to session {fixed.get('session_id')!r}")
    if not isinstance(fixed.get("created_at"), str) or not isinstance(fixed.get("kind"), str):
        raise StoreError(f"entry {state.id!r} has no kind or creation time")
    try:
        for v in state.versions:
            parse_iso(v.updated_at)
        parse_iso(fixed["created_at"])
        for stamp in (state.deleted_at, state.deleted_changed_at):
            if stamp is not None:
                parse_iso(stamp)
    except ValueError:
        raise StoreError(f"entry {state.id!r} has a time that is not ISO-8601") from None


def _normalise(state: EntryState) -> EntryState:
    """Every version as this store would keep it (text cleaned and trimmed, tags normalised,
    no self-link), so a version sent by another laptop compares equal to the one written here
    and re-syncing it never rewrites anything."""
    from facilitator.core.entries import KINDS, normalise_tag

    spec = KINDS.get(str(state.fixed_dict().get("kind")))

    def tidy(content: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        # A field this version does not carry (a laptop on an older facilitator, or an export
        # made before the field existed) is empty, as this store keeps it: equal versions must
        # compare equal, or re-syncing would rewrite them.
        if spec is not None:
            for name in spec.fields:
                if name not in content:
                    out[name] = None if name == "level" else ""
        for key, value in content.items():
            if key == "tags":
                out[key] = [
                    t for t in dict.fromkeys(normalise_tag(str(x)) for x in value or []) if t
                ]
            elif key == "links":
                out[key] = [x for x in dict.fromkeys(str(x) for x in value or []) if x != state.id]
            elif key == "building_blocks":
                out[key] = [v for v in (clean(str(x)).strip() for x in value or []) if v]
            elif isinstance(value, str) and key != "level":
                out[key] = clean(value).strip()
            else:
                out[key] = value
        return out

    versions = [Version.make(v.updated_at, tidy(v.content)) for v in state.versions]
    return make_state(
        state.id,
        state.fixed_dict(),
        versions,
        deleted_at=state.deleted_at,
        deleted_changed_at=state.deleted_changed_at,
    )


def apply_states(
    store: Store, session_id: str, states: list[EntryState], *, from_host: bool = False
) -> MergeCounts:
    """Merge entry states into this database in one commit; an entry already equal is not
    touched (so applying the same states twice writes nothing). StoreError, with nothing
    written, when an entry is of another session or does not check out.

    `from_host`: on a laptop, states pulled from the host; an entry whose merged state equals
    the host's is then not in the outbox (it would only go back where it came from).
    """
    counts = MergeCounts()
    states = [_normalise(state) for state in states]
    for state in states:
        _check_state(state, session_id)
    with store.transaction() as conn:
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
    store: Store, session_id: str, after: int, *, limit: int = 500, local_only: bool = False
) -> tuple[list[EntryState], int]:
    """Entry states changed after change number `after`, oldest change first, and the number
    to ask from next time (`after` itself when nothing changed)."""
    where = "session_id = ? AND seq > ?" + (" AND remote = 0" if local_only else "")
    with store.lock:
        rows = store.conn.execute(
            f"SELECT seq, entry_id FROM sync_log WHERE {where} ORDER BY seq LIMIT ?",
            (session_id, after, int(limit)),
        ).fetchall()
        states = []
        for _seq, entry_id in rows:
            state = _read_state(store.conn, entry_id)
            if state is not None:
                states.append(state)
    return states, (rows[-1][0] if rows else after)


def last_change(store: Store, session_id: str) -> int:
    row = store.query(
        "SELECT coalesce(max(seq), 0) AS n FROM sync_log WHERE session_id = ?", (session_id,)
    )
    return int(row[0]["n"])


# -- the clock: the host's is the session's ---------------------------------------------------


def clock_wire(store: Store, session_id: str) -> tuple[int, list[dict[str, Any]]]:
    """(the last clock event's number, every event) as the host sends them."""
    events = store.clock.events(session_id)
    return (
        max((e.seq for e in events), default=0),
        [{"seq": e.seq, "at": iso(e.at), "kind": e.kind, "data": e.data} for e in events],
    )


def replace_clock(
    store: Store, session_id: str, host_seq: int, events: list[dict[str, Any]]
) -> bool:
    """Put the host's clock events in place of this laptop's copy (renumbered for this
    database, `undoes` following); False when the copy was current already."""
    with store.transaction() as conn:
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
        for ev in sorted(events, key=lambda e: int(e["seq"])):
            data = dict(ev.get("data") or {})
            if "undoes" in data and data["undoes"] in mapping:
                data["undoes"] = mapping[data["undoes"]]
            at = parse_iso(str(ev["at"]))
            cur = conn.execute(
                "INSERT INTO clock_events (session_id, at, kind, data) VALUES (?, ?, ?, ?)",
                (session_id, iso(at), str(ev["kind"]), json.dumps(data, sort_keys=True)),
            )
            mapping[int(ev["seq"])] = int(cur.lastrowid or 0)
            made.append(ClockEvent(int(cur.lastrowid or 0), at, str(ev["kind"]), data))
        blocks = Programme.from_dict(json.loads(row[0])).blocks
        last = max((e.at for e in made), default=None)
        state = compute(blocks, made, last).state if last is not None else "planned"
        conn.execute("UPDATE sessions SET state = ? WHERE id = ?", (state, session_id))
        conn.execute(
            "UPDATE sync_hosts SET clock_seq = ? WHERE session_id = ?", (host_seq, session_id)
        )
    return True


# -- the host: pairing codes and paired laptops ------------------------------------------------


def new_pairing_code(store: Store, session_id: str, *, now: datetime) -> str:
    """A fresh single-use code (XXXX-XXXX) for SESSION; only its hash is stored."""
    store.sessions.get(session_id)
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    with store.transaction() as conn:
        conn.execute("DELETE FROM sync_codes WHERE expires_at < ?", (iso(now - timedelta(days=1)),))
        conn.execute(
            "INSERT INTO sync_codes (code_hash, session_id, expires_at) VALUES (?, ?, ?)",
            (_hash(raw), session_id, iso(now + timedelta(minutes=CODE_MINUTES))),
        )
    return f"{raw[:4]}-{raw[4:]}"


def redeem_code(
    store: Store, session_id: str, code: str, author: str, *, now: datetime
) -> tuple[str, str]:
    """Pair a laptop: (its device id, its secret token). PairingError when the code is wrong,
    expired, used, or the open codes saw too many wrong tries (each wrong try counts against
    every open code of the session)."""
    digest = _hash(normalise_code(code))
    token = secrets.token_urlsafe(32)
    device = new_id()
    stamp = iso(now)
    with store.transaction() as conn:
        row = conn.execute(
            "SELECT expires_at, failures, used_at FROM sync_codes "
            "WHERE code_hash = ? AND session_id = ?",
            (digest, session_id),
        ).fetchone()
        if row is None:
            # A code tried without its session (typed: host, port and code) counts against
            # every open code.
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
            conn.execute("UPDATE sync_codes SET used_at = ? WHERE code_hash = ?", (stamp, digest))
            conn.execute(
                "INSERT INTO sync_devices (id, session_id, author, token_hash, paired_at, "
                "last_seen_at) VALUES (?, ?, ?, ?, ?, ?)",
                (device, session_id, clean(author).strip(), _hash(token), stamp, stamp),
            )
            outcome = "ok"
    if outcome != "ok":
        raise PairingError(outcome)
    return device, token


def code_session(store: Store, code: str) -> str | None:
    """The session a pairing code was made for (any state), for a code typed without it."""
    rows = store.query(
        "SELECT session_id FROM sync_codes WHERE code_hash = ?", (_hash(normalise_code(code)),)
    )
    return rows[0]["session_id"] if rows else None


def device_for_token(store: Store, token: str) -> dict[str, Any] | None:
    """The paired, not removed laptop with this token, or None."""
    rows = store.query(
        "SELECT id, session_id, author FROM sync_devices WHERE token_hash = ? AND removed_at IS NULL",
        (_hash(token),),
    )
    return rows[0] if rows else None


def heard_from(store: Store, device_id: str, *, now: datetime, pending: int | None) -> None:
    with store.transaction() as conn:
        if pending is None:
            conn.execute(
                "UPDATE sync_devices SET last_seen_at = ? WHERE id = ?", (iso(now), device_id)
            )
        else:
            conn.execute(
                "UPDATE sync_devices SET last_seen_at = ?, pending = ? WHERE id = ?",
                (iso(now), max(0, int(pending)), device_id),
            )


def devices(store: Store, session_id: str) -> list[dict[str, Any]]:
    """The laptops paired for a session and not removed, first paired first."""
    return store.query(
        "SELECT id, author, paired_at, last_seen_at, pending FROM sync_devices "
        "WHERE session_id = ? AND removed_at IS NULL ORDER BY paired_at, id",
        (session_id,),
    )


def remove_device(store: Store, device_id: str, *, now: datetime) -> bool:
    """The laptop can no longer sync (its token stops working); True if it was paired."""
    with store.transaction() as conn:
        cur = conn.execute(
            "UPDATE sync_devices SET removed_at = ? WHERE id = ? AND removed_at IS NULL",
            (iso(now), device_id),
        )
    return cur.rowcount > 0


# -- the laptop: the host it syncs with, and its outbox ---------------------------------------


def link_host(
    store: Store,
    session_id: str,
    *,
    address: str,
    fingerprint: str,
    token: str,
    device_id: str,
    author: str,
) -> None:
    with store.transaction() as conn:
        conn.execute(
            # clock_seq -1: the host's clock has not been copied yet (even a clock with no
            # events replaces whatever this laptop had).
            "INSERT INTO sync_hosts (session_id, address, fingerprint, token, device_id, author, "
            "clock_seq) VALUES (?, ?, ?, ?, ?, ?, -1) ON CONFLICT(session_id) DO UPDATE SET "
            "address = excluded.address, fingerprint = excluded.fingerprint, "
            "token = excluded.token, device_id = excluded.device_id, author = excluded.author, "
            "clock_seq = -1",
            (session_id, address, fingerprint, token, device_id, author),
        )


def host_link(store: Store, session_id: str) -> dict[str, Any] | None:
    """How this laptop reaches the host of SESSION; None when the session is not a note-taker's."""
    rows = store.query("SELECT * FROM sync_hosts WHERE session_id = ?", (session_id,))
    return rows[0] if rows else None


def linked_sessions(store: Store) -> list[str]:
    return [r["session_id"] for r in store.query("SELECT session_id FROM sync_hosts ORDER BY 1")]


def pending_count(store: Store, session_id: str) -> int:
    """Entries changed on this laptop that the host has not confirmed yet (the outbox)."""
    row = store.query(
        "SELECT count(*) AS n FROM sync_log l JOIN sync_hosts h ON h.session_id = l.session_id "
        "WHERE l.session_id = ? AND l.seq > h.pushed_seq AND l.remote = 0",
        (session_id,),
    )
    return int(row[0]["n"])


def set_cursor(store: Store, session_id: str, **values: Any) -> None:
    """Move pushed_seq, pulled_seq, last_ok_at or last_error of the link to the host."""
    allowed = {"pushed_seq", "pulled_seq", "last_ok_at", "last_error"}
    if not values or set(values) - allowed:
        raise ValueError(f"unknown cursor fields: {set(values) - allowed}")
    sets = ", ".join(f"{k} = ?" for k in values)
    with store.transaction() as conn:
        if "pushed_seq" in values:
            # Never back: a push answered late must not undo a later one's progress.
            values["pushed_seq"] = max(
                int(values["pushed_seq"]),
                int(
                    conn.execute(
                        "SELECT pushed_seq FROM sync_hosts WHERE session_id = ?", (session_id,)
                    ).fetchone()[0]
                ),
            )
        conn.execute(
            f"UPDATE sync_hosts SET {sets} WHERE session_id = ?", [*values.values(), session_id]
        )


# -- a laptop's JSON export merged on the host (`facilitator import FILE --merge`) -------------


def state_from_export(entry: Any, history: list[dict[str, Any]]) -> EntryState:
    """An entry of a JSON export (`core.entries.Entry` and its earlier versions) as a state."""
    versions = [Version.make(entry.updated_at, _content(entry.fields(), entry.tags, entry.links))]
    for old in history:
        content = {k: v for k, v in old.items() if k not in ("revision", "saved_at", "updated_at")}
        versions.append(Version.make(old.get("updated_at") or entry.created_at, content))
    return make_state(
        entry.id,
        {
            "session_id": entry.session_id,
            "kind": entry.kind,
            "block_key": entry.block_key,
            "created_at": entry.created_at,
            "author": entry.author,
        },
        versions,
        deleted_at=entry.deleted_at,
    )


def merge_export(store: Store, data: Any) -> MergeCounts:
    """Merge the entries of a JSON export (a `core.session.SessionData`) into the same session
    here. The host's clock, remarks and profile stay as they are. StoreError, with nothing
    written, for a session that is not here or is here under another programme."""
    info = data.session
    try:
        here = store.sessions.get(info.id)
    except NotFound:
        raise StoreError(
            f"session {info.id!r} is not in this database: --merge adds a note-taker's log to "
            "a session that is; import it without --merge"
        ) from None
    if here.programme_id != info.programme.id:
        raise StoreError(
            f"session {info.id!r} here follows programme {here.programme_id!r}, the file "
            f"{info.programme.id!r}: not the same session, nothing merged"
        )
    states = []
    for e in data.entries:
        e.session_id = info.id
        states.append(state_from_export(e, data.history.get(e.id, [])))
    return apply_states(store, info.id, states)
