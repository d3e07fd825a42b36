"""Small terminals: every screen usable at 80x24 and readable at 60x20, and toasts that never
cover the capture form or the remark being read.

What is checked is what a person sees: the lines as drawn (the compositor's strips), the key bar
as rendered, and where the toasts and the form are on the screen.
"""

from __future__ import annotations

import shutil

import pytest
from textual.widgets._toast import Toast

from facilitator.core import clock as ck
from facilitator.core.entries import KINDS
from facilitator.tui.app import make_app
from facilitator.tui.bindings import CAPTURE_KEYS
from facilitator.tui.screens.capture_form import CaptureScreen
from facilitator.tui.screens.log import LogScreen
from facilitator.tui.screens.remarks import RemarksScreen
from facilitator.tui.screens.run import RunScreen
from facilitator.tui.screens.start import StartScreen
from facilitator.tui.widgets.keybar import KeyBar
from tests.support import Terminal, new_session, settle, terminal_env, until

SMALL = [(80, 24), (60, 20)]
KEYS = {kind: key for key, kind in CAPTURE_KEYS}


def lines(app) -> list[str]:
    """The screen as drawn, line by line."""
    return ["".join(seg.text for seg in strip) for strip in app.screen._compositor.render_strips()]


def shown(app) -> str:
    return "\n".join(lines(app))


def key_bar(app) -> str:
    return lines(app)[-1]


def app_for(store, session_id, clock, **kw):
    kw.setdefault("author", "AB")
    return make_app(store, session_id=session_id, clock=clock, poll_interval=0, **kw)


def in_phase_one(store, session_id, clock):
    store.clock.add(session_id, ck.START, clock(), {"key": "welkom"})
    clock.advance(minutes=20)
    store.clock.add(session_id, ck.START, clock(), {"key": "fase1"})
    clock.advance(minutes=5)


# -- the run screen -------------------------------------------------------------------------------


@pytest.mark.parametrize("size", SMALL)
async def test_the_key_bar_keeps_capture_log_and_remarks(store, session_id, clock, size):
    in_phase_one(store, session_id, clock)
    app = app_for(store, session_id, clock)
    async with app.run_test(size=size) as pilot:
        await settle(pilot, app)
        bar = key_bar(app)
        assert bar == str(app.screen.query_one(KeyBar).render()).ljust(size[0])
        for key, word in (("c", "Citaat"), ("l", "Logboek"), ("m", "Opmerkingen")):
            assert f" {key} {word} " in bar, bar
        assert " n Volgend blok " in bar and bar.startswith(" ?"), bar
        assert bar.rstrip().endswith("…"), bar  # more keys than fit: ? lists them
        assert len(bar.rstrip()) <= size[0]


async def test_the_key_bar_shows_every_key_when_there_is_room(store, session_id, clock):
    in_phase_one(store, session_id, clock)
    app = app_for(store, session_id, clock)
    async with app.run_test(size=(140, 30)) as pilot:
        await settle(pilot, app)
        bar = key_bar(app)
        for part in ("? Help", "n Volgend blok", "u Herstel", "r Zaalklok", "m Opmerkingen"):
            assert part in bar, bar
        assert "…" not in bar


@pytest.mark.parametrize("size", SMALL)
async def test_the_agenda_shows_every_block(store, session_id, clock, size):
    in_phase_one(store, session_id, clock)
    app = app_for(store, session_id, clock)
    async with app.run_test(size=size) as pilot:
        await settle(pilot, app)
        text = shown(app)
        blocks = app.screen.state.blocks
        for block in (blocks[0], blocks[-1]):
            name = block.name
            # A name too long for the column ends in "…"; its start shows either way.
            assert name[:12] in text, (name, text)
        assert "Blok" in text and "Plan" in text  # the agenda's header


async def test_a_closed_session_still_shows_the_whole_agenda_at_60x20(store, session_id, clock):
    in_phase_one(store, session_id, clock)
    store.clock.add(session_id, ck.CLOSE, clock(), None)
    app = app_for(store, session_id, clock)
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot, app)
        assert app.screen.state.blocks[-1].name[:12] in shown(app), shown(app)


