"""What note-takers capture: the kinds of entry and the fields each one has."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from facilitator.core.text import clean, one_line

# Field names, as stored in the entries table and as exported in JSON.
TEXT_FIELDS = ("text", "title", "speaker", "source", "level", "photo", "sub_question")
# Kinds that answer one of the session's sub-questions (from its frozen programme), and the kinds
# that a link of each kind points to (an advice or insight to its quotes, a rule to its story).
SUB_QUESTION_KINDS = ("story", "quote", "insight")
LINK_TARGETS = {"advice": ("quote",), "insight": ("quote",), "rule": ("story",)}


@dataclass(frozen=True)
class KindSpec:
    """A kind of entry: its stored name, the fields it uses, and whether its text is required."""

    kind: str
    fields: tuple[str, ...]
    required: tuple[str, ...] = ("text",)
    building_blocks: bool = False
    links: bool = False


KINDS: dict[str, KindSpec] = {
    spec.kind: spec
    for spec in (
        KindSpec("story", ("text", "sub_question")),
        KindSpec("quote", ("text", "speaker", "sub_question")),
        KindSpec("emblem", ("title", "text", "photo"), required=("title",)),
        KindSpec("design_question", ("text",)),
        # `source` is the story as typed before rules linked to it; old entries keep it readable.
        KindSpec("rule", ("text", "source"), links=True),
        KindSpec(
            "prototype", ("title", "text", "photo"), required=("title",), building_blocks=True
        ),
        KindSpec("advice", ("text", "level"), required=("text", "level"), links=True),
        KindSpec("insight", ("title", "text", "sub_question"), links=True),
        KindSpec("observation", ("text",)),
        KindSpec("validation", ("text",)),
    )
}

LEVELS = ("overarching", "national", "local")
# As the report names them, in the order its recommendations tables use.
LEVEL_LABELS_NL = {"overarching": "Overkoepelend", "national": "Landelijk", "local": "Lokaal"}

# The building blocks of a meeting place, as the report's chapter on Verbindende plekken
# names them ("Bouwstenen van de ideale ontmoetingsplek"); a note-taker can add free text too.
BUILDING_BLOCKS = (
    "Een plek met meerdere functies en sociale ingangen",
    "Activiteiten als motor voor verbinding",
    "Herkenbaarheid én openheid voor culturele diversiteit",
    "Een uitnodigende sfeer ontstaat door esthetiek én bereikbaarheid",
    "Verhalen als aanjagers van verandering",
    "Bruggenbouwers maken het verschil",
)


@dataclass(slots=True)
class Entry:
    """One captured entry, as the store returns it (slots: a series holds 70,000 of them)."""

    id: str
    session_id: str
    kind: str
    block_key: str | None
    created_at: str
    updated_at: str
    author: str
    text: str = ""
    title: str = ""
    speaker: str = ""
    source: str = ""
    level: str | None = None
    photo: str = ""
    sub_question: str = ""  # the programme's sub-question it answers, as worded there
    building_blocks: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    revision: int = 1
    deleted_at: str | None = None

    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None

    def fields(self) -> dict[str, Any]:
        """The kind's own fields (text, title, level, ...), as exported."""
        spec = KINDS[self.kind]
        out: dict[str, Any] = {name: getattr(self, name) for name in spec.fields}
        if spec.building_blocks:
            out["building_blocks"] = list(self.building_blocks)
        return out


MAX_TAG = 40  # characters: a tag is a label to group by (the later rode draden), not a sentence


def normalise_tag(tag: str) -> str:
    """Tags compare without case or surrounding space; inner spaces become dashes. (MAX_TAG is
    checked by the capture form; stored and imported tags are kept as they are.)"""
    return "-".join(clean(tag).strip().lower().lstrip("#").split())


def too_long_tags(text: str) -> list[str]:
    """Tags typed in a tag field that are longer than MAX_TAG."""
    return [
        p.strip()
        for p in _TAG_SPLIT.split(text)
        if len("-".join(clean(p).lower().lstrip("#").split())) > MAX_TAG
    ]


# -- capture: what a form holds, tags as typed, safe full-text queries, one-line summaries ------

# Tags are typed separated by commas (or semicolons, or new lines); "#a #b" also splits.
_TAG_SPLIT = re.compile(r"[,;\n]|\s+(?=#)")


def parse_tags(text: str) -> list[str]:
    """The tags typed in a tag field, normalised, without duplicates, in the order typed."""
    return list(dict.fromkeys(t for t in (normalise_tag(p) for p in _TAG_SPLIT.split(text)) if t))


def last_tag_prefix(text: str) -> tuple[str, str]:
    """(what comes before the tag being typed, the tag being typed so far), for completion."""
    current = _TAG_SPLIT.split(text)[-1]
    return text[: len(text) - len(current)], current


