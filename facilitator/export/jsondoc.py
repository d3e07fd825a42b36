"""The JSON export of a session (the contract in DESIGN.md) and the way back for `import`.

`to_doc` gives the contract's object; `from_doc` checks one and turns it into the `SessionData`
that `Transfer.import_session` restores. Beyond the contract's keys the export carries what a
faithful restore needs: per block its `key`, `work_forms`, `prompts` and whether it was an
`inserted` (unplanned) break; per entry `updated_at` and `history` (its earlier versions); the
session's `description`, `facilitators`, `expected_participants` and `created_at`; and the
facilitator's `clock_events`. Export -> import -> export gives the same JSON.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from facilitator.core import clock as ck
from facilitator.core.clock import ClockEvent
from facilitator.core.entries import KINDS, LEVELS, TEXT_FIELDS, Entry
from facilitator.core.participants import MAX_COUNT
from facilitator.core.programme import BLOCK_KINDS, MAX_MINUTES, Block, Programme
from facilitator.core.report import FORMAT_VERSION, SessionReport
from facilitator.core.session import Remark, SessionData, SessionInfo, remark_order
from facilitator.core.text import clean
from facilitator.core.timeutil import DEFAULT_ZONE, check_zone, iso, parse_iso

STATES = ("planned", "running", "closed")
# The keys of an exported entry beside its kind's own fields (KindSpec.fields).
ENTRY_KEYS = (
    "id",
    "kind",
    "block",
    "created_at",
    "updated_at",
    "author",
    "tags",
    "links",
    "revisions",
    "history",
)
# An import file larger than this is refused before it is read: a session of 10,000 entries
# exports to about 7 MB, so this leaves room for a dozen of those in one file.
MAX_IMPORT_BYTES = 100 * 1024 * 1024  # 100 MiB
MAX_REVISIONS = 1_000_000  # more edits than anyone makes; far below what SQLite can store


class DocError(ValueError):
    """A JSON document that is not a facilitator export; the message names the place."""


def _iso(dt: datetime | None) -> str | None:
    return iso(dt) if dt is not None else None


def to_doc(report: SessionReport, step: Callable[[], None] | None = None) -> dict[str, Any]:
    """The complete session as one object, in the contract's shape."""
    data = report.data
    info = data.session
    prog = info.programme
    present = {e.id for e in data.entries}
    entries = []
    for e in data.entries:
        entries.append(
            {
                "id": e.id,
                "kind": e.kind,
                "block": report.block_index(e),
                "created_at": e.created_at,
                "updated_at": e.updated_at,
                "author": e.author,
                **e.fields(),
                "tags": list(e.tags),
                "links": [t for t in e.links if t in present],
                "revisions": e.revision - 1,
                "history": data.history.get(e.id, []),
            }
        )
        if step is not None:
            step()
    return {
        "format_version": FORMAT_VERSION,
        "session": {
            "id": info.id,
            "programme": prog.id,
            "theme": prog.theme,
            "main_question": prog.main_question,
            "sub_questions": list(prog.sub_questions),
            "place": info.place,
            "date": info.date,
            "state": report.clock.state,
            "description": prog.description,
            "facilitators": list(info.facilitators),
            "expected_participants": info.expected_participants,
            "created_at": info.created_at,
            "timezone": info.timezone,
        },
        "blocks": [
            {
                "kind": b.block.kind,
                "phase": b.block.phase,
                "name": b.name,
                "minutes": b.block.minutes,
                "started_at": _iso(b.started_at),
                "ended_at": _iso(b.ended_at),
                "key": b.key,
                "work_forms": list(b.block.work_forms),
                "prompts": list(b.block.prompts),
                "inserted": b.inserted,
            }
            for b in report.blocks
        ],
        "entries": entries,
        "remarks": [{"slot": r.slot, "text": r.text, "hidden": r.hidden} for r in data.remarks],
        "participants": data.participants,
        "clock_events": [
            {"at": iso(ev.at), "kind": ev.kind, "data": ev.data} for ev in data.clock_events
        ],
    }


def dumps(doc: dict[str, Any]) -> str:
    """The export as text: UTF-8 as is, indented, keys in the contract's order."""
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


# -- reading an export back ------------------------------------------------------------------


