"""Two people changed one entry: what the entry becomes, by the choice of the one who saves last.

An edit is made on the version its form opened (the base). When the entry changed since then
(another note-taker saved first, or, later, another laptop's copy arrives in a sync), the edit
is not applied silently: the one saving sees the other version and chooses

- `mine`: the entry becomes my version;
- `theirs`: the entry stays as they left it and my edit is dropped;
- `both`: an edit that keeps what each side changed: a field only I changed takes mine, a field
  only they changed keeps theirs, a field we both changed takes mine; tags and links are joined.

Whatever replaces a version keeps it in the entry's history, so `mine` and `both` lose nothing
of theirs. No UI here: the TUI asks, and the sync between laptops will reuse `resolve`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

CHOICES = ("mine", "theirs", "both")


@dataclass(frozen=True)
class Version:
    """An entry's content: the kind's fields, its tags and its links."""

    fields: dict[str, Any]
    tags: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)


def is_stale(opened_revision: int, current_revision: int) -> bool:
    """The entry was saved again after the form (or the other laptop's copy) was opened."""
    return current_revision != opened_revision


def changed_fields(base: Version, other: Version) -> set[str]:
    """The field names whose value differs between two versions."""
    names = set(base.fields) | set(other.fields)
    return {n for n in names if base.fields.get(n) != other.fields.get(n)}


def resolve(choice: str, base: Version, mine: Version, theirs: Version) -> Version | None:
    """What the entry becomes; None when it stays as `theirs` (nothing to write)."""
    if choice not in CHOICES:
        raise ValueError(f"choice must be one of {', '.join(CHOICES)}, not {choice!r}")
    if choice == "theirs":
        return None
    if choice == "mine":
        return mine
    fields = dict(theirs.fields)
    for name in changed_fields(base, mine):
        fields[name] = mine.fields.get(name)
    return Version(
        fields,
        list(dict.fromkeys([*theirs.tags, *mine.tags])),
        list(dict.fromkeys([*theirs.links, *mine.links])),
    )
