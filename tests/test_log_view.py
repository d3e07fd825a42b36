"""The log: newest first, filters by kind, phase and tag, search as you type, others' entries."""

from __future__ import annotations

import subprocess
import sys

import pytest
from textual.widgets import Select

from facilitator.core import clock as ck
from facilitator.store import Store
from facilitator.tui.app import make_app
from facilitator.tui.messages import DatabaseChanged
from facilitator.tui.screens.log import LogScreen
from facilitator.tui.widgets.entry_detail import EntryDetail
from facilitator.tui.widgets.entry_table import EntryTable
from tests.support import settle, until

SIZE = (120, 40)


def header_of(app) -> str:
    """The list's header line, as drawn."""
    return app.screen.query_one(EntryTable).render_line(0).text


def texts(app) -> list[str]:
    return [e.text or e.title for e in app.screen.query_one(EntryTable).entries]


def seed(store, session_id, clock, programme):
    store.entries.add(
        session_id, "story", {"text": "Welkom verhaal"}, block_key="welkom", now=clock()
    )
    clock.advance(minutes=1)
    store.clock.add(session_id, ck.START, clock(), {"key": "fase1"})
    store.entries.add(
        session_id, "quote", {"text": "Ik voel me thuis in de buurt"}, block_key="fase1",
        tags=["wonen"], now=clock(),
    )  # fmt: skip
    clock.advance(minutes=1)
    store.entries.add(
        session_id, "advice", {"text": "Meer buurthuizen", "level": "local"}, block_key="fase4",
        tags=["wonen", "plekken"], now=clock(),
    )  # fmt: skip
    clock.advance(minutes=1)
    other = store.sessions.create(programme, "Venlo", "2026-02-01", now=clock())
    store.entries.add(
        other,
        "insight",
        {"text": "In Venlo is het buurthuis dicht"},
        block_key="fase1",
        now=clock(),
    )
    return other


async def open_log(pilot, app, key="l"):
    await settle(pilot, app)
    await pilot.press(key)
    await settle(pilot, app)
    assert isinstance(app.screen, LogScreen)
    return app.screen


async def test_newest_first_with_filters(store, session_id, clock, programme):
    seed(store, session_id, clock, programme)
    app = make_app(store, session_id=session_id, clock=clock, poll_interval=0, author="AB")
    async with app.run_test(size=SIZE) as pilot:
        log = await open_log(pilot, app)
        assert texts(app) == ["Meer buurthuizen", "Ik voel me thuis in de buurt", "Welkom verhaal"]
        assert "Notities in deze sessie: 3" in log.count_text
        # The kind filter, with the keyboard: Tab from the table to the filters, Enter opens one.
        log.query_one("#log-kind", Select).focus()
        await pilot.press("enter", "down", "down", "enter")  # Alle soorten -> Verhaal -> Citaat
        await settle(pilot, app)
        assert texts(app) == ["Ik voel me thuis in de buurt"]
        assert "Gevonden in deze sessie: 1" in log.count_text
        log.query_one("#log-kind", Select).value = "*"
        log.query_one("#log-phase", Select).value = "4"
        await settle(pilot, app)
        assert texts(app) == ["Meer buurthuizen"]
        log.query_one("#log-phase", Select).value = "0"
        await settle(pilot, app)
        assert texts(app) == ["Welkom verhaal"]
        log.query_one("#log-phase", Select).value = "*"
        log.query_one("#log-tag", Select).value = "plekken"
        await settle(pilot, app)
        assert texts(app) == ["Meer buurthuizen"]
        # Tags from every session are offered, most used first.
        tag_values = [value for _, value in log.query_one("#log-tag", Select)._options]
        assert tag_values == ["*", "wonen", "plekken"]


async def test_search_as_you_type_here_and_everywhere(store, session_id, clock, programme):
    seed(store, session_id, clock, programme)
    app = make_app(store, session_id=session_id, clock=clock, poll_interval=0, author="AB")
    async with app.run_test(size=SIZE) as pilot:
        log = await open_log(pilot, app, "slash")
        assert log.focused.id == "log-search"
        await pilot.press(*"buur")
        await settle(pilot, app)
        assert texts(app) == ["Meer buurthuizen", "Ik voel me thuis in de buurt"]
        await pilot.press(*"th")
        await settle(pilot, app)
        assert texts(app) == ["Meer buurthuizen"]
        await pilot.press("enter", "A")  # to the table, then all sessions
        await settle(pilot, app)
        assert texts(app) == ["In Venlo is het buurthuis dicht", "Meer buurthuizen"]
        assert "Gevonden in alle sessies: 2" in log.count_text
        # Another session's entry says where it was captured: a session column (date, place).
        venlo = log.query_one(EntryTable).entries[0]
        assert (log.session_label(venlo), log.where(venlo)) == ("01-02 Venlo", "De diepte in")
        assert "Sessie" in header_of(app)
        await pilot.press("A")
        await settle(pilot, app)
        assert texts(app) == ["Meer buurthuizen"]


