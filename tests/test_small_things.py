"""Smaller promises: Textual's own palette commands speak Dutch, k says what it did."""

from __future__ import annotations

from facilitator import i18n
from facilitator.tui.app import make_app
from facilitator.tui.screens.run import RunScreen


async def test_palette_built_ins_are_translated(store):
    app = make_app(store, poll_interval=0)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Stoppen" in titles and "Thema" in titles and "Schermafbeelding" in titles
        assert not {"Quit", "Theme", "Keys", "Screenshot"} & set(titles)
    i18n.set_language("en")
    app = make_app(store, poll_interval=0)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert "Quit" in [c.title for c in app.get_system_commands(app.screen)]


async def test_k_on_time_says_what_happened(store, session_id, clock):
    app = make_app(store, session_id=session_id, clock=clock, poll_interval=0, author="AB")
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, RunScreen)
        await pilot.press("k")
        await app.workers.wait_for_complete()
        await pilot.pause()
        shown = [n.message for n in app._notifications]
        assert any("Niets in te korten" in m for m in shown), shown
