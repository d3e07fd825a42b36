"""Snapshots of the run screen and the room clock, with a frozen clock (look at the report first)."""

from __future__ import annotations

from facilitator.core import clock as ck
from facilitator.tui.app import make_app


def _session_in_phase_one(store, session_id, clock, late_minutes=0):
    store.clock.add(session_id, ck.START, clock(), {"key": "welkom"})
    clock.advance(minutes=20 + late_minutes)
    store.clock.add(session_id, ck.START, clock(), {"key": "fase1"})
    clock.advance(minutes=50)  # 10 of 60 minutes left: under 20%, so the countdown warns


def test_run_screen(snap_compare, store, session_id, clock):
    _session_in_phase_one(store, session_id, clock, late_minutes=4)
    store.entries.add(
        session_id,
        "story",
        {"text": "In de bus sprak een vrouw mij aan."},
        author="AS",
        block_key="fase1",
        now=clock.advance(-300),
    )
    store.entries.add(
        session_id,
        "quote",
        {"text": "[b]Je[/b] kunt altijd verschillen vinden.", "speaker": "deelnemer, Utrecht"},
        author="AS",
        block_key="fase1",
        now=clock.advance(120),
    )
    clock.advance(180)
    app = make_app(store, session_id=session_id, clock=clock, poll_interval=0)
    assert snap_compare(app, terminal_size=(120, 36))


def test_run_screen_narrow(snap_compare, store, session_id, clock):
    _session_in_phase_one(store, session_id, clock)
    app = make_app(store, session_id=session_id, clock=clock, poll_interval=0)
    assert snap_compare(app, terminal_size=(70, 24))


def test_room_clock(snap_compare, store, session_id, clock):
    _session_in_phase_one(store, session_id, clock)
    app = make_app(store, session_id=session_id, clock=clock, poll_interval=0)
    assert snap_compare(app, press=["r"], terminal_size=(120, 36))


def test_room_clock_overrun(snap_compare, store, session_id, clock):
    _session_in_phase_one(store, session_id, clock)
    clock.advance(minutes=12)
    app = make_app(store, session_id=session_id, clock=clock, poll_interval=0)
    assert snap_compare(app, press=["r"], terminal_size=(100, 30))