def fts_query(text: str) -> str | None:
    """A safe SQLite FTS5 MATCH expression for what a person typed in a search box.

    Every whitespace-separated word becomes a quoted string (so AND, NEAR, quotes, brackets,
    colons and stars are searched for, never obeyed) and all must match; the last word is a
    prefix while the person is still typing it. None when nothing searchable was typed (only
    punctuation or emoji): the caller then falls back to a plain substring match.
    """
    cleaned = clean(text)
    words = [w for w in cleaned.split() if any(ch.isalnum() for ch in w)]
    if not words:
        return None
    terms = ['"' + w.replace('"', '""') + '"' for w in words]
    if not cleaned[-1].isspace():
        terms[-1] += "*"
    return " ".join(terms)


def _comparable(name: str, value: Any) -> Any:
    """A field value as the store keeps it (cleaned text, building blocks without blanks)."""
    if name == "building_blocks":
        return [b for b in (clean(str(v)).strip() for v in value or []) if b]
    if name == "level":
        return value or None
    return clean(str(value or "")).strip()


@dataclass
class Capture:
    """What a capture form holds (also the content of a draft): fields, tags as typed, links."""

    kind: str
    fields: dict[str, Any] = field(default_factory=dict)
    tag_text: str = ""
    links: list[str] = field(default_factory=list)

    @property
    def tags(self) -> list[str]:
        return parse_tags(self.tag_text)

    def missing(self) -> list[str]:
        """Required fields that are still empty."""
        return [n for n in KINDS[self.kind].required if not str(self.fields.get(n) or "").strip()]

    def is_blank(self) -> bool:
        """Nothing typed or chosen yet: a form that can close without asking."""
        for value in self.fields.values():
            if isinstance(value, str) and value.strip():
                return False
            if isinstance(value, list | tuple) and value:
                return False
        return not self.tag_text.strip() and not self.links

    def store_fields(self) -> dict[str, Any]:
        """The kind's own fields as `Entries.add` takes them (an unset level left out)."""
        spec = KINDS[self.kind]
        out: dict[str, Any] = {}
        for name in spec.fields:
            value = self.fields.get(name)
            if name == "level":
                if value:
                    out[name] = value
            else:
                out[name] = "" if value is None else str(value)
        if spec.building_blocks:
            out["building_blocks"] = [str(b) for b in self.fields.get("building_blocks") or []]
        return out

    def same_as(self, entry: Entry) -> bool:
        """True when saving this over `entry` would change nothing (an edit with no edits)."""
        new = self.store_fields()
        for name, old in entry.fields().items():
            if _comparable(name, new.get(name, old)) != _comparable(name, old):
                return False
        return sorted(entry.tags) == sorted(self.tags) and sorted(entry.links) == sorted(self.links)

    def equivalent(self, other: Capture) -> bool:
        """Both would save the same entry (tags compared as tags, text as the store keeps it)."""
        if self.kind != other.kind:
            return False
        mine, theirs = self.store_fields(), other.store_fields()
        return (
            all(
                _comparable(k, mine.get(k)) == _comparable(k, theirs.get(k))
                for k in {*mine, *theirs}
            )
            and sorted(self.tags) == sorted(other.tags)
            and sorted(self.links) == sorted(other.links)
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "fields": dict(self.fields),
            "tag_text": self.tag_text,
            "links": list(self.links),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Capture:
        """A capture from a draft's JSON; ValueError when it names no known kind."""
        kind = str(data.get("kind") or "")
        if kind not in KINDS:
            raise ValueError(f"unknown entry kind {kind!r}")
        fields = data.get("fields")
        return cls(
            kind=kind,
            fields=dict(fields) if isinstance(fields, dict) else {},
            tag_text=str(data.get("tag_text") or ""),
            links=[str(x) for x in data.get("links") or []],
        )

    @classmethod
    def from_entry(cls, entry: Entry) -> Capture:
        return cls(entry.kind, entry.fields(), ", ".join(entry.tags), list(entry.links))


def summary(entry: Entry | Capture, limit: int | None = None) -> str:
    """One line that identifies an entry in a list, its words as typed (flattened)."""
    f = entry.fields() if isinstance(entry, Entry) else entry.fields
    text = one_line(str(f.get("text") or ""))
    title = one_line(str(f.get("title") or ""))
    if entry.kind == "quote":
        line = f"“{text}”"
        if str(f.get("speaker") or "").strip():
            line += f" — {one_line(str(f['speaker']))}"
    elif title:
        line = f"{title} — {text}" if text else title
    elif entry.kind == "advice" and f.get("level") in LEVEL_LABELS_NL:
        line = f"{LEVEL_LABELS_NL[f['level']]}: {text}"
    else:
        line = text
    return one_line(line, limit)
