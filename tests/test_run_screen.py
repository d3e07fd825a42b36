"""Pilot tests: a facilitator drives the run screen through a whole session with the keyboard."""

from __future__ import annotations

import pytest
from textual.widgets import Static

from facilitator import i18n
from facilitator.core import clock as ck
from facilitator.store import Store
from facilitator.tui.app import make_app
from facilitator.tui.screens.confirm import ConfirmScreen
from facilitator.tui.screens.help import HelpScreen
from facilitator.tui.screens.rebalance import RebalanceScreen
from facilitator.tui.screens.room import RoomClockScreen
from facilitator.tui.screens.run import RunScreen
from facilitator.tui.widgets.block_panel import BlockPanel
from tests.support import until


def text_of(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).visual)


def app_for(store, session_id, clock, **kw):
    return make_app(store, session_id=session_id, clock=clock, poll_interval=0, **kw)


def palette_offers(app, text: str) -> bool:
    """The command palette lists a command containing `text`."""
    from textual.command import CommandList

    found = app.screen.query(CommandList)
    return bool(found) and any(text in str(option.prompt) for option in found.first().options)


def kinds(store, session_id):
    return [e.kind for e in store.clock.events(session_id)]


async def test_a_whole_session_through_every_block(store, session_id, clock, programme):
    app = app_for(store, session_id, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, RunScreen)
        assert "Nog niet begonnen" in text_of(screen, "#block-title")
        for block in programme.blocks:
            await pilot.press("n")
            await app.workers.wait_for_complete()
            await pilot.pause()
            screen.refresh_clock()
            assert screen.state.current.key == block.key
            assert block.name in text_of(screen, "#block-title")
            assert text_of(screen, "#countdown-text") == f"{block.minutes}:00"
            # The start is in the database before the screen shows it.
            assert store.clock.events(session_id)[-1].data == {"key": block.key}
            clock.advance(minutes=block.minutes)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("j")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert store.sessions.get(session_id).state == "closed"
        screen.refresh_clock()
        assert "Sessie afgesloten" in text_of(screen, "#block-title")
        assert kinds(store, session_id) == ["start"] * len(programme.blocks) + ["close"]


