"""Exporting from the run screen: key x, the dialog, the progress window, the command palette."""

from __future__ import annotations

import docx
from textual.widgets import Input, Select

from facilitator.tui.app import make_app
from facilitator.tui.screens.export import ExportScreen
from tests.golden.sample_session import at, build_sample


def _app(store, sid):
    from tests.conftest import FakeClock

    return make_app(store, session_id=sid, clock=FakeClock(at(60 * 24 * 8)), poll_interval=0)


async def _export(app, pilot, tmp_path, scope: str, fmt: str, name: str):
    await pilot.press("x")
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, ExportScreen)
    screen.query_one("#scope", Select).value = scope
    await pilot.pause()
    screen.query_one("#format", Select).value = fmt
    await pilot.pause()
    screen.query_one("#path", Input).value = str(tmp_path / name)
    await pilot.press("ctrl+s")
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_x_exports_the_draft_to_word(store, tmp_path):
    sid = build_sample(store)
    app = _app(store, sid)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.pause()
        await _export(app, pilot, tmp_path, "session", "docx", "verslag")
        assert not isinstance(app.screen, ExportScreen)
        messages = " ".join(str(n.message) for n in app._notifications)
        assert "Geëxporteerd" in messages and "verslag.docx" in messages
    document = docx.Document(str(tmp_path / "verslag.docx"))  # the extension was added
    assert document.paragraphs[0].text.startswith("Verslag burgerconsultatie")


async def test_participant_version_and_series_from_the_dialog(store, tmp_path):
    sid = build_sample(store)
    app = _app(store, sid)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await _export(app, pilot, tmp_path, "participants", "md", "concept.md")
        await _export(app, pilot, tmp_path, "theme", "html", "reeks.html")
    concept = (tmp_path / "concept.md").read_text(encoding="utf-8")
    assert concept.startswith("# Conceptverslag") and "Observaties" not in concept
    assert "Bijlage 2: kenmerken deelnemers" in (tmp_path / "reeks.html").read_text(
        encoding="utf-8"
    )


async def test_dialog_offers_only_report_formats_for_the_participant_version(store):
    sid = build_sample(store)
    app = _app(store, sid)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("x")
        await pilot.pause()
        screen = app.screen
        path = screen.query_one("#path", Input)
        assert path.value.endswith(f"{sid}.docx")
        screen.query_one("#format", Select).value = "json"
        await pilot.pause()
        assert path.value.endswith(f"{sid}.json")  # the suggestion follows the choice
        screen.query_one("#scope", Select).value = "participants"
        await pilot.pause()
        assert screen.query_one("#format", Select).value == "docx"
        assert path.value.endswith(f"{sid}-conceptverslag.docx")
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ExportScreen)


async def test_a_failed_write_is_reported_and_the_session_carries_on(store, tmp_path):
    sid = build_sample(store)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    app = _app(store, sid)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.pause()
        await _export(app, pilot, tmp_path / "file" / "sub", "session", "md", "x.md")
        assert "Exporteren mislukt" in " ".join(str(n.message) for n in app._notifications)
        assert type(app.screen).__name__ == "RunScreen"


async def test_odd_paths_are_answered_in_the_dialog_never_a_crash(store, tmp_path, monkeypatch):
    """~name of a user this laptop does not know, a bare folder, ".": the app carries on."""
    sid = build_sample(store)
    folder = tmp_path / "verslagen"
    folder.mkdir()
    monkeypatch.chdir(tmp_path)
    app = _app(store, sid)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("x")
        await pilot.pause()
        screen = app.screen
        screen.query_one("#path", Input).value = "~geen-gebruiker-hier/verslag"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        assert "geen-gebruiker-hier" in str(screen.query_one("#form-error").visual)
        # A folder (with or without the slash) gets the suggested file name inside it.
        screen.query_one("#path", Input).value = str(folder) + "/"
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert (folder / f"{sid}.docx").exists()
        await _export(app, pilot, folder, "session", "md", "")
        assert (folder / f"{sid}.md").exists()
        await pilot.press("x")
        await pilot.pause()
        app.screen.query_one("#path", Input).value = "."
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert (tmp_path / f"{sid}.docx").exists()
        assert type(app.screen).__name__ == "RunScreen"


async def test_enter_twice_in_a_dialog_closes_only_the_dialog(store, tmp_path):
    """The second Enter reaches the path field before the dialog is gone; it must not pop the
    run screen under the dialog (that left a blank app)."""
    from facilitator.tui.screens.run import RunScreen

    sid = build_sample(store)
    app = _app(store, sid)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("x")
        await pilot.pause()
        path = app.screen.query_one("#path", Input)
        path.value = str(tmp_path / "twee-keer.md")
        path.focus()
        await pilot.pause()
        app.simulate_key("enter")
        app.simulate_key("enter")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert [type(s) for s in app.screen_stack[1:]] == [RunScreen]
    assert (tmp_path / "twee-keer.md.docx").exists()


async def test_command_palette_offers_export_and_profile(store):
    from facilitator.tui.commands import ExportCommands

    sid = build_sample(store)
    app = _app(store, sid)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        provider = ExportCommands(app.screen)
        names = [hit.text async for hit in provider.discover()]
        assert names == [
            "Exporteren…",
            "Conceptverslag voor deelnemers…",
            "Reeksrapport…",
            "Deelnemersprofiel…",
        ]
        from facilitator.tui.commands import KeyCommands

        keys = [hit.text async for hit in KeyCommands(app.screen).discover()]
        assert "Exporteren" not in keys and not any(k.startswith("Deelnemers") for k in keys)
        hits = [hit async for hit in provider.search("concept")]
        assert hits and str(hits[0].match_display).startswith("Concept")
        hits[0].command()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ExportScreen)
        assert screen.query_one("#scope", Select).value == "participants"
        await pilot.press("escape")
        await pilot.pause()


async def test_help_lists_the_keys(store):
    from facilitator.tui.screens.help import help_rows

    sid = build_sample(store)
    app = _app(store, sid)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        rows = {keys: name for _, keys, name, _ in help_rows(app.screen)}
        assert rows.get("x") == "Exporteren" and rows.get("d") == "Deelnemers"
