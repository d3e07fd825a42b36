"""The clock, computed from stored events and a fake `now`: a whole day in a fraction of a second."""

from __future__ import annotations

from datetime import timedelta

import pytest

from facilitator.core import clock as ck
from facilitator.core.clock import ClockEvent, compute, fmt_duration, propose_rebalance
from tests.conftest import T0


class Day:
    """Events appended as a facilitator would make them, with a fake clock."""

    def __init__(self, programme):
        self.blocks = programme.blocks
        self.events: list[ClockEvent] = []
        self.now = T0

    def at(self, minutes: float):
        self.now = T0 + timedelta(minutes=minutes)
        return self

    def do(self, kind: str, **data) -> ClockEvent:
        ev = ClockEvent(seq=len(self.events) + 1, at=self.now, kind=kind, data=data)
        self.events.append(ev)
        return ev

    def next(self):
        nxt = self.state().next_block()
        return self.do(ck.START, key=nxt.key)

    def state(self, now=None):
        return compute(self.blocks, self.events, now or self.now)


@pytest.fixture
def day(programme):
    return Day(programme)


def test_not_started(day):
    s = day.state()
    assert s.state == "planned" and s.current is None and s.session_elapsed == 0
    assert s.next_block().name == "Welkom en kennismaking"


def test_a_whole_day_on_time(day, programme):
    t = 0
    for block in programme.blocks:
        day.at(t).next()
        s = day.state()
        assert s.current.key == block.key
        assert s.block_remaining == block.minutes * 60
        day.at(t + block.minutes / 2)
        assert day.state().block_remaining == pytest.approx(block.minutes * 30)
        assert day.state().late_minutes == pytest.approx(0)
        t += block.minutes
    day.at(t).do(ck.CLOSE)
    s = day.state()
    assert s.state == "closed" and s.current is None
    assert s.session_elapsed == 270 * 60
    assert all(b.status == "done" for b in s.blocks)
    assert [b.started_at for b in s.blocks] == [s.planned_start(i) for i in range(len(s.blocks))]
    # Time after the close does not count.
    assert day.state(T0 + timedelta(hours=9)).session_elapsed == 270 * 60


def test_colour_levels_and_overrun(day):
    day.at(0).next()  # 20 minutes of welcome
    assert day.at(15).state().level == "normal"
    assert day.at(16).state().level == "warn"  # 4 of 20 minutes left = 20%
    assert day.at(19).state().level == "urgent"  # 1 minute left = 5%
    s = day.at(21.5).state()
    assert s.level == "overrun" and s.block_remaining == -90
    assert fmt_duration(s.block_remaining, countdown=True) == "+1:30"
    assert s.late_minutes == pytest.approx(1.5)


def test_extensions_add_to_the_current_block(day):
    day.at(0).next()
    day.at(10).do(ck.EXTEND, minutes=5)
    day.do(ck.EXTEND, minutes=1)
    s = day.state()
    assert s.current.extra_minutes == 6
    assert s.block_remaining == 16 * 60
    assert s.late_minutes == pytest.approx(6)


def test_pause_freezes_the_block_and_the_session_clock(day):
    day.at(0).next()
    day.at(5).do(ck.PAUSE)
    frozen = day.state()
    later = day.at(17).state()
    assert later.paused and later.block_remaining == frozen.block_remaining == 15 * 60
    assert later.session_elapsed == 5 * 60
    assert later.late_minutes == pytest.approx(12)  # the day still ends later
    day.do(ck.RESUME)
    assert day.at(20).state().block_remaining == 12 * 60
    assert day.state().paused_seconds == 12 * 60


def test_starting_a_block_ends_an_interruption(day):
    day.at(0).next()
    day.at(5).do(ck.PAUSE)
    day.at(8).next()
    s = day.at(10).state()
    assert not s.paused
    assert s.blocks[0].paused_seconds == 180
    assert s.blocks[0].actual_seconds(s.now) == 5 * 60
    assert s.block_remaining == 58 * 60


def test_undo_a_block_started_by_mistake(day):
    day.at(0).next()
    day.at(3).next()  # oops
    assert day.state().current.index == 1
    day.at(4).do(ck.UNDO)
    s = day.state()
    assert s.current.index == 0 and s.blocks[1].status == "pending"
    assert s.block_remaining == 16 * 60  # as if the welcome had kept running
    # Repeated undo goes further back; undo with nothing left does nothing.
    day.do(ck.UNDO)
    assert day.state().state == "planned"
    day.do(ck.UNDO)
    assert day.state().state == "planned" and not day.state().can_undo


