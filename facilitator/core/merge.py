"""Merging two copies of the same entry (note-takers' laptops and the host): pure, no I/O.

An entry's state is seen as a set of versions (its current content and every earlier one) plus
a delete flag stamped with the time it last changed. Merging two states:

- the versions are united (a version is its content and the time it was saved; the same version
  on both sides counts once), so nothing typed on either side is lost;
- the current version is the latest by `updated_at`, ties broken by a hash of the content, so
  both sides pick the same one; every other version is history, oldest first;
- deleted or not: the side whose delete or restore happened last wins (ties: deleted wins);
- who made it, when, its kind and block: from the side with the earliest creation (they are the
  same on both sides unless an entry id was reused by hand; then the choice is still the same
  on both sides).

The merge is commutative, associative and idempotent (a join), so any order of syncs and
re-syncs ends in the same state on every laptop, and merging the same thing twice changes
nothing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from typing import Any

# What is fixed when an entry is made; the rest (fields, tags, links) is its content.
FIXED = ("session_id", "kind", "block_key", "created_at", "author")


def _canon(content: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in content.items():
        if key in ("tags", "links"):
            out[key] = sorted(dict.fromkeys(str(v) for v in value or []))
        elif key == "building_blocks":
            out[key] = [str(v) for v in value or []]
        else:
            out[key] = value
    return out


@dataclass(frozen=True)
class Version:
    """One saved version of an entry: its content (fields, tags, links) and when it was saved."""

    updated_at: str
    content_json: str  # canonical JSON of the content, so versions compare and hash exactly

    @classmethod
    def make(cls, updated_at: str, content: dict[str, Any]) -> Version:
        text = json.dumps(_canon(content), ensure_ascii=False, sort_keys=True)
        return cls(updated_at, text)

    @property
    def content(self) -> dict[str, Any]:
        return json.loads(self.content_json)

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.content_json.encode("utf-8")).hexdigest()

    def order(self) -> tuple[str, str]:
        """Later edits sort last; at the same millisecond the content's hash decides."""
        return (self.updated_at, self.digest)


@dataclass(frozen=True)
class EntryState:
    """Everything about an entry that travels between laptops."""

    id: str
    fixed: tuple[tuple[str, Any], ...]  # FIXED names and values, in that order
    versions: tuple[Version, ...]  # oldest first; the last one is current
    deleted_at: str | None = None
    deleted_changed_at: str | None = None  # when it was last deleted or restored

    @property
    def current(self) -> Version:
        return self.versions[-1]

    @property
    def revision(self) -> int:
        return len(self.versions)

    def fixed_dict(self) -> dict[str, Any]:
        return dict(self.fixed)

    def history(self) -> list[dict[str, Any]]:
        """Earlier versions as the store keeps them: revision n replaced at version n+1's time."""
        out = []
        for n, (version, after) in enumerate(
            zip(self.versions, self.versions[1:], strict=False), start=1
        ):
            out.append(
                {
                    "revision": n,
                    "saved_at": after.updated_at,
                    "updated_at": version.updated_at,
                    **version.content,
                }
            )
        return out

    # -- the wire format (JSON) --

    def to_wire(self) -> dict[str, Any]:
        return {
            "id": self.id,
            **self.fixed_dict(),
            "versions": [[v.updated_at, v.content] for v in self.versions],
            "deleted_at": self.deleted_at,
            "deleted_changed_at": self.deleted_changed_at,
        }

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> EntryState:
        """The inverse of `to_wire`; ValueError when the shape is wrong."""
        if not isinstance(data, dict) or not isinstance(data.get("id"), str):
            raise ValueError("an entry needs an id")
        versions = data.get("versions")
        if not isinstance(versions, list) or not versions:
            raise ValueError(f"entry {data['id']!r} has no versions")
        made = []
        for item in versions:
            if (
                not isinstance(item, list)
                or len(item) != 2
                or not isinstance(item[0], str)
                or not isinstance(item[1], dict)
            ):
                raise ValueError(f"entry {data['id']!r}: a version is [updated_at, content]")
            made.append(Version.make(item[0], item[1]))
        for key in ("deleted_at", "deleted_changed_at"):
            if data.get(key) is not None and not isinstance(data[key], str):
                raise ValueError(f"entry {data['id']!r}: {key} is a time or null")
        return make_state(
            data["id"],
            {k: data.get(k) for k in FIXED},
            made,
            deleted_at=data.get("deleted_at"),
            deleted_changed_at=data.get("deleted_changed_at"),
        )


def make_state(
    entry_id: str,
    fixed: dict[str, Any],
    versions: list[Version],
    *,
    deleted_at: str | None = None,
    deleted_changed_at: str | None = None,
) -> EntryState:
    """A state in normal form: versions unique and in order, the delete stamp filled in."""
    unique = sorted(set(versions), key=Version.order)
    if not unique:
        raise ValueError(f"entry {entry_id!r} has no versions")
    if deleted_at is not None and deleted_changed_at is None:
        deleted_changed_at = deleted_at
    return EntryState(
        id=entry_id,
        fixed=tuple((k, fixed.get(k)) for k in FIXED),
        versions=tuple(unique),
        deleted_at=deleted_at,
        deleted_changed_at=deleted_changed_at,
    )


def _delete_order(s: EntryState) -> tuple[str, int, str]:
    return (s.deleted_changed_at or "", 1 if s.deleted_at is not None else 0, s.deleted_at or "")


def _fixed_order(s: EntryState) -> tuple[str, str]:
    return (str(s.fixed_dict().get("created_at") or ""), json.dumps(s.fixed, default=str))


def merge(a: EntryState, b: EntryState) -> EntryState:
    """The join of two states of the same entry (see the module's docstring)."""
    if a.id != b.id:
        raise ValueError(f"cannot merge entry {a.id!r} with entry {b.id!r}")
    if a == b:
        return a
    fixed = min(a, b, key=_fixed_order).fixed
    gone = max(a, b, key=_delete_order)
    merged = make_state(
        a.id,
        dict(fixed),
        [*a.versions, *b.versions],
        deleted_at=gone.deleted_at,
        deleted_changed_at=gone.deleted_changed_at,
    )
    return replace(merged, fixed=fixed)


def merge_all(states: list[EntryState]) -> dict[str, EntryState]:
    """Many states (of many entries), each id merged into one."""
    out: dict[str, EntryState] = {}
    for state in states:
        out[state.id] = merge(out[state.id], state) if state.id in out else state
    return out
