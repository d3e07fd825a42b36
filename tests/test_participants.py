"""The participants' anonymous profile: the report's appendix 2, stored per session, summed over
any set of sessions, entered in the TUI (key d)."""

from __future__ import annotations

import pytest

from facilitator import i18n
from facilitator.core.participants import (
    CHARACTERISTICS,
    NOT_FILLED,
    ProfileError,
    combine,
    normalise,
    percent,
    table,
    total,
    uneven,
)
from facilitator.store import NotFound, Store, StoreError

# Bijlage 2 of the final report: 130 respondents.
REPORT = {
    "age": {"18-30": 33, "30-50": 50, "50-65": 30, "65+": 17},
    "gender": {"female": 76, "male": 54, "nonbinary": 0},
    "education": {"practical": 21, "middle": 56, "theoretical": 53},
    "migration": {"first": 37, "second": 12, "none": 81},
    "area": {"urban": 92, "rural": 38},
}


def test_the_report_appendix_comes_out_as_printed():
    """The same counts give the report's own percentages, to one decimal, Dutch style."""
    n, rows = table(REPORT)
    assert n == 130
    cells = {(r.category): r.cell for r in rows}
    assert cells == {
        "Jongeren (18-30)": "33 (25,4%)",
        "Volwassen (30-50)": "50 (38,5%)",
        "Ouderen (50-65)": "30 (23,1%)",
        "Senioren (65+)": "17 (13,1%)",
        "Vrouwen": "76 (58,5%)",
        "Mannen": "54 (41,5%)",
        "Non-binair/anders": "0 (0,0%)",
        "Praktisch opgeleid (vmbo, mbo)": "21 (16,2%)",
        "Middelbaar opgeleid (havo, vwo, hbo)": "56 (43,1%)",
        "Theoretisch opgeleid (universitair)": "53 (40,8%)",
        "Eerste generatie migranten": "37 (28,5%)",
        "Tweede generatie migranten": "12 (9,2%)",
        "Geen generatie migranten": "81 (62,3%)",
        "Stedelijk gebied": "92 (70,8%)",
        "Landelijk gebied": "38 (29,2%)",
    }
    # The characteristic is named on its first row only, as in the report's table.
    assert [r.characteristic for r in rows if r.characteristic] == [
        "Leeftijd",
        "Geslacht",
        "Opleidingsniveau",
        "Migratieachtergrond",
        "Woonlocatie",
    ]


def test_rounding_is_half_up():
    assert percent(1, 8) == "12,5%"
    assert percent(1, 16) == "6,3%"  # 6.25: half up, not to even
    assert percent(0, 0) == "0,0%"
    assert percent(2, 3) == "66,7%"


def test_a_characteristic_filled_in_for_fewer_people_says_so():
    profile = {"age": {"18-30": 10, "30-50": 10}, "gender": {"female": 12, "male": 6}}
    assert total(profile) == 20 and uneven(profile) == ["gender"]
    n, rows = table(profile)
    missing = [r for r in rows if r.category == NOT_FILLED]
    assert [(m.count, m.share) for m in missing] == [
        (2, "10,0%"),
        (20, "100,0%"),
        (20, "100,0%"),
        (20, "100,0%"),
    ]


def test_normalise_checks_keys_and_counts():
    assert normalise({"area": {"rural": 3, "urban": 2}}) == {"area": {"urban": 2, "rural": 3}}
    with pytest.raises(ProfileError, match="unknown characteristic 'religion'"):
        normalise({"religion": {"x": 1}})
    with pytest.raises(ProfileError, match="unknown category 'teen'"):
        normalise({"age": {"teen": 1}})
    for bad in (-1, 1.5, "3", True):
        with pytest.raises(ProfileError, match="0 or more"):
            normalise({"age": {"18-30": bad}})


def test_combine_adds_sessions_up():
    a = {"age": {"18-30": 2}, "area": {"urban": 2}}
    b = {"age": {"18-30": 3, "65+": 1}}
    assert combine([a, b]) == {"age": {"18-30": 5, "65+": 1}, "area": {"urban": 2}}
    assert combine([]) == {}


