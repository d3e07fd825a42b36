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


@pytest.mark.parametrize("throwaway", [True, False])
async def test_the_demo_hint_says_the_database_goes_only_when_it_does(
    store, programme, clock, throwaway
):
    from facilitator.tui.app import make_app

    session_id = seed_demo(store, programme, clock())
    app = make_app(
        store,
        session_id=session_id,
        clock=clock,
        demo_speed=60,
        demo_throwaway=throwaway,
        poll_interval=0,
        web={"enabled": False},
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.pause()
        shown = " ".join(str(n.message) for n in app._notifications)
    assert "60x sneller" in shown
    assert ("De demodatabase verdwijnt" in shown) is throwaway