# -- the capture forms ----------------------------------------------------------------------------


@pytest.mark.parametrize("size", SMALL)
async def test_the_advice_form_shows_all_three_levels(store, session_id, clock, size):
    in_phase_one(store, session_id, clock)
    app = app_for(store, session_id, clock)
    async with app.run_test(size=size) as pilot:
        await settle(pilot, app)
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, CaptureScreen))
        await settle(pilot, app)
        text = shown(app)
        for level in ("1  Overkoepelend", "2  Landelijk", "3  Lokaal"):
            assert level in text, text


@pytest.mark.parametrize("size", SMALL)
@pytest.mark.parametrize("kind", KINDS)
async def test_every_form_fits_and_cuts_with_an_ellipsis(store, session_id, clock, size, kind):
    in_phase_one(store, session_id, clock)
    store.entries.add(session_id, "quote", {"text": "Samen eten verbindt"}, now=clock())
    app = app_for(store, session_id, clock)
    async with app.run_test(size=size) as pilot:
        await settle(pilot, app)
        await pilot.press(KEYS[kind])
        await until(pilot, lambda: isinstance(app.screen, CaptureScreen))
        await settle(pilot, app)
        text = shown(app)
        form = app.screen.query_one("#capture-form")
        assert form.region.bottom <= size[1]
        # The hint under the form: whole, or cut with "…".
        hint = str(app.screen.query_one("#capture-hint").render())
        drawn = next(line for line in lines(app) if hint[:20] in line).rstrip()
        assert hint in drawn or drawn.endswith("…"), drawn
        # The first field is in view, with its label.
        assert app.focused is not None and app.focused.region.bottom <= size[1]
        assert "Tags" in text


# -- the start screen and the log -----------------------------------------------------------------


@pytest.mark.parametrize("size", SMALL)
async def test_the_sessions_list_shows_status_and_id(store, session_id, clock, size):
    app = make_app(store, clock=clock, poll_interval=0)
    async with app.run_test(size=size) as pilot:
        await settle(pilot, app)
        assert isinstance(app.screen, StartScreen)
        text = shown(app)
        header = next(line for line in lines(app) if "Datum" in line)
        assert "Status" in header and "Id" in header.split("Status")[1], header
        row = next(line for line in lines(app) if "2026-03-01" in line and "Utrecht" in line)
        assert "nog niet begonnen"[:8] in row or "…" in row, row
        assert session_id in text  # whole: in its column, or in the line under the table
        for line in lines(app):
            assert len(line.rstrip()) <= size[0]


async def test_the_sessions_list_gives_the_columns_back_when_wider(store, session_id, clock):
    app = make_app(store, clock=clock, poll_interval=0)
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot, app)
        await pilot.resize_terminal(140, 30)
        await until(pilot, lambda: "Spelregels voor de samenleving" in shown(app))
        assert not app.screen.query_one("#start-detail").display


@pytest.mark.parametrize("size", SMALL)
async def test_the_log_shows_its_filters_rows_and_keys(store, session_id, clock, size):
    in_phase_one(store, session_id, clock)
    for n in range(3):
        store.entries.add(session_id, "quote", {"text": f"citaat {n}"}, now=clock())
    app = app_for(store, session_id, clock)
    async with app.run_test(size=size) as pilot:
        await settle(pilot, app)
        await pilot.press("l")
        await until(pilot, lambda: isinstance(app.screen, LogScreen))
        await until(pilot, lambda: "Alle tags" in shown(app) and "citaat 2" in shown(app))
        text = shown(app)
        for part in ("Zoeken", "Deze sessie", "Alle soorten", "Alle fases", "Alle tags"):
            assert part in text, text
        bar = key_bar(app)
        assert "esc Terug" in bar and "e Bewerken" in bar and bar.rstrip().endswith("…"), bar


# -- the other screens: what matters most is on screen ---------------------------------------------