async def test_detail_shows_the_whole_entry_and_its_quotes(store, session_id, clock):
    quote = store.entries.add(
        session_id,
        "quote",
        {"text": "Regel één\nregel twee", "speaker": "deelnemer, Zwolle"},
        now=clock(),
    )
    clock.advance(1)
    store.entries.add(
        session_id, "advice", {"text": "Doe het samen", "level": "overarching"}, links=[quote.id],
        tags=["samen"], now=clock(),
    )  # fmt: skip
    app = make_app(store, session_id=session_id, clock=clock, poll_interval=0, author="AB")
    async with app.run_test(size=SIZE) as pilot:
        log = await open_log(pilot, app)
        detail = log.query_one(EntryDetail).text
        assert "Overkoepelend" in detail and "Doe het samen" in detail
        assert "“Regel één\nregel twee” — deelnemer, Zwolle" in detail and "samen" in detail
        await pilot.press("down")
        await settle(pilot, app)
        assert "Regel één\nregel twee" in log.query_one(EntryDetail).text


async def test_entries_from_another_connection_appear_on_a_change(
    store, session_id, clock, db_path
):
    app = make_app(store, session_id=session_id, clock=clock, poll_interval=0, author="AB")
    async with app.run_test(size=SIZE) as pilot:
        await open_log(pilot, app)
        other = Store.open(db_path)
        try:
            other.entries.add(
                session_id, "quote", {"text": "Van de andere laptop"}, tags=["nieuw"], now=clock()
            )
        finally:
            other.close()
        for screen in app.screen_stack:
            screen.post_message(DatabaseChanged())
        await settle(pilot, app)
        assert texts(app) == ["Van de andere laptop"]
        # The capture forms complete the other app's tags too.
        await pilot.press("escape")
        await settle(pilot, app)
        assert ("nieuw", 1) in app.screen.capturer.tags


async def test_a_second_instance_sees_an_entry_without_a_key_press(
    store, session_id, clock, db_path
):
    """A real writer process and the app's own once-a-second poll, as two note-takers would have.

    How soon it shows (two seconds at most, with the one-second poll) is the poll interval's
    business; the test waits for it with a generous deadline, so a busy machine cannot fail it.
    """
    app = make_app(store, session_id=session_id, clock=clock, author="AB")  # polls every second
    assert app.poll_interval <= 1.0
    async with app.run_test(size=SIZE) as pilot:
        await open_log(pilot, app)
        # The poll has its baseline: a change from here on is someone else's.
        await until(pilot, lambda: app._data_version is not None, what="the first poll")
        code = (
            "import sys; from datetime import datetime, UTC; from facilitator.store import Store; "
            "s = Store.open(sys.argv[1]); "
            "s.entries.add(sys.argv[2], 'quote', {'text': 'Tweede laptop'}, now=datetime.now(UTC)); "
            "s.close()"
        )
        subprocess.run(
            [sys.executable, "-c", code, str(db_path), session_id], check=True, timeout=120
        )
        await until(pilot, lambda: "Tweede laptop" in texts(app), what="the other app's entry")


async def test_slash_and_a_word_typed_at_once_search(store, session_id, clock, programme):
    """A real terminal delivers '/buurt' in one read: every letter lands in the search field,
    none is taken as a key of the list (u, t, ... are keys there)."""
    from textual.widgets import Input

    from tests.support import burst

    seed(store, session_id, clock, programme)
    app = make_app(store, session_id=session_id, clock=clock, poll_interval=0, author="AB")
    async with app.run_test(size=SIZE) as pilot:
        log = await open_log(pilot, app)
        burst(app, "/", *"buurt")
        await settle(pilot, app)
        assert app.screen is log  # no capture form opened by the t
        assert log.query_one("#log-search", Input).value == "buurt"
        assert texts(app) == ["Meer buurthuizen", "Ik voel me thuis in de buurt"]