def _need(
    obj: Any, key: str, kind: type | tuple[type, ...], where: str, *, null: bool = False
) -> Any:
    if not isinstance(obj, dict) or key not in obj:
        raise DocError(f"{where}: missing {key!r}")
    value = obj[key]
    if value is None and null:
        return None
    if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
        raise DocError(f"{where}.{key}: expected {_name(kind)}, not {value!r}")
    if not isinstance(value, kind):
        raise DocError(f"{where}.{key}: expected {_name(kind)}, not {type(value).__name__}")
    return value


def _name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(
        {
            str: "text",
            int: "a whole number",
            list: "a list",
            dict: "an object",
            bool: "true/false",
        }.get(k, k.__name__)
        for k in kinds
    )


def _strings(obj: Any, key: str, where: str, *, default: list[str] | None = None) -> list[str]:
    if default is not None and (not isinstance(obj, dict) or key not in obj):
        return default
    value = _need(obj, key, list, where)
    if not all(isinstance(v, str) for v in value):
        raise DocError(f"{where}.{key}: expected a list of texts")
    return list(value)


def _text(obj: Any, key: str, where: str) -> str:
    """A text field as the store keeps typed text: control characters a terminal acts on removed."""
    return clean(_need(obj, key, str, where))


def _ident(value: str, where: str) -> str:
    """An id or key is shown and printed as it is: one with control characters is refused."""
    if clean(value) != value or "\n" in value or "\t" in value:
        raise DocError(f"{where}: {value!r} has control characters or line breaks")
    return value


def _version(v: dict[str, Any], where: str) -> dict[str, Any]:
    """An earlier version of an entry, checked like the entry itself (the history view shows it)."""
    out = dict(v)
    for name in TEXT_FIELDS:
        if name == "level":
            if v.get(name) is not None and v[name] not in LEVELS:
                raise DocError(f"{where}.level: one of {', '.join(LEVELS)}, not {v[name]!r}")
        elif name in v:
            out[name] = _text(v, name, where)
    for name in ("tags", "links", "building_blocks"):
        if name in v:
            out[name] = [clean(x) for x in _strings(v, name, where)]
    if v.get("updated_at") is not None:
        out["updated_at"] = _stamp(v["updated_at"], f"{where}.updated_at")
    out["saved_at"] = _stamp(v.get("saved_at"), f"{where}.saved_at")
    return out


def _stamp(value: Any, where: str) -> str:
    """A time as the store keeps it (UTC, one format), so times sort as text in their order."""
    return iso(_time(value, where))


def _time(value: Any, where: str) -> datetime:
    if not isinstance(value, str):
        raise DocError(f"{where}: expected an ISO-8601 time, not {value!r}")
    try:
        return parse_iso(value)
    except ValueError:
        raise DocError(f"{where}: {value!r} is not an ISO-8601 time") from None


