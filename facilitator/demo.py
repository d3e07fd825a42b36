"""The sample session of `facilitator demo`: a programme, a place, the first block running."""

from __future__ import annotations

from datetime import datetime

from facilitator.core.clock import START
from facilitator.core.programme import Programme
from facilitator.store import Store


def seed_demo(store: Store, programme: Programme, now: datetime) -> str:
    """Create the demo session, start its first block and return its id."""
    session_id = store.create_session(
        programme,
        "Demo",
        now.astimezone().date().isoformat(),
        facilitators=["Demo"],
        expected_participants=20,
        now=now,
    )
    store.add_clock_event(session_id, START, now, {"key": programme.blocks[0].key})
    return session_id
