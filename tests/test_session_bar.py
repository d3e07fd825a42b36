"""The session bar on top of the run screen: the expected (or actual) end and how late the day
runs, in the figures a reader sees, and still whole in a small terminal."""

from __future__ import annotations

from datetime import timedelta

import pytest

from facilitator import i18n
from facilitator.core import clock as ck
from facilitator.tui.app import make_app
from facilitator.tui.widgets.session_bar import SessionBar, end_text, late_minutes, shown_minute


def _start(store, session_id, clock, key: str, *, after: float = 0) -> None:
    clock.advance(after)
    store.clock.add(session_id, ck.START, clock(), {"key": key})


def _state(store, session_id, clock, programme) -> ck.ClockState:
    return ck.compute(programme.blocks, store.clock.events(session_id), clock())


def _welcome_then_phase_one(store, session_id, clock, first: float, second: float) -> None:
    """The welcome starts `first` seconds after 9:00, phase 1 `second` seconds after that."""
    _start(store, session_id, clock, "welkom", after=first)
    _start(store, session_id, clock, "fase1", after=second)


@pytest.mark.parametrize(
    ("first", "second", "shown", "drift", "minutes"),
    [
        # Planned end 13:30:40, expected 13:29:10: 1.5 min early, but 13:30 - 13:29 is 1.
        (40, 18 * 60 + 30, "13:29", "1 min voor", -1),
        # 13:30:50 and 13:30:10: 40 seconds early, both show 13:30: on time.
        (50, 19 * 60 + 20, "13:30", "op tijd", 0),
        # 13:30:10 and 13:31:50: 1 min 40 late, and 13:31 - 13:30 is 1.
        (10, 21 * 60 + 40, "13:31", "1 min uitloop", 1),
        # 13:30:59 and 13:41:00: 10 min 1 s late, 13:41 - 13:30 is 11.
        (59, 30 * 60 + 1, "13:41", "11 min uitloop", 11),
    ],
)
def test_minutes_are_the_difference_of_the_times_as_shown(
    store, session_id, clock, programme, first, second, shown, drift, minutes
):
    _welcome_then_phase_one(store, session_id, clock, first, second)
    state = _state(store, session_id, clock, programme)
    assert state.planned_end is not None
    assert f"{shown_minute(state.planned_end):%H:%M}" == "13:30"
    assert late_minutes(state) == minutes
    assert end_text(state) == f"Verwacht einde {shown} ({drift})"
    # The figure a reader gets by subtracting the two times on screen.
    planned = shown_minute(state.planned_end)
    expected = shown_minute(state.projected_end)
    assert (expected - planned) == timedelta(minutes=minutes)


def test_nothing_before_the_start(store, session_id, clock, programme):
    state = _state(store, session_id, clock, programme)
    assert end_text(state) == "" and late_minutes(state) == 0


def test_a_closed_session_shows_its_actual_end(store, session_id, clock, programme):
    _start(store, session_id, clock, "welkom", after=30)  # planned end 13:30:30
    for block in programme.blocks[1:]:
        _start(store, session_id, clock, block.key, after=15 * 60)
    clock.advance(15 * 60 + 45)  # a close at hh:mm:15, the plan at 13:30:30
    store.clock.add(session_id, ck.CLOSE, clock())
    clock.advance(minutes=30)  # time goes on; the end stays where it was
    state = _state(store, session_id, clock, programme)
    assert state.state == "closed"
    closed = f"{shown_minute(state.closed_at):%H:%M}"
    early = (shown_minute(state.planned_end) - shown_minute(state.closed_at)).total_seconds() / 60
    assert early > 0
    assert end_text(state) == f"Einde {closed} ({int(early)} min voor)"
    i18n.set_language("en")
    assert end_text(state) == f"Ended {closed} ({int(early)} min early)"


def header(app) -> str:
    """The bar's line as the terminal shows it."""
    strips = app.screen._compositor.render_strips()
    return "".join(seg.text for seg in strips[0])


@pytest.mark.parametrize("demo", [None, 60.0])
@pytest.mark.parametrize("width", [40, 60, 80, 120])
async def test_the_end_and_lateness_stay_whole_in_a_small_terminal(
    store, session_id, clock, width, demo
):
    # 12 minutes late: the longest Dutch lateness the day usually sees.
    _welcome_then_phase_one(store, session_id, clock, 0, 32 * 60)
    clock.advance(seconds=33)
    app = make_app(store, session_id=session_id, clock=clock, poll_interval=0, demo_speed=demo)
    async with app.run_test(size=(width, 24)) as pilot:
        await pilot.pause()
        line = header(app)
        assert len(line) == width
        assert "Verwacht einde 13:42 (12 min uitloop)" in line, line
        assert "Sessie 0:32:33" in line or width < 50, line
        if width >= 120:
            # Room for the whole title and the badge; the target gives way to a whole theme.
            assert line.startswith(" Utrecht · 2026-03-01 · Spelregels voor de samenleving  ")
            assert ("Sessie 0:32:33 / 4:30:00" in line) != bool(demo), line
            assert ("DEMO 60x" in line) == bool(demo)
        if width <= 60:
            assert "Utrecht" not in line and "/ 4:30:00" not in line, line
        # What is shown is whole: no part is cut off at the right edge.
        assert line.rstrip().endswith(("DEMO 60x", "(12 min uitloop)")), line
        # Growing the window brings the parts back.
        await pilot.resize_terminal(120, 24)
        await pilot.pause()
        assert "Spelregels voor de samenleving  Sessie 0:32:33" in header(app)
        assert ("Sessie 0:32:33 / 4:30:00" in header(app)) != bool(demo)
        assert app.screen.query_one(SessionBar).query_one("#session-title").display


async def test_a_closed_session_in_the_bar(store, session_id, clock, programme):
    i18n.set_language("en")
    _start(store, session_id, clock, "welkom")
    clock.advance(minutes=100)
    store.clock.add(session_id, ck.CLOSE, clock())  # 10:40, planned 13:30
    app = make_app(store, session_id=session_id, clock=clock, poll_interval=0)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        line = header(app)
        assert "Ended 10:40 (170 min early)" in line, line
        assert "Expected" not in line