async def test_extend_pause_resume_and_undo(store, session_id, clock):
    app = app_for(store, session_id, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await pilot.press("n")
        await app.workers.wait_for_complete()
        clock.advance(minutes=5)
        await pilot.press("E", "e", "plus")
        await pilot.pause()
        screen.refresh_clock()
        assert screen.state.block_remaining == (20 + 7 - 5) * 60
        await pilot.press("p")
        await pilot.pause()
        clock.advance(minutes=10)
        screen.refresh_clock()
        assert screen.state.paused and screen.state.block_remaining == 22 * 60
        assert "Onderbroken sinds" in text_of(screen, "#paused-label")
        await pilot.press("p")
        await pilot.press("n")  # a block started by mistake...
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.state.current.name == "De diepte in"
        await pilot.press("u")  # ...undone
        await pilot.pause()
        screen.refresh_clock()
        assert screen.state.current.name == "Welkom en kennismaking"
        assert kinds(store, session_id) == [
            "start",
            "extend",
            "extend",
            "extend",
            "pause",
            "resume",
            "start",
            "undo",
        ]


async def test_break_key_pulls_the_next_break_forward_then_adds_extra_ones(
    store, session_id, clock
):
    app = app_for(store, session_id, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await pilot.press("n", "b")
        await pilot.pause()
        assert screen.state.current.name == "Pauze 1"
        await pilot.press("b")  # already in a break: nothing new
        await pilot.pause()
        assert kinds(store, session_id) == ["start", "start"]
        await pilot.press("n", "b")  # Pauze 2 pulled forward
        await pilot.pause()
        assert screen.state.current.name == "Pauze 2"
        await pilot.press("n", "b")  # no planned break left: an extra one
        await pilot.pause()
        assert screen.state.current.name == "Extra pauze"
        assert screen.state.current.inserted


async def test_colour_follows_the_time_left(store, session_id, clock):
    app = app_for(store, session_id, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        panel = screen.query_one(BlockPanel)
        await pilot.press("n")
        await app.workers.wait_for_complete()
        await pilot.pause()
        for minutes, cls in ((10, None), (6.5, "-warn"), (2.5, "-urgent"), (1.5, "-overrun")):
            clock.advance(minutes=minutes)
            screen.refresh_clock()
            for level in ("-warn", "-urgent", "-overrun"):
                assert panel.has_class(level) == (level == cls), (minutes, level)
        assert "OVERTIJD" in text_of(screen, "#countdown-label")
        assert text_of(screen, "#countdown-text") == "+0:30"


async def test_room_clock_and_back(store, session_id, clock):
    app = app_for(store, session_id, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("n")
        await app.workers.wait_for_complete()  # the start is committed before the room clock
        await pilot.press("r")
        await pilot.pause()
        room = app.screen
        assert isinstance(room, RoomClockScreen)
        assert "Welkom en kennismaking" in text_of(room, "#room-title")
        assert room.query_one("#room-clock").value == "20:00"
        await pilot.press("e")  # clock keys work on the room clock too
        await pilot.pause()
        room.refresh_clock()
        assert room.query_one("#room-clock").value == "21:00"
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, RunScreen)


async def test_help_lists_every_key(store, session_id, clock):
    app = app_for(store, session_id, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        run = app.screen
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        listed = {name for _, _, name, _ in app.screen.rows}
        for bindings in run._bindings.key_to_bindings.values():
            for b in bindings:
                if b.action in run.HELP_SECTIONS:
                    assert b.description in listed, b
        assert "Volgend blok" in listed and "Zaalklok" in listed
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is run


async def test_running_late_offers_to_take_time_back(store, session_id, clock):
    app = app_for(store, session_id, clock)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        screen = app.screen
        await pilot.press("n")
        await app.workers.wait_for_complete()
        clock.advance(minutes=30)  # welcome planned 20: the day runs 10 minutes late
        screen.refresh_clock()
        assert screen.query_one("#banner").has_class("-visible")
        await pilot.press("k")
        await pilot.pause()
        assert isinstance(app.screen, RebalanceScreen)
        await pilot.press("n")  # decline
        await pilot.pause()
        assert kinds(store, session_id)[-1] == "decline_rebalance"
        screen.refresh_clock()
        assert not screen.query_one("#banner").has_class("-visible")
        clock.advance(minutes=6)
        screen.refresh_clock()
        assert screen.query_one("#banner").has_class("-visible")
        await pilot.press("k")
        await pilot.pause()
        await pilot.press("j")  # accept
        await pilot.pause()
        events = store.clock.events(session_id)
        assert events[-1].kind == "rebalance"
        assert sum(events[-1].data["minutes"].values()) < 250
        screen.refresh_clock()
        await pilot.press("n")
        await pilot.pause()
        screen.refresh_clock()
        assert abs(screen.state.late_minutes) < 1


@pytest.mark.parametrize("size", [(80, 24), (60, 20), (40, 12), (24, 8)])
async def test_small_terminals_degrade_without_crashing(store, session_id, clock, size):
    app = app_for(store, session_id, clock)
    async with app.run_test(size=size) as pilot:
        await pilot.press("n")
        await app.workers.wait_for_complete()  # n commits in a worker; a pause can be too short
        await pilot.pause()
        screen = app.screen
        screen.refresh_clock()
        assert "Welkom" in text_of(screen, "#block-title")
        await pilot.press("r")
        await pilot.pause()
        await pilot.press("r", "question_mark")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
    assert app.return_code in (None, 0)


async def test_another_app_on_the_same_database_sees_clock_actions(
    db_path, session_id, clock, store
):
    app = make_app(store, session_id=session_id, clock=clock, poll_interval=0.05)
    async with app.run_test(size=(120, 40)) as pilot:
        other = Store.open(db_path)
        other.clock.add(session_id, ck.START, clock(), {"key": "welkom"})
        other.close()
        # The poll notices the other connection's commit; how soon is the bench's business.
        await until(
            pilot, lambda: app.screen.state.current is not None, what="the other app's start"
        )
        assert app.screen.state.current.name == "Welkom en kennismaking"


async def test_a_commit_before_the_first_poll_is_not_taken_as_the_baseline(
    db_path, session_id, clock, store
):
    """Another app commits after this one has read the session but before its first poll:
    the first poll must still see the change (it was once taken as the starting point and
    missed for good, which a busy machine turned into a flaky test)."""
    app = make_app(store, session_id=session_id, clock=clock, poll_interval=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.screen.state is not None, what="the run screen")
        other = Store.open(db_path)
        other.clock.add(session_id, ck.START, clock(), {"key": "welkom"})
        other.close()
        await app._poll_database_now()  # the timer's first tick, by hand
        await until(
            pilot, lambda: app.screen.state.current is not None, what="the other app's start"
        )


async def test_start_screen_creates_a_session(store, clock):
    app = make_app(store, clock=clock, poll_interval=0)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"Venlo")
        await pilot.press("enter")
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, RunScreen)
        session = store.sessions.list()[0]
        assert session.place == "Venlo" and session.expected_participants == 20
        assert app.screen.session_id == session.id


async def test_new_session_form_refuses_a_count_the_store_would_refuse(store, clock):
    """The form says what is wrong and stays open, with what was typed, instead of a
    database error in English after the form is gone."""
    from textual.widgets import Input

    from facilitator.tui.screens.new_session import NewSessionScreen

    app = make_app(store, clock=clock, poll_interval=0)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"Venlo")
        app.screen.query_one("#participants", Input).value = "20000000"
        await pilot.press("enter")
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, NewSessionScreen)
        assert "Aantal deelnemers" in text_of(app.screen, "#form-error")
        assert app.screen.query_one("#place", Input).value == "Venlo"
        assert store.sessions.list() == []


async def test_start_screen_opens_an_existing_session(store, session_id, clock):
    app = make_app(store, clock=clock, poll_interval=0)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, RunScreen)
        assert app.screen.session_id == session_id