def test_a_planned_break_can_be_pulled_forward(day):
    day.at(0).next()
    day.at(20).next()  # De diepte in
    brk = day.state().next_break()
    assert brk.name == "Pauze 1"
    day.at(50).do(ck.START, key=brk.key)
    day.at(65).next()
    s = day.state()
    assert s.current.name == "Betekenis geven en keuzes maken"
    assert [b.status for b in s.blocks[:4]] == ["done", "done", "done", "running"]


def test_an_extra_break_is_inserted_after_the_current_block(day):
    day.at(0).next()
    day.at(10).do(ck.EXTRA_BREAK, key="extra1", name="Extra pauze", minutes=10)
    s = day.state()
    assert s.current.name == "Extra pauze" and s.current.inserted
    assert [b.name for b in s.blocks[:3]] == [
        "Welkom en kennismaking",
        "Extra pauze",
        "De diepte in",
    ]
    assert s.planned_start(2) == T0 + timedelta(minutes=20)  # planned times ignore the extra
    day.at(20).next()
    assert day.state().current.name == "De diepte in"


def test_a_break_pulled_forward_interrupts_a_phase_that_goes_on_after_it(day):
    day.at(0).next()
    day.at(20).next()  # De diepte in: 60 minutes
    day.at(40).do(ck.PAUSE)
    day.at(45).do(ck.RESUME)  # 5 minutes interrupted: 15 minutes of the phase so far
    day.at(50).do(ck.START, key="pauze1", interrupt=True)  # b
    s = day.state()
    phase = s.blocks[1]
    assert s.current.name == "Pauze 1"
    assert phase.status == "suspended"
    assert phase.remaining_seconds(s.now) == pytest.approx(35 * 60)
    assert s.next_block() is phase  # n after the break goes back to it
    # The day still holds the phase's 35 minutes: 15 of the break, 35, and the rest as planned.
    rest = sum(b.minutes for b in day.blocks[3:])
    assert s.projected_end == T0 + timedelta(minutes=50 + 15 + 35 + rest)
    day.at(65).next()  # back to De diepte in
    s = day.state()
    assert s.current is phase or s.current.key == "fase1"
    assert s.block_remaining == pytest.approx(35 * 60)
    assert s.current.segments[0][1] == T0 + timedelta(minutes=50)
    day.at(100).next()  # its 35 minutes done: on to phase 2
    s = day.state()
    assert s.current.name == "Betekenis geven en keuzes maken"
    phase = s.blocks[1]
    assert phase.status == "done"
    assert phase.actual_seconds(s.now) == pytest.approx(60 * 60)  # 25 + 35, pause and break out
    assert [(a - T0, b - T0) for a, b in phase.segments] == [
        (timedelta(minutes=20), timedelta(minutes=50)),
        (timedelta(minutes=65), timedelta(minutes=100)),
    ]
    assert phase.started_at == T0 + timedelta(minutes=20)
    assert phase.ended_at == T0 + timedelta(minutes=100)


def test_n_ends_a_phase_for_good_and_so_does_a_break_when_its_time_is_up(day):
    day.at(0).next()
    day.at(20).next()
    day.at(50).next()  # n with 30 minutes left: the facilitator moves on (Pauze 1 is next)
    assert day.state().blocks[1].status == "done"
    day.at(65).next()  # Betekenis geven: 40 minutes
    day.at(104.5).do(ck.START, key="pauze2", interrupt=True)  # b with 30 seconds left
    s = day.state()
    assert s.blocks[3].status == "done"
    assert s.next_block().name == "Gezamenlijke maaltijd"


def test_an_extra_break_interrupts_the_last_phase_which_goes_on_after_it(day):
    for t in (0, 20, 80, 95, 135, 180, 230, 240):  # up to Advies aan beleidsmakers
        day.at(t).next()
    assert day.state().current.name == "Advies aan beleidsmakers"
    day.at(245).do(ck.EXTRA_BREAK, key="extra1", name="Extra pauze", minutes=10)
    s = day.state()
    assert s.current.name == "Extra pauze"
    assert s.next_block().name == "Advies aan beleidsmakers"
    day.at(255).next()
    s = day.state()
    assert s.current.name == "Advies aan beleidsmakers"
    assert s.block_remaining == pytest.approx(20 * 60)
    day.at(256).do(ck.UNDO)  # undo the resume: waiting again
    assert day.state().next_block().name == "Advies aan beleidsmakers"


