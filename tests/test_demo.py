"""The demo's sample data: `facilitator demo --db FILE` can be run again on the same file."""

from __future__ import annotations

import pytest

from facilitator.demo import seed_demo
from facilitator.store import StoreError


def test_the_demo_seeds_again_on_the_same_database(store, programme, clock):
    first = seed_demo(store, programme, clock())
    second = seed_demo(store, programme, clock.advance(minutes=5))  # was an IntegrityError
    assert first != second
    ids = [s.id for s in store.sessions.list()]
    assert len(ids) == 3 and len([i for i in ids if i.startswith("voorbeeld-")]) == 1
    sample = next(i for i in ids if i.startswith("voorbeeld-"))
    assert store.sessions.get(sample).state == "closed"
    assert len(store.remarks.list(sample)) == 4  # seeded once, not twice


def test_a_session_id_already_there_is_a_store_error(store, programme, clock):
    store.sessions.create(programme, "X", "2026-03-01", now=clock(), session_id="x")
    with pytest.raises(StoreError, match="already in this database"):
        store.sessions.create(programme, "Y", "2026-03-01", now=clock(), session_id="x")


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


def test_the_demo_plays_its_day_by_the_clock(store, programme, clock):
    """Read against an injected clock, the autoplay starts each block shortly before its time
    runs out, adds the scripted entries and anonymous remarks, and closes the day."""
    from facilitator.core import clock as ck
    from facilitator.demo import SCRIPT_ENTRIES, Autoplay

    session_id = seed_demo(store, programme, clock())
    play = Autoplay(store, session_id, clock, lead_seconds=60)
    assert play.step() == []  # the first block has only just begun
    starts: dict[str, float] = {}  # block key -> seconds the previous block still had
    done: list[str] = []
    for _ in range(24 * 60 * 2):  # at most a day, half a minute at a time
        state = ck.compute(programme.blocks, store.clock.events(session_id), clock())
        before = state.block_remaining
        did = play.step()
        done += did
        starts.update({d.split(":", 1)[1]: before for d in did if d.startswith("start:")})
        if play.stopped:
            break
        clock.advance(seconds=30)
    assert done[-1] == "close" and store.sessions.get(session_id).state == "closed"
    # Every block after the first was started by the autoplay, in order, before the previous
    # block's time ran out, and no more than the lead (plus one step) before.
    assert list(starts) == [b.key for b in programme.blocks[1:]]
    assert all(0 < left <= 90 for left in starts.values()), starts
    entries = store.entries.list(session_id)
    scripted = [e for e in SCRIPT_ENTRIES if e[0] < len(programme.blocks)]
    assert len(entries) == len(scripted) and {e.author for e in entries} == {"DEMO"}
    assert done.count("remark") >= 1
    remarks = store.remarks.list(session_id)
    assert len(remarks) == done.count("remark")
    # The remark path keeps only a slot and the text: nothing about when or who.
    assert all(
        set(r) <= {"id", "session_id", "slot", "text", "hidden", "released"} for r in remarks
    )
    # Stopped for good: another step does nothing.
    assert play.step() == [] and play.stop() is False


def test_a_stopped_autoplay_writes_nothing(store, programme, clock):
    from facilitator.demo import Autoplay

    session_id = seed_demo(store, programme, clock())
    play = Autoplay(store, session_id, clock, lead_seconds=60)
    assert play.stop() is True
    clock.advance(minutes=programme.blocks[0].minutes + 5)
    assert play.step() == []
    assert len(store.clock.events(session_id)) == 1
    assert store.entries.list(session_id) == []


async def test_the_first_key_stops_the_demo_autoplay(store, programme, clock):
    import asyncio

    from facilitator.tui.app import make_app

    session_id = seed_demo(store, programme, clock())
    app = make_app(
        store,
        session_id=session_id,
        clock=clock,
        demo_speed=60,
        demo_autoplay=True,
        poll_interval=0,
        web={"enabled": False},
    )

    def starts() -> int:
        return sum(e.kind == "start" for e in store.clock.events(session_id))

    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.autoplay is not None and not app.autoplay.stopped
        # Shortly before the first block's time runs out, the autoplay starts the next one.
        clock.advance(minutes=programme.blocks[0].minutes - 1)
        deadline = asyncio.get_running_loop().time() + 30  # generous: a busy machine
        while starts() < 2:
            assert asyncio.get_running_loop().time() < deadline, "the autoplay did not go on"
            await pilot.pause(0.05)
        await pilot.press("z")  # any key
        await pilot.pause()
        assert app.autoplay.stopped
        shown = " ".join(str(n.message) for n in app._notifications)
        assert "Automatisch afspelen gestopt" in shown
        # Past the second block's time too: a stopped autoplay starts nothing more.
        clock.advance(minutes=programme.blocks[1].minutes + 5)
        assert await app.store.call(app.autoplay.step) == []
        assert starts() == 2