async def test_english_on_request(store, session_id, clock):
    i18n.set_language("en")
    app = app_for(store, session_id, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert "Not started yet" in text_of(screen, "#block-title")
        descriptions = {
            b.description for bs in screen._bindings.key_to_bindings.values() for b in bs
        }
        assert "Next block" in descriptions and "Volgend blok" not in descriptions


async def test_clock_keys_are_in_the_command_palette(store, session_id, clock):
    app = app_for(store, session_id, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("n")
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Zaalklok")
        # The palette searches in a worker: Enter means something once the command is listed.
        await until(pilot, lambda: palette_offers(app, "Zaalklok"), what="Zaalklok listed")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, RoomClockScreen), what="room clock")


async def test_keys_pressed_while_a_clock_action_is_committed_act_on_its_result(
    store, session_id, clock, programme, monkeypatch
):
    """A second n during a slow commit starts the block after, never the same block twice."""
    import threading
    import time

    add = store.clock.add
    in_commit = threading.Event()

    def slow_add(*args, **kwargs):
        in_commit.set()
        time.sleep(0.2)  # a laptop's disk under load: the fsync takes a while
        return add(*args, **kwargs)

    monkeypatch.setattr(store.clock, "add", slow_add)
    app = app_for(store, session_id, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("n")
        await until(pilot, in_commit.is_set, what="the first start on the database thread")
        await pilot.press("n")
        await pilot.press("e")
        await app.workers.wait_for_complete()
        await pilot.pause()
        events = store.clock.events(session_id)
        assert [(e.kind, e.data) for e in events] == [
            ("start", {"key": programme.blocks[0].key}),
            ("start", {"key": programme.blocks[1].key}),
            ("extend", {"minutes": 1}),
        ]
        assert app.screen.state.current.key == programme.blocks[1].key


async def test_a_break_in_the_middle_of_a_phase_and_back_to_it(store, session_id, clock):
    from facilitator.tui.widgets.agenda import agenda_rows

    app = app_for(store, session_id, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        for _ in range(2):  # Welkom, then De diepte in
            await pilot.press("n")
            await app.workers.wait_for_complete()
        clock.advance(minutes=25)
        await pilot.press("b")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.state.current.name == "Pauze 1"
        shown = " ".join(str(n.message) for n in app._notifications)
        assert "De diepte in gaat na de pauze verder (nog 35:00)" in shown
        assert "Hierna: verder met De diepte in (nog 35:00)" in text_of(screen, "#next-up")
        rows = {r[1]: r for r in agenda_rows(screen.state)}
        assert "De diepte in (onderbroken)" in rows
        clock.advance(minutes=15)
        await pilot.press("n")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.state.current.name == "De diepte in"
        assert text_of(screen, "#countdown-text") == "35:00"
        assert "Verder met De diepte in (nog 35:00)" in " ".join(
            str(n.message) for n in app._notifications
        )


async def test_the_room_clock_shows_no_messages_the_run_screen_does(store, session_id, clock):
    from textual.widgets._toast import ToastRack

    app = app_for(store, session_id, clock)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, RoomClockScreen)
        app.notify("1 nieuwe anonieme opmerking. Druk op m om haar te lezen.", timeout=30)
        await pilot.pause()
        assert not app.screen.get_child_by_type(ToastRack).display  # not on the projector
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, RunScreen)
        rack = app.screen.get_child_by_type(ToastRack)
        assert rack.display  # the facilitator sees it
        assert any("nieuwe anonieme" in str(n.message) for n in app._notifications)


async def test_refreshes_cancelled_before_they_ran_leave_no_coroutine_unawaited(
    store, session_id, clock
):
    """Entries changing several times in a row (a burst of captures, the demo's autoplay) start
    one exclusive refresh each; a newer one cancels the older before it ran. The cancelled ones
    must not leave a coroutine behind that was never awaited (a RuntimeWarning at teardown)."""
    import gc
    import warnings

    from facilitator.tui.messages import DatabaseChanged, EntriesChanged

    app = app_for(store, session_id, clock)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, RunScreen)
            for message in (EntriesChanged, DatabaseChanged):
                for _ in range(3):
                    screen.post_message(message())
            await pilot.pause()
            screen.post_message(EntriesChanged())  # as the app closes
        gc.collect()
    unawaited = [str(w.message) for w in caught if "never awaited" in str(w.message)]
    assert unawaited == []


@pytest.mark.parametrize("size", [(120, 40), (80, 24), (60, 20)])
async def test_the_first_show_needs_no_second_styling(store, session_id, clock, size):
    """The run screen is not restyled as a whole when first shown (RunScreen._on_screen_resume):
    its widgets were styled as they were mounted. That holds while none of its styles depends
    on focus, hover or order; styling it all again must change nothing on the screen."""
    store.clock.add(session_id, ck.START, clock(), {"key": "welkom"})
    app = app_for(store, session_id, clock)
    async with app.run_test(size=size) as pilot:
        await until(pilot, lambda: app._services_started, what="the first paint")
        await pilot.pause()
        shown = app.export_screenshot()
        app.stylesheet.update(app.screen)  # what Textual does on a screen's first show
        app.screen.refresh(layout=True)
        await pilot.pause()
        assert app.export_screenshot() == shown
