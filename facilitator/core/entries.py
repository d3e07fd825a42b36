"""What note-takers capture: the kinds of entry and the fields each one has."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Field names, as stored in the entries table and as exported in JSON.
TEXT_FIELDS = ("text", "title", "speaker", "source", "level", "photo")


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
        KindSpec("story", ("text",)),
        KindSpec("quote", ("text", "speaker")),
        KindSpec("emblem", ("title", "text", "photo"), required=("title",)),
        KindSpec("design_question", ("text",)),
        KindSpec("rule", ("text", "source")),
        KindSpec("prototype", ("title", "text", "photo"), required=("title",), building_blocks=True),
        KindSpec("advice", ("text", "level"), required=("text", "level"), links=True),
        KindSpec("insight", ("text",)),
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


@dataclass
class Entry:
    """One captured entry, as the store returns it."""

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


def normalise_tag(tag: str) -> str:
    """Tags compare without case or surrounding space; inner spaces become dashes."""
    from facilitator.core.text import clean

    return "-".join(clean(tag).strip().lower().lstrip("#").split())
