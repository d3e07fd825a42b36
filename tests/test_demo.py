"""The demo's sample data: `facilitator demo --db FILE` can be run again on the same file."""

from __future__ import annotations

import pytest

from facilitator.demo import seed_demo
from facilitator.store import StoreError


def test_the_demo_seeds_again_on_the_same_database(store, programme, clock):
    first = seed_demo(store, programme, clock())
    second = seed_demo(store, programme, clock.advance(minutes=5))  # was an IntegrityError
    assert first != second
    ids = [s.id for s in store.list_sessions()]
    assert len(ids) == 3 and len([i for i in ids if i.startswith("voorbeeld-")]) == 1
    sample = next(i for i in ids if i.startswith("voorbeeld-"))
    assert store.get_session(sample).state == "closed"
    assert len(store.list_remarks(sample)) == 4  # seeded once, not twice


def test_a_session_id_already_there_is_a_store_error(store, programme, clock):
    store.create_session(programme, "X", "2026-03-01", now=clock(), session_id="x")
    with pytest.raises(StoreError, match="already in this database"):
        store.create_session(programme, "Y", "2026-03-01", now=clock(), session_id="x")