@pytest.mark.parametrize("size", SMALL)
@pytest.mark.parametrize(
    "key, expect",
    [
        ("r", None),  # the room clock: the block's name
        ("?", "Toetsen"),
        ("x", "Ctrl+S exporteert"),
        ("d", "Deelnemers"),
        ("N", "esc Terug"),
        ("m", "esc Terug"),
    ],
)
async def test_the_other_screens_show_what_matters(store, session_id, clock, size, key, expect):
    in_phase_one(store, session_id, clock)
    app = app_for(store, session_id, clock)
    async with app.run_test(size=size) as pilot:
        await settle(pilot, app)
        await pilot.press(key)
        # No settle here: the export and profile dialogs are awaited by a worker of their own.
        await until(pilot, lambda: not isinstance(app.screen, RunScreen))
        want = expect or app.screen.app.screen_stack[-2].state.current.name[:10]
        await until(pilot, lambda: want in shown(app), what=f"{want!r} on screen")
        for line in lines(app):
            assert len(line) == size[0]


# -- toasts stand clear of the form and of the remark being read ----------------------------------


def toast_regions(app):
    return [t.region for t in app.screen.query(Toast) if t.region]


@pytest.mark.parametrize("size", [(120, 40), *SMALL])
async def test_a_toast_never_covers_the_capture_form(store, session_id, clock, size):
    in_phase_one(store, session_id, clock)
    app = app_for(store, session_id, clock)
    async with app.run_test(size=size, notifications=True) as pilot:
        await settle(pilot, app)
        # Save a quote, and open the next form at once: "Citaat opgeslagen" arrives over it.
        await pilot.press("c", *"eerste citaat", "enter", "c")
        await until(pilot, lambda: isinstance(app.screen, CaptureScreen))
        app.notify("nog een melding, wat langer dan één regel op een smal scherm", timeout=30)
        await until(pilot, lambda: len(app._notifications) >= 2, what="both notices")
        await settle(pilot, app)
        form = app.screen.query_one("#capture-form").region
        regions = toast_regions(app)
        for region in regions:
            assert not region.overlaps(form), (region, form)
        if size != (60, 20):  # room above the form: the toasts show there
            assert regions, "no toast shown"
            assert all(r.bottom <= form.y for r in regions)


@pytest.mark.parametrize("size", [(120, 40), *SMALL])
async def test_a_toast_never_covers_the_remark_being_read(store, session_id, clock, size):
    in_phase_one(store, session_id, clock)
    for text in ("Een opmerking die iemand wil lezen", "Nog een", "En nog een"):
        store.remarks.post(session_id, text, now=clock())
    store.remarks.release(session_id)
    app = app_for(store, session_id, clock)
    async with app.run_test(size=size, notifications=True) as pilot:
        await settle(pilot, app)
        await pilot.press("m")
        await until(pilot, lambda: isinstance(app.screen, RemarksScreen))
        await until(pilot, lambda: len(app.screen.remarks) == 3)
        await pilot.press("h")  # hide: "Opmerking verborgen..." as a toast
        await until(pilot, lambda: app._notifications, what="the notice")
        await settle(pilot, app)
        detail = app.screen.query_one("#remarks-detail-box").region
        regions = toast_regions(app)
        assert regions, "no toast shown"
        for region in regions:
            assert not region.overlaps(detail), (region, detail)


# -- in a real terminal ---------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is installed by scripts/test.sh")
def test_the_key_bar_at_80x24_in_a_real_terminal(tmp_path):
    from tests.support import EXE

    env = terminal_env(tmp_path, tmp_path / "small.db")
    sid = new_session(env)
    term = Terminal(env, width=80, height=24)
    try:
        term.start(f"exec {EXE} --session {sid} --author AB")
        screen = term.wait_for("Opmerkingen")
        bar = screen.rstrip("\n").splitlines()[-1]
        for part in (" c Citaat ", " l Logboek ", " m Opmerkingen "):
            assert part in bar, screen
        term.keys("a")
        screen = term.wait_for("Lokaal")
        assert "Overkoepelend" in screen and "Landelijk" in screen
    finally:
        term.close()
