"""The new-session form: keys sent straight after Tab land in the next field, never in the one
being left, and editing keys act where they were typed (a fast typist, a paste, tmux send-keys)."""

from __future__ import annotations

from textual.widgets import Input

from facilitator.tui.app import make_app
from facilitator.tui.screens.new_session import NewSessionScreen
from tests.support import burst


def values(screen) -> dict[str, str]:
    return {
        name: screen.query_one(f"#{name}", Input).value
        for name in ("place", "date", "facilitators", "participants")
    }


async def _open_form(app, pilot) -> NewSessionScreen:
    await pilot.press("n")
    await pilot.pause()
    assert isinstance(app.screen, NewSessionScreen)
    assert app.focused is app.screen.query_one("#place", Input)
    return app.screen


async def test_keys_typed_right_after_tab_land_in_the_next_field(store, clock):
    app = make_app(store, clock=clock, poll_interval=0)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open_form(app, pilot)
        # The tester's keys: the place, Tab, Ctrl+U, a date; then on through the form.
        burst(app, *"Utrecht", "tab", "ctrl+u", *"2026-13-45", "tab", *"Anna, Bram")
        burst(app, "tab", "ctrl+u", *"25")
        await pilot.pause()
        await pilot.pause()
        assert values(screen) == {
            "place": "Utrecht",
            "date": "2026-13-45",
            "facilitators": "Anna, Bram",
            "participants": "25",
        }
        assert app.focused is screen.query_one("#participants", Input)


async def test_editing_keys_act_in_the_field_they_were_typed_in(store, clock):
    """Backspace and Ctrl+U just before a Tab change that field, not the next one."""
    app = make_app(store, clock=clock, poll_interval=0)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open_form(app, pilot)
        burst(app, *"Venlox", "backspace", "tab", "ctrl+u", *"2026-05-02", "backspace", "1")
        burst(app, "tab", *"Anna", "shift+tab", "shift+tab", "end", *" Noord")
        await pilot.pause()
        await pilot.pause()
        assert values(screen) == {
            "place": "Venlo Noord",
            "date": "2026-05-01",
            "facilitators": "Anna",
            "participants": "20",
        }
        assert app.focused is screen.query_one("#place", Input)


async def test_esc_asks_before_throwing_away_what_was_typed(store, clock):
    from facilitator.tui.screens.confirm import ConfirmScreen

    app = make_app(store, clock=clock, poll_interval=0)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open_form(app, pilot)
        await pilot.press("escape")  # nothing typed: closes at once
        await pilot.pause()
        assert not isinstance(app.screen, NewSessionScreen)
        screen = await _open_form(app, pilot)
        await pilot.press(*"Utrecht", "escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")  # keep typing
        await pilot.pause()
        assert app.screen is screen and values(screen)["place"] == "Utrecht"
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("j")
        await pilot.pause()
        assert not isinstance(app.screen, (NewSessionScreen, ConfirmScreen))