def from_doc(doc: Any) -> SessionData:
    """Check an export and turn it into what `Transfer.import_session` restores; DocError if wrong."""
    from facilitator.store import FieldError
    from facilitator.store.entries import check_fields

    if not isinstance(doc, dict):
        raise DocError("expected a JSON object (a facilitator session export)")
    version = _need(doc, "format_version", int, "export")
    if version > FORMAT_VERSION:
        raise DocError(
            f"format_version {version} was written by a newer facilitator "
            f"(this one reads up to {FORMAT_VERSION}); upgrade facilitator"
        )
    if version < 1:
        raise DocError(f"format_version {version} is not a facilitator export")
    s = _need(doc, "session", dict, "export")
    session_id = _ident(_need(s, "id", str, "session").strip(), "session.id")
    if not session_id:
        raise DocError("session.id is empty")

    raw_blocks = _need(doc, "blocks", list, "export")
    blocks: list[Block] = []
    keys: list[str] = []
    for i, b in enumerate(raw_blocks):
        where = f"blocks[{i}]"
        kind = _need(b, "kind", str, where)
        if kind not in BLOCK_KINDS:
            raise DocError(f"{where}.kind: must be one of {', '.join(BLOCK_KINDS)}, not {kind!r}")
        phase = _need(b, "phase", int, where, null=True)
        if (kind == "phase") != (phase is not None) or (
            phase is not None and phase not in (1, 2, 3, 4)
        ):
            raise DocError(f"{where}.phase: 1-4 for a phase, null otherwise")
        minutes = _need(b, "minutes", int, where)
        if not 0 < minutes <= MAX_MINUTES:
            raise DocError(f"{where}.minutes: must be from 1 to {MAX_MINUTES}")
        key = b.get("key", f"b{i + 1:02d}")
        if not isinstance(key, str) or not key or key in keys:
            raise DocError(f"{where}.key: must be a text used by one block only")
        _ident(key, f"{where}.key")
        keys.append(key)
        for name in ("started_at", "ended_at"):
            if b.get(name) is not None:
                _time(b[name], f"{where}.{name}")
        block = Block(
            key=key,
            kind=kind,
            name=_text(b, "name", where),
            minutes=minutes,
            phase=phase,
            work_forms=tuple(clean(x) for x in _strings(b, "work_forms", where, default=[])),
            prompts=tuple(clean(x) for x in _strings(b, "prompts", where, default=[])),
        )
        if not b.get("inserted", False):
            blocks.append(block)
    programme = Programme(
        id=_ident(_need(s, "programme", str, "session"), "session.programme"),
        file="",
        theme=_text(s, "theme", "session"),
        main_question=_text(s, "main_question", "session"),
        sub_questions=[clean(q) for q in _strings(s, "sub_questions", "session")],
        description=clean(s["description"]) if isinstance(s.get("description"), str) else "",
        blocks=blocks,
    )
    created_at = s.get("created_at")
    if created_at is not None:
        created_at = _stamp(created_at, "session.created_at")
    expected = s.get("expected_participants")
    if expected is not None and (
        isinstance(expected, bool)
        or not isinstance(expected, int)
        or not 0 <= expected <= MAX_COUNT
    ):
        raise DocError(
            f"session.expected_participants: a whole number from 0 to {MAX_COUNT}, or null"
        )
    state = _need(s, "state", str, "session")
    if state not in STATES:
        raise DocError(f"session.state: must be one of {', '.join(STATES)}, not {state!r}")

    if "clock_events" in doc:
        events = []
        for i, ev in enumerate(_need(doc, "clock_events", list, "export")):
            where = f"clock_events[{i}]"
            kind = _need(ev, "kind", str, where)
            data = _need(ev, "data", dict, where)
            problem = ck.check_event(kind, data)
            if problem is not None:
                raise DocError(f"{where}: {problem}")
            if isinstance(data.get("name"), str):  # an extra break's name, shown on the agenda
                data = {**data, "name": clean(data["name"])}
            events.append(ClockEvent(i + 1, _time(ev.get("at"), f"{where}.at"), kind, dict(data)))
    else:
        events = _events_from_blocks(raw_blocks, keys, state)
    first_time = min((ev.at for ev in events), default=None)
    timezone = s.get("timezone", DEFAULT_ZONE)
    if not isinstance(timezone, str):
        raise DocError(f"session.timezone: expected text, not {timezone!r}")
    try:
        timezone = check_zone(clean(timezone))
    except ValueError as exc:
        raise DocError(f"session.timezone: {exc}") from None
    info = SessionInfo(
        id=session_id,
        programme=programme,
        place=_need(s, "place", str, "session"),
        date=_need(s, "date", str, "session"),
        facilitators=_strings(s, "facilitators", "session", default=[]),
        expected_participants=expected,
        state=state,
        created_at=created_at or iso(first_time or datetime.now().astimezone()),
        remark_token="",
        timezone=timezone,
    )

    entries: list[Entry] = []
    history: dict[str, list[dict[str, Any]]] = {}
    seen: set[str] = set()
    for i, e in enumerate(_need(doc, "entries", list, "export")):
        where = f"entries[{i}]"
        entry_id = _ident(_need(e, "id", str, where), f"{where}.id")
        if not entry_id or entry_id in seen:
            raise DocError(f"{where}.id: empty or used twice")
        seen.add(entry_id)
        kind = _need(e, "kind", str, where)
        spec = KINDS.get(kind)
        if spec is None:
            raise DocError(f"{where}.kind: unknown kind {kind!r} (known: {', '.join(KINDS)})")
        known = {*ENTRY_KEYS, *spec.fields, *(("building_blocks",) if spec.building_blocks else ())}
        unknown = [k for k in e if k not in known]
        if unknown:
            raise DocError(
                f"{where}.{unknown[0]}: {'an' if kind[:1] in 'aeiou' else 'a'} "
                f"{kind.replace('_', ' ')} has no field {unknown[0]!r} "
                f"(it has {', '.join(sorted(known))})"
            )
        index = _need(e, "block", int, where, null=True)
        if index is not None and not 0 <= index < len(raw_blocks):
            raise DocError(f"{where}.block: no block {index} (there are {len(raw_blocks)})")
        created = _stamp(_need(e, "created_at", str, where), f"{where}.created_at")
        updated = _stamp(e.get("updated_at", created), f"{where}.updated_at")
        revisions = e.get("revisions", 0)
        if (
            isinstance(revisions, bool)
            or not isinstance(revisions, int)
            or not 0 <= revisions <= MAX_REVISIONS
        ):
            raise DocError(f"{where}.revisions: a whole number from 0 to {MAX_REVISIONS}")
        values: dict[str, Any] = {}
        for name in spec.fields:
            if name in e:
                values[name] = e[name]
        if spec.building_blocks:
            values["building_blocks"] = _strings(e, "building_blocks", where, default=[])
        for name in TEXT_FIELDS:
            if name in values and name != "level" and not isinstance(values[name], str):
                raise DocError(f"{where}.{name}: expected text")
        try:
            check_fields(kind, values)  # what the store would refuse, said with its place
        except FieldError as exc:
            raise DocError(f"{where}.{exc.field}: {exc}") from None
        if "author" in e and not isinstance(e["author"], str):
            raise DocError(f"{where}.author: expected text")
        versions = e.get("history", [])
        if not isinstance(versions, list):
            raise DocError(f"{where}.history: expected a list")
        numbers = set()
        for j, v in enumerate(versions):
            n = _need(v, "revision", int, f"{where}.history[{j}]")
            if n in numbers or not 1 <= n <= revisions:
                raise DocError(f"{where}.history[{j}].revision: 1 to {revisions}, each once")
            numbers.add(n)
            _time(v.get("saved_at"), f"{where}.history[{j}].saved_at")
        versions = [_version(v, f"{where}.history[{j}]") for j, v in enumerate(versions)]
        if versions:
            history[entry_id] = versions
        entries.append(
            Entry(
                id=entry_id,
                session_id=session_id,
                kind=kind,
                block_key=keys[index] if index is not None else None,
                created_at=created,
                updated_at=updated,
                author=e.get("author") if isinstance(e.get("author"), str) else "",
                tags=_strings(e, "tags", where, default=[]),
                links=_strings(e, "links", where, default=[]),
                revision=revisions + 1,
                **values,
            )
        )

    remarks = []
    for i, r in enumerate(_need(doc, "remarks", list, "export")):
        where = f"remarks[{i}]"
        hidden = r.get("hidden", False) if isinstance(r, dict) else False
        if not isinstance(hidden, bool):  # "no" would hide it: true or false only
            raise DocError(f"{where}.hidden: expected true/false, not {hidden!r}")
        remarks.append(Remark(_need(r, "slot", str, where), _need(r, "text", str, where), hidden))
    participants = _need(doc, "participants", dict, "export")
    names = [b["name"] for b in raw_blocks]
    return SessionData(
        session=info,
        clock_events=events,
        entries=entries,
        history=history,
        remarks=remark_order(names, remarks),
        participants=participants,
    )


