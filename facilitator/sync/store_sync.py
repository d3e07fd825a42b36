"""Syncing's logic over the store: pairing codes made and typed, entry states tidied and checked
before they are merged, the clock on the wire, a laptop's JSON export merged on the host.

The tables are the store's (`store.sync`, facilitator/store/sync.py), like every other table;
this module holds no SQL, and callers read those tables through `store.sync` themselves.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from facilitator.core.clock import ClockEvent
from facilitator.core.entries import KINDS, normalise_tag
from facilitator.core.merge import EntryState, Version, make_state
from facilitator.core.text import clean
from facilitator.core.timeutil import iso, parse_iso
from facilitator.store import NotFound, Store, StoreError
from facilitator.store.sync import CODE_MINUTES, CODE_TRIES, MergeCounts, PairingError, content

__all__ = [
    "CODE_ALPHABET",
    "CODE_MINUTES",
    "CODE_TRIES",
    "MergeCounts",
    "PairingError",
    "apply_states",
    "clock_wire",
    "code_session",
    "merge_export",
    "new_pairing_code",
    "normalise_code",
    "redeem_code",
    "replace_clock",
    "state_from_export",
]

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud or typed over


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


# -- entry states ----------------------------------------------------------------------------


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
    states = [_normalise(state) for state in states]
    for state in states:
        _check_state(state, session_id)
    return store.sync.apply_states(session_id, states, from_host=from_host)


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
    """Put the host's clock events (as `clock_wire` sends them) in place of this laptop's copy
    (renumbered for this database, `undoes` following); False when the copy was current
    already. An event that does not read leaves the copy as it was (ValueError, KeyError)."""
    read = (
        ClockEvent(
            int(ev["seq"]), parse_iso(str(ev["at"])), str(ev["kind"]), dict(ev.get("data") or {})
        )
        for ev in events
    )
    return store.sync.replace_clock(session_id, host_seq, read)


# -- the host: pairing codes -------------------------------------------------------------------


def new_pairing_code(store: Store, session_id: str, *, now: datetime) -> str:
    """A fresh single-use code (XXXX-XXXX) for SESSION; only its hash is stored."""
    store.sessions.get(session_id)
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    store.sync.add_code(session_id, raw, now=now)
    return f"{raw[:4]}-{raw[4:]}"


def redeem_code(
    store: Store, session_id: str, code: str, author: str, *, now: datetime
) -> tuple[str, str]:
    """Pair a laptop: (its device id, its secret token). PairingError when the code is wrong,
    expired, used, or the open codes saw too many wrong tries (each wrong try counts against
    every open code of the session; a code tried without its session, typed as host, port and
    code, counts against every open code)."""
    token = secrets.token_urlsafe(32)
    device = store.sync.redeem_code(session_id, normalise_code(code), author, token, now=now)
    return device, token


def code_session(store: Store, code: str) -> str | None:
    """The session a pairing code was made for (any state), for a code typed without it."""
    return store.sync.code_session(normalise_code(code))


# -- a laptop's JSON export merged on the host (`facilitator import FILE --merge`) -------------


def state_from_export(entry: Any, history: list[dict[str, Any]]) -> EntryState:
    """An entry of a JSON export (`core.entries.Entry` and its earlier versions) as a state."""
    versions = [Version.make(entry.updated_at, content(entry.fields(), entry.tags, entry.links))]
    for old in history:
        kept = {k: v for k, v in old.items() if k not in ("revision", "saved_at", "updated_at")}
        versions.append(Version.make(old.get("updated_at") or entry.created_at, kept))
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
