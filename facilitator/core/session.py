"""A session as data: its row (`SessionInfo`) and everything about it in one object
(`SessionData`), what the store loads (`store.transfer.load`), a JSON export carries, an import
restores and the report is built from. No database here: the store fills these in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from facilitator.core.clock import ClockEvent
from facilitator.core.entries import Entry
from facilitator.core.participants import Profile
from facilitator.core.programme import Programme


@dataclass
class SessionInfo:
    """A session row with its frozen programme."""

    id: str
    programme: Programme
    place: str
    date: str
    facilitators: list[str]
    expected_participants: int | None
    state: str
    created_at: str
    remark_token: str
    timezone: str = "Europe/Amsterdam"  # the session's own clock: reports print times in it

    @property
    def programme_id(self) -> str:
        return self.programme.id


@dataclass(frozen=True)
class Remark:
    """An anonymous remark: its slot (a block's name), its text, and whether it was hidden."""

    slot: str
    text: str
    hidden: bool


@dataclass
class SessionData:
    """Everything the store holds about one session: what a JSON export carries and an import
    restores."""

    session: SessionInfo
    clock_events: list[ClockEvent]
    entries: list[Entry]  # not deleted, in the order they were captured
    history: dict[str, list[dict[str, Any]]]  # earlier versions per entry id, oldest first
    remarks: list[Remark]  # by slot and text: an order unrelated to arrival
    participants: Profile


def remark_order(blocks: list[str], remarks: list[Remark]) -> list[Remark]:
    """Remarks by slot (in agenda order) then by text, so nothing follows the order they came in."""
    pos = {name: i for i, name in reversed(list(enumerate(blocks)))}
    return sorted(remarks, key=lambda r: (pos.get(r.slot, len(pos)), r.slot, r.text, r.hidden))