async def test_a_long_log_reaches_its_oldest_entry_with_end(store, session_id, clock):
    """Rows are fetched a page at a time as they come into view; End goes to the last one."""
    from facilitator.tui.widgets.entry_table import PAGE

    count = PAGE * 2 + 50
    for i in range(count):
        store.entries.add(session_id, "insight", {"text": f"inzicht {i}"}, now=clock())
        clock.advance(seconds=1)
    app = make_app(store, session_id=session_id, clock=clock, poll_interval=0, author="AB")
    async with app.run_test(size=SIZE) as pilot:
        log = await open_log(pilot, app)
        table = log.query_one(EntryTable)
        assert table.row_count == count
        assert len(table.entries) < count  # only what is in view (and a page ahead)
        assert f"Notities in deze sessie: {count}" in log.count_text
        await pilot.press("end")
        await until(pilot, lambda: table.current() is not None, what="the last page")
        assert table.current().text == "inzicht 0"
        await settle(pilot, app)
        assert "inzicht 0" in str(log.query_one(EntryDetail).query_one("#detail-body").visual)
        await pilot.press("home")
        await settle(pilot, app)
        assert table.current().text == f"inzicht {count - 1}"


@pytest.mark.parametrize("size", [(40, 12), (60, 20), (80, 24)])
async def test_small_terminals_show_rows_cut_with_an_ellipsis(store, session_id, clock, size):
    long = "Een heel lang verhaal over de buurt dat nooit op een regel past " * 3
    for i in range(12):
        store.entries.add(session_id, "story", {"text": f"{i} {long}"}, now=clock())
        clock.advance(seconds=1)
    app = make_app(store, session_id=session_id, clock=clock, poll_interval=0, author="AB")
    async with app.run_test(size=size) as pilot:
        log = await open_log(pilot, app)
        table = log.query_one(EntryTable)
        visible = table.scrollable_content_region.height - 1  # the header takes a line
        assert visible >= 7
        lines = [table.render_line(y).text for y in range(1, min(visible, 12) + 1)]
        assert lines[0].startswith(" ") and "11 Een heel lang" in lines[0]
        for line in lines:
            assert line.rstrip().endswith("…"), line
            assert len(line) <= table.scrollable_content_region.width


async def test_the_count_leaves_out_deleted_entries_unless_they_are_shown(
    store, session_id, clock, programme
):
    seed(store, session_id, clock, programme)
    app = make_app(store, session_id=session_id, clock=clock, poll_interval=0, author="AB")
    async with app.run_test(size=SIZE) as pilot:
        log = await open_log(pilot, app)
        assert "Notities in deze sessie: 3" in log.count_text
        await pilot.press("d")
        await settle(pilot, app)
        assert "Notities in deze sessie: 2" in log.count_text
        assert len(texts(app)) == 2
        await pilot.press("D")
        await settle(pilot, app)
        assert "Notities in deze sessie: 3" in log.count_text
        assert "verwijderde zichtbaar" in log.count_text


async def test_opening_the_log_re_reads_no_style_sheet(store, session_id, clock):
    """The log's and forms' sheets are read after the first paint; opening the log then makes
    Textual neither re-parse every sheet nor restyle every widget of the app."""
    app = make_app(store, session_id=session_id, clock=clock, poll_interval=0, author="AB")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        sheet = app.stylesheet
        reparsed = []
        real = sheet.reparse
        sheet.reparse = lambda: (reparsed.append(1), real())[1]  # type: ignore[method-assign]
        await open_log(pilot, app)
        await pilot.press("c")  # a capture form too
        await settle(pilot, app)
        assert reparsed == []


async def test_the_log_opened_again_still_hears_other_apps(store, session_id, clock, db_path):
    """Screens subscribe to the app's database-changed signal; the log, taken off the stack and
    shown again, subscribes again."""
    app = make_app(store, session_id=session_id, clock=clock, poll_interval=0, author="AB")
    async with app.run_test(size=SIZE) as pilot:
        await open_log(pilot, app)
        await pilot.press("escape")
        await settle(pilot, app)
        await open_log(pilot, app)
        await app._poll_database_now()  # the baseline
        other = Store.open(db_path)
        try:
            other.entries.add(session_id, "quote", {"text": "Van ver weg"}, now=clock())
        finally:
            other.close()
        await app._poll_database_now()  # what the once-a-second timer does (in a task of its own)
        await until(pilot, lambda: texts(app) == ["Van ver weg"], what="the other app's entry")


async def test_keys_typed_right_after_enter_in_the_search_reach_the_list(
    store, session_id, clock, programme
):
    from textual.widgets import Input

    from tests.support import burst

    seed(store, session_id, clock, programme)
    app = make_app(store, session_id=session_id, clock=clock, poll_interval=0, author="AB")
    async with app.run_test(size=SIZE) as pilot:
        log = await open_log(pilot, app, "slash")
        burst(app, *"buur", "enter", "down")
        await settle(pilot, app)
        assert log.query_one("#log-search", Input).value == "buur"
        assert log.focused is log.query_one(EntryTable)
        assert log.query_one(EntryTable).cursor_row == 1