def test_store_keeps_replaces_and_checks(store, session_id):
    assert store.participants.get(session_id) == {}
    store.participants.set(session_id, REPORT)
    assert store.participants.get(session_id) == REPORT
    store.participants.set(session_id, {"area": {"urban": 1, "rural": 1}})
    assert store.participants.get(session_id) == {"area": {"urban": 1, "rural": 1}}
    with pytest.raises(StoreError):
        store.participants.set(session_id, {"age": {"18-30": -2}})
    assert store.participants.get(session_id) == {"area": {"urban": 1, "rural": 1}}
    with pytest.raises(NotFound):
        store.participants.set("nope", REPORT)


def test_series_table_over_several_sessions(store, programme, clock):
    from facilitator.export import series_report

    ids = []
    for place, count in (("Utrecht", 15), ("Den Bosch", 14)):
        sid = store.sessions.create(programme, place, "2026-03-01", now=clock())
        store.participants.set(sid, {"area": {"urban": count - 4, "rural": 4}})
        ids.append(sid)
    series = series_report(store, "all", clock())
    assert series.participants() == {"area": {"urban": 21, "rural": 8}}
    assert series.participant_total() == 29


def test_series_without_any_count_or_profile_says_so_instead_of_zero(store, programme, clock):
    from facilitator.export import export_series

    store.sessions.create(programme, "Venlo", "2026-11-01", now=clock())
    md = export_series(store, "all", "md", now=clock())
    assert "*1 sessie, aantal deelnemers onbekend*" in md
    assert "Nog geen deelnemersprofiel vastgelegd" in md
    assert "0 (0,0%)" not in md and "0 deelnemers" not in md
    store.sessions.create(programme, "Tiel", "2026-11-02", expected_participants=12, now=clock())
    md = export_series(store, "all", "md", now=clock())
    assert "*2 sessies, ten minste 12 deelnemers (deels verwacht aantal)*" in md


# -- the screen ----------------------------------------------------------------------------


async def _open_profile(app, pilot):
    await pilot.pause()
    await pilot.press("d")
    await pilot.pause()
    from facilitator.tui.screens.participants import ParticipantsScreen

    assert isinstance(app.screen, ParticipantsScreen)
    return app.screen


async def test_profile_screen_saves_to_the_store_and_survives_a_restart(
    db_path, session_id, clock, store
):
    from textual.widgets import Input, Static

    from facilitator.tui.app import make_app

    app = make_app(store, session_id=session_id, clock=clock, poll_interval=0)
    async with app.run_test(size=(120, 50), notifications=True) as pilot:
        screen = await _open_profile(app, pilot)
        # Age: 12 young, 8 adults; gender: 11 women, 8 men (one left open: a warning shows).
        for box, value in (
            ("n-age-0", "12"),
            ("n-age-1", "8"),
            ("n-gender-0", "11"),
            ("n-gender-1", "8"),
        ):
            screen.query_one(f"#{box}", Input).value = value
        await pilot.pause()
        assert "samen 20" in str(screen.query_one("#total-age", Static).render())
        assert "Geslacht 19/20" in str(screen.query_one("#uneven", Static).render())
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "20 deelnemers" in " ".join(str(n.message) for n in app._notifications)
    expected = {
        "age": {"18-30": 12, "30-50": 8, "50-65": 0, "65+": 0},
        "gender": {"female": 11, "male": 8, "nonbinary": 0},
    }
    assert store.participants.get(session_id) == expected
    # A new connection (as after a restart) reads the same, and the screen shows it again.
    again = Store.open(db_path)
    try:
        assert again.participants.get(session_id) == expected
        app = make_app(again, session_id=session_id, clock=clock, poll_interval=0)
        async with app.run_test(size=(120, 50)) as pilot:
            screen = await _open_profile(app, pilot)
            assert screen.query_one("#n-age-0", Input).value == "12"
            assert screen.query_one("#n-area-0", Input).value == ""  # never filled in
            await pilot.press("escape")
            await pilot.pause()
    finally:
        again.close()