def test_closing_ends_an_interrupted_phase_nobody_went_back_to(day):
    day.at(0).next()
    day.at(20).next()
    day.at(30).do(ck.START, key="pauze1", interrupt=True)
    day.at(45).do(ck.CLOSE)
    s = day.state()
    assert s.state == "closed" and s.blocks[1].status == "done"
    assert s.blocks[1].actual_seconds(s.now) == pytest.approx(10 * 60)


def test_a_resume_is_refused_twice_and_a_suspended_phase_can_be_started(day):
    day.at(0).next()
    day.at(20).next()
    day.at(30).do(ck.START, key="pauze1", interrupt=True)
    s = day.state()
    assert ck.refusal(s, ck.START, {"key": "fase1"}) is None
    day.at(45).next()
    assert ck.refusal(day.state(), ck.START, {"key": "fase1"}) is not None


def test_a_restart_after_a_crash_lands_on_the_right_second(day):
    day.at(0).next()
    day.at(20).next()  # 60 minutes
    # The laptop died at minute 30 and came back at minute 95: the block ran out meanwhile.
    s = day.state(T0 + timedelta(minutes=95))
    assert s.current.name == "De diepte in"
    assert s.level == "overrun" and s.block_remaining == -15 * 60
    s = day.state(T0 + timedelta(minutes=30, seconds=1))
    assert s.block_remaining == 50 * 60 - 1


def test_events_in_the_future_are_clamped(day):
    day.at(10).next()
    s = day.state(T0)  # the clock was set back
    assert s.block_elapsed == 0


def test_rebalance_offer_accept_and_decline(day):
    day.at(0).next()
    assert day.at(22).state().rebalance_offer() is None  # 2 minutes late: not worth it
    s = day.at(30).state()  # 10 minutes late
    offer = s.rebalance_offer()
    assert offer is not None
    cut = sum(b.planned_minutes - offer.get(b.key, b.planned_minutes) for b in s.pending)
    assert cut == 10
    day.do(ck.DECLINE, late=10)
    assert day.at(31).state().rebalance_offer() is None
    assert day.at(35).state().rebalance_offer() is not None  # 5 minutes later than declined
    offer = day.state().rebalance_offer()
    day.do(ck.REBALANCE, minutes=offer)
    day.next()
    s = day.state()
    assert s.late_minutes == pytest.approx(0, abs=1)
    assert s.rebalance_offer() is None
    assert sum(b.planned_minutes for b in s.blocks) == 270 - 15


def test_undo_passes_over_a_declined_offer(day):
    day.at(0).next()
    day.at(30).do(ck.DECLINE, late=10)
    s = day.state()
    assert s.last_action.kind == ck.START  # what u would undo: the start, not the decline
    day.do(ck.UNDO)
    s = day.state()
    assert s.state == "planned" and not s.can_undo
    assert s.declined_late == 10  # the decline stays: no offer again until 5 minutes later


def test_propose_rebalance_is_proportional_and_exact():
    pending = [("a", 60), ("b", 15), ("c", 45), ("d", 5)]
    new = propose_rebalance(pending, 12)
    cuts = {k: m - new.get(k, m) for k, m in pending}
    assert sum(cuts.values()) == 12
    assert cuts["a"] > cuts["c"] > cuts["b"] >= cuts["d"]
    # Never below one minute, and never more than there is.
    tiny = propose_rebalance([("a", 2), ("b", 1)], 10)
    assert tiny == {"a": 1}
    assert propose_rebalance([], 5) == {}


@pytest.mark.parametrize(
    ("seconds", "countdown", "text"),
    [
        (0, False, "0:00"),
        (59.9, False, "0:59"),
        (59.1, True, "1:00"),
        (3600, False, "1:00:00"),
        (-0.5, True, "+0:00"),
        (-61, True, "+1:01"),
        (600, True, "10:00"),
    ],
)
def test_fmt_duration(seconds, countdown, text):
    assert fmt_duration(seconds, countdown=countdown) == text