def _events_from_blocks(
    raw_blocks: list[dict[str, Any]], keys: list[str], state: str
) -> list[ClockEvent]:
    """Start events from the blocks' times, for an export that carries no clock_events."""
    events: list[ClockEvent] = []
    started = sorted(
        (parse_iso(b["started_at"]), key)
        for b, key in zip(raw_blocks, keys, strict=True)
        if b.get("started_at") and not b.get("inserted")
    )
    for at, key in started:
        events.append(ClockEvent(len(events) + 1, at, ck.START, {"key": key}))
    ends = [parse_iso(b["ended_at"]) for b in raw_blocks if b.get("ended_at")]
    if state == "closed" and ends:
        events.append(ClockEvent(len(events) + 1, max(ends), ck.CLOSE, {}))
    return events


def loads(text: str) -> SessionData:
    """Parse an export's text; DocError with the reason when it is not one."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DocError(
            f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    except RecursionError:
        raise DocError("not a facilitator export: its JSON is nested far too deeply") from None
    try:
        # "\ud800" is valid JSON but no text: SQLite could not store it (UTF-8 has no surrogates).
        json.dumps(doc, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        bad = exc.object[exc.start : exc.end].encode("unicode_escape").decode()
        raise DocError(f"not text as facilitator exports it: a lone surrogate {bad}") from None
    return from_doc(doc)