async def test_profile_screen_refuses_a_negative_count(session_id, clock, store):
    from textual.widgets import Input, Static

    from facilitator.tui.app import make_app

    app = make_app(store, session_id=session_id, clock=clock, poll_interval=0)
    async with app.run_test(size=(120, 50)) as pilot:
        screen = await _open_profile(app, pilot)
        screen.query_one("#n-area-0", Input).value = "-3"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert screen is app.screen  # still open, saying what is wrong
        assert "Stedelijk gebied" in str(screen.query_one("#form-error", Static).render())
        await pilot.press("escape")
        await app.workers.wait_for_complete()
    assert store.participants.get(session_id) == {}


def test_every_category_has_words_in_both_languages():
    from facilitator import i18n

    for lang in i18n.LANGUAGES:
        words = i18n.catalogue(lang)
        for char in CHARACTERISTICS.values():
            assert f"participants.characteristic.{char.key}" in words
            for cat in char.category_keys:
                assert f"participants.category.{char.key}.{cat}" in words
    # The Dutch words are the report's own.
    nl = i18n.catalogue("nl")
    for char in CHARACTERISTICS.values():
        assert nl[f"participants.characteristic.{char.key}"] == char.label
        for cat, label in char.categories:
            assert nl[f"participants.category.{char.key}.{cat}"] == label


def test_counts_past_the_expected_number_or_implausibly_large_are_named():
    from facilitator.core.participants import PLAUSIBLE_COUNT, implausible, over_expected

    profile = {"age": {"18-30": 12, "30-50": 8}, "gender": {"female": 99999, "male": 3}}
    assert over_expected(profile, 20) == ["gender"]
    assert over_expected(profile, None) == []  # no expected number: nothing to compare with
    assert over_expected({"age": {"18-30": 21}}, 20) == ["age"]
    assert over_expected({"age": {"18-30": 20}}, 20) == []
    assert implausible(profile) == [("gender", "female")]
    assert implausible({"area": {"rural": PLAUSIBLE_COUNT}}) == []


async def test_profile_screen_warns_about_a_count_too_large_but_keeps_it(session_id, clock, store):
    """99999 women with 20 expected: said plainly on the screen and when saving, and kept (the
    numbers are the facilitator's)."""
    from textual.widgets import Input, Static

    from facilitator.tui.app import make_app

    app = make_app(store, session_id=session_id, clock=clock, poll_interval=0)
    async with app.run_test(size=(120, 50), notifications=True) as pilot:
        screen = await _open_profile(app, pilot)
        doubts = screen.query_one("#doubts", Static)
        assert not doubts.display  # nothing to say yet
        screen.query_one("#n-age-0", Input).value = "12"
        screen.query_one("#n-age-1", Input).value = "8"
        await pilot.pause()
        assert not doubts.display  # 20 of 20 expected
        screen.query_one("#n-gender-0", Input).value = "99999"
        await pilot.pause()
        text = str(doubts.render())
        assert doubts.display
        assert "Geslacht telt 99999 mensen, meer dan de 20 verwachte deelnemers" in text
        assert "99999 bij Vrouwen is erg veel voor één sessie" in text
        assert screen.query_one("#total-gender", Static).has_class("-doubtful")
        assert not screen.query_one("#total-age", Static).has_class("-doubtful")
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen is not screen  # saved all the same
        messages = [n for n in app._notifications if "99999" in str(n.message)]
        assert messages and messages[0].severity == "warning"
        assert "kijk het na" in str(messages[0].message)
        assert "meer dan de 20 verwachte deelnemers" in str(messages[0].message)
    assert store.participants.get(session_id)["gender"]["female"] == 99999


async def test_profile_screen_warns_when_a_characteristic_passes_the_expected_number(
    session_id, clock, store
):
    from textual.widgets import Input, Static

    from facilitator.tui.app import make_app

    i18n.set_language("en")
    app = make_app(store, session_id=session_id, clock=clock, poll_interval=0)
    async with app.run_test(size=(120, 50), notifications=True) as pilot:
        screen = await _open_profile(app, pilot)
        screen.query_one("#n-area-0", Input).value = "15"
        screen.query_one("#n-area-1", Input).value = "9"
        await pilot.pause()
        text = str(screen.query_one("#doubts", Static).render())
        assert text == (
            "Note: Living area adds up to 24 people, more than the 20 participants "
            "expected. Is that right?"
        )
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert any("but check it" in str(n.message) for n in app._notifications)
    assert store.participants.get(session_id) == {"area": {"urban": 15, "rural": 9}}
