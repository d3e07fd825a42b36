"""Snapshots of the capture forms and the log: frozen clock, no cursor blink (see the report)."""

from __future__ import annotations

from textual.widgets import Input, TextArea

from facilitator.core import clock as ck
from facilitator.tui.app import make_app


def _phase_one_with_entries(store, session_id, clock):
    store.clock.add(session_id, ck.START, clock(), {"key": "welkom"})
    clock.advance(minutes=20)
    store.clock.add(session_id, ck.START, clock(), {"key": "fase1"})
    clock.advance(minutes=10)
    store.entries.add(
        session_id, "quote", {"text": "Ik voel me hier thuis, maar niet altijd welkom.",
        "speaker": "deelnemer, Utrecht"}, author="AB", block_key="fase1", tags=["thuis", "wonen"],
        now=clock(),
    )  # fmt: skip
    clock.advance(minutes=3)
    store.entries.add(
        session_id, "story", {"text": "Mijn buurvrouw bracht soep toen ik ziek was.\n"
        "Sindsdien groeten we elkaar elke ochtend."}, author="CD", block_key="fase1",
        tags=["buren"], now=clock(),
    )  # fmt: skip
    clock.advance(minutes=2)
    store.entries.add(
        session_id, "rule", {"text": "Licht je beweegredenen toe", "source": "Het busverhaal"},
        author="AB", block_key="fase1", tags=["spelregels"], now=clock(),
    )  # fmt: skip
    clock.advance(minutes=1)


def _app(store, session_id, clock):
    return make_app(store, session_id=session_id, clock=clock, poll_interval=0, author="AB")


def _no_blink(app) -> None:
    for widget in app.screen.query("Input, TextArea"):
        assert isinstance(widget, Input | TextArea)
        widget.cursor_blink = False


async def _type(pilot, *keys: str) -> None:
    from tests.support import until

    # What the forms complete from (tags, quotes to link) is read after the first paint.
    def loaded() -> bool:
        capturer = getattr(pilot.app.screen, "capturer", None)
        return capturer is not None and capturer.loaded

    await until(pilot, loaded, what="the capturer's lists")
    await pilot.press(*keys[:1])
    await pilot.pause()
    _no_blink(pilot.app)
    await pilot.press(*keys[1:])
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def test_quote_form(snap_compare, store, session_id, clock):
    _phase_one_with_entries(store, session_id, clock)

    async def run_before(pilot):
        await _type(pilot, "c", *"Je moet het zelf doen", "tab", *"deelnemer, ", "tab", *"wo")

    assert snap_compare(
        _app(store, session_id, clock), run_before=run_before, terminal_size=(120, 36)
    )


def test_advice_form(snap_compare, store, session_id, clock):
    _phase_one_with_entries(store, session_id, clock)

    async def run_before(pilot):
        await _type(pilot, "a", *"Investeer in buurthuizen", "tab", "3", "tab", "space")

    assert snap_compare(
        _app(store, session_id, clock), run_before=run_before, terminal_size=(120, 36)
    )


def test_missing_field_error(snap_compare, store, session_id, clock):
    _phase_one_with_entries(store, session_id, clock)

    async def run_before(pilot):
        await _type(pilot, "o", "enter")

    assert snap_compare(
        _app(store, session_id, clock), run_before=run_before, terminal_size=(100, 30)
    )


def test_prototype_form(snap_compare, store, session_id, clock):
    _phase_one_with_entries(store, session_id, clock)

    async def run_before(pilot):
        await _type(
            pilot,
            "t",
            *"De Buurtkeuken",
            "tab",
            *"Samen koken",
            "tab",
            "space",
            "down",
            "down",
            "space",
        )

    assert snap_compare(
        _app(store, session_id, clock), run_before=run_before, terminal_size=(120, 40)
    )


def test_log(snap_compare, store, session_id, clock):
    _phase_one_with_entries(store, session_id, clock)

    async def run_before(pilot):
        await _type(pilot, "l", "down")

    assert snap_compare(
        _app(store, session_id, clock), run_before=run_before, terminal_size=(120, 36)
    )


def test_log_searching_narrow(snap_compare, store, session_id, clock):
    _phase_one_with_entries(store, session_id, clock)

    async def run_before(pilot):
        await _type(pilot, "slash", *"thuis")

    assert snap_compare(
        _app(store, session_id, clock), run_before=run_before, terminal_size=(80, 24)
    )
