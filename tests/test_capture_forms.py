"""Pilot tests: a note-taker captures every kind with the keyboard only, and finds it again."""

from __future__ import annotations

import os
import subprocess
import sys

from textual.widgets import Input

from facilitator.core import clock as ck
from facilitator.tui.app import make_app
from facilitator.tui.bindings import CAPTURE_BINDINGS
from facilitator.tui.capture import Capturer, draft_owner
from facilitator.tui.screens.capture_form import CaptureScreen
from facilitator.tui.screens.confirm import ConfirmScreen
from facilitator.tui.screens.draft_offer import DraftOfferScreen
from facilitator.tui.screens.log import LogScreen
from facilitator.tui.screens.run import RunScreen
from facilitator.tui.widgets.entry_table import EntryTable
from tests.support import burst, settle, until

SIZE = (120, 40)


def app_for(store, session_id, clock, **kw):
    kw.setdefault("author", "AB")
    return make_app(store, session_id=session_id, clock=clock, poll_interval=0, **kw)


def in_phase_one(store, session_id, clock):
    store.clock.add(session_id, ck.START, clock(), {"key": "welkom"})
    clock.advance(minutes=20)
    store.clock.add(session_id, ck.START, clock(), {"key": "fase1"})
    clock.advance(minutes=5)


async def typed(pilot, text: str) -> None:
    """Type text the way a person does; a newline is the Enter key."""
    await pilot.press(*("enter" if ch == "\n" else ch for ch in text))


async def wait_until(pilot, condition) -> None:
    """Let the app run until `condition()` holds (drafts are written on a timer)."""
    await until(pilot, condition)


def by_kind(store, session_id):
    return {e.kind: e for e in store.entries.list(session_id)}


async def test_every_kind_through_the_keyboard(store, session_id, clock):
    in_phase_one(store, session_id, clock)
    app = app_for(store, session_id, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        # A quote is one key, the words, Enter.
        await pilot.press("c")
        assert isinstance(app.screen, CaptureScreen)
        await typed(pilot, "Ik voel me thuis")
        await pilot.press("tab")
        await typed(pilot, "deelnemer")
        await pilot.press("enter")
        await settle(pilot, app)
        assert isinstance(app.screen, RunScreen)
        # Multi-line text: Enter is a new line, Ctrl+S saves.
        await pilot.press("v")
        await typed(pilot, "Zij bracht soep.\nNu groeten we.")
        await pilot.press("ctrl+s")
        await pilot.press("z")
        await typed(pilot, "Twee handen")
        await pilot.press("tab")
        await typed(pilot, "Handen boven een huis")
        await pilot.press("tab")
        await typed(pilot, "/foto/z1.jpg")
        await pilot.press("enter")
        await pilot.press("o")
        await typed(pilot, "Hoe voorkomen we ruzie?\n")
        await pilot.press("s")
        await typed(pilot, "Licht je beweegredenen toe")
        await pilot.press("tab", "space")  # the story it came from: a link, not typed text
        await pilot.press("ctrl+s")
        await pilot.press("t")
        await typed(pilot, "De Buurtkeuken")
        await pilot.press("tab")
        await typed(pilot, "Samen koken")
        await pilot.press("tab", "space", "down", "space", "tab")
        await typed(pilot, "Muziek, Groen")
        await pilot.press("ctrl+s")
        await pilot.press("a")
        await typed(pilot, "Meer buurthuizen")
        await pilot.press("tab", "3", "tab", "space", "ctrl+s")
        await pilot.press("i")
        await typed(pilot, "Eten verbindt")
        await pilot.press("ctrl+s")
        await pilot.press("w")
        await typed(pilot, "Geloof bleef stil")
        await pilot.press("ctrl+s")
        await pilot.press("V")
        await typed(pilot, "Herkenbaar verslag")
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert isinstance(app.screen, RunScreen)

        entries = by_kind(store, session_id)
        assert set(entries) == {
            "quote", "story", "emblem", "design_question", "rule", "prototype", "advice",
            "insight", "observation", "validation",
        }  # fmt: skip
        for e in entries.values():
            assert (e.author, e.block_key, e.created_at) == (
                "AB",
                "fase1",
                "2026-03-01T09:25:00.000+00:00",
            )
        assert entries["quote"].text == "Ik voel me thuis"
        assert entries["quote"].speaker == "deelnemer"
        assert entries["story"].text == "Zij bracht soep.\nNu groeten we."
        assert (entries["emblem"].title, entries["emblem"].photo) == ("Twee handen", "/foto/z1.jpg")
        assert entries["design_question"].text == "Hoe voorkomen we ruzie?"
        assert entries["rule"].links == [entries["story"].id]
        assert entries["prototype"].building_blocks == [
            "Een plek met meerdere functies en sociale ingangen",
            "Activiteiten als motor voor verbinding",
            "Muziek",
            "Groen",
        ]
        assert entries["advice"].level == "local"
        assert entries["advice"].links == [entries["quote"].id]

        # ...and every one of them is in the log, newest first.
        await pilot.press("l")
        await settle(pilot, app)
        assert isinstance(app.screen, LogScreen)
        table = app.screen.query_one(EntryTable)
        assert [e.kind for e in table.entries][::-1] == [
            "quote", "story", "emblem", "design_question", "rule", "prototype", "advice",
            "insight", "observation", "validation",
        ]  # fmt: skip
        assert table.row_count == 10


async def test_required_fields_and_cancelling(store, session_id, clock):
    app = app_for(store, session_id, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("c", "enter")  # nothing typed yet
        await settle(pilot, app)
        assert isinstance(app.screen, CaptureScreen)
        assert "Vul eerst in: Citaat" in str(app.screen.query_one("#capture-error").visual)
        assert store.entries.list(session_id) == []
        await pilot.press("escape")  # a blank form closes without asking
        await settle(pilot, app)
        assert isinstance(app.screen, RunScreen)

        await pilot.press("a")
        await typed(pilot, "Bankjes")
        await pilot.press("ctrl+s")  # no level chosen yet
        await settle(pilot, app)
        assert "Niveau" in str(app.screen.query_one("#capture-error").visual)
        await pilot.press("escape")  # typed words: asks first
        await settle(pilot, app)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")  # keep typing
        await settle(pilot, app)
        assert isinstance(app.screen, CaptureScreen)
        await pilot.press("2", "ctrl+s")  # the error put the cursor on the level
        await settle(pilot, app)
        assert [(e.kind, e.level) for e in store.entries.list(session_id)] == [
            ("advice", "national")
        ]

        await pilot.press("w")
        await typed(pilot, "weg ermee")
        await pilot.press("escape", "j")
        await settle(pilot, app)
        assert isinstance(app.screen, RunScreen)
        assert len(store.entries.list(session_id)) == 1
        assert store.drafts.list(session_id) == []


async def test_tags_complete_from_every_session(store, session_id, clock, programme):
    other = store.sessions.create(programme, "Venlo", "2026-02-01", now=clock())
    store.entries.add(
        other, "insight", {"text": "x"}, tags=["wederkerigheid", "wonen"], now=clock()
    )
    store.entries.add(other, "insight", {"text": "y"}, tags=["wonen"], now=clock())
    app = app_for(store, session_id, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("c")
        await typed(pilot, "Geven en nemen")
        await pilot.press("tab", "tab")  # past the speaker, into the tags
        matches = app.screen.query_one("#tag-matches")
        assert str(matches.visual) == "wonen 2 · wederkerigheid 1"
        await typed(pilot, "wed")
        await settle(pilot, app)
        assert str(matches.visual) == "wederkerigheid 1"
        await pilot.press("tab")  # takes the completion
        await typed(pilot, "Eigen Tag")
        await pilot.press("enter")
        await settle(pilot, app)
        assert store.entries.list(session_id)[0].tags == ["eigen-tag", "wederkerigheid"]


async def test_initials_are_asked_in_the_first_form_and_remembered(store, session_id, clock):
    app = app_for(store, session_id, clock, author="")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        # The words typed straight after the key land in the quote, not in a question.
        await pilot.press("c")
        await typed(pilot, "Eerste citaat\n")
        await settle(pilot, app)
        assert isinstance(app.screen, CaptureScreen)  # no initials yet: asked, the text kept
        assert "Typ je initialen" in str(app.screen.query_one("#capture-error").visual)
        assert app.focused.id == "f-initials"
        # A sentence typed into the wrong field is not taken for initials.
        await typed(pilot, "c Tw\n")
        await settle(pilot, app)
        assert isinstance(app.screen, CaptureScreen)
        assert "zonder spaties" in str(app.screen.query_one("#capture-error").visual)
        await pilot.press(*["backspace"] * 4)
        await typed(pilot, "JdV\n")
        await settle(pilot, app)
        assert isinstance(app.screen, RunScreen)
        await pilot.press("c")
        await settle(pilot, app)
        assert not app.screen.query("#f-initials")  # not asked again
        await typed(pilot, "Tweede citaat\n")
        await settle(pilot, app)
    assert [(e.text, e.author) for e in store.entries.list(session_id)] == [
        ("Tweede citaat", "JdV"),
        ("Eerste citaat", "JdV"),
    ]
    # The next start offers them prefilled: the first quote needs no extra key.
    app = app_for(store, session_id, clock, author="")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("c")
        await settle(pilot, app)
        assert app.screen.query_one("#f-initials", Input).value == "JdV"
        await typed(pilot, "Derde citaat\n")
        await settle(pilot, app)
        assert isinstance(app.screen, RunScreen)
    assert store.entries.list(session_id)[0].author == "JdV"


async def test_edit_keeps_earlier_versions_and_delete_can_be_undone(store, session_id, clock):
    entry = store.entries.add(
        session_id, "insight", {"text": "Eerste versie"}, tags=["a"], now=clock()
    )
    store.entries.add(session_id, "insight", {"text": "Ander inzicht"}, now=clock())
    app = app_for(store, session_id, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("l")
        await settle(pilot, app)
        log = app.screen
        table = log.query_one(EntryTable)
        assert table.current().text == "Ander inzicht"
        await pilot.press("down", "e")
        await settle(pilot, app)
        assert isinstance(app.screen, CaptureScreen)
        await pilot.press("end")
        await typed(pilot, ", tweede versie")
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert app.screen is log
        assert store.entries.get(entry.id).text == "Eerste versie, tweede versie"
        assert [r["text"] for r in store.entries.revisions(entry.id)] == ["Eerste versie"]
        assert table.current().id == entry.id
        await pilot.press("h")
        await settle(pilot, app)
        body = str(app.screen.query_one("#history-body").visual)
        assert "Eerste versie, tweede versie" in body and "Versie 1" in body
        await pilot.press("escape")
        # An edit that changes nothing writes no new version.
        await pilot.press("e", "ctrl+s")
        await settle(pilot, app)
        assert store.entries.get(entry.id).revision == 2

        await pilot.press("d")
        await settle(pilot, app)
        assert store.entries.get(entry.id).deleted
        assert entry.id not in [e.id for e in table.entries]
        await pilot.press("u")
        await settle(pilot, app)
        assert not store.entries.get(entry.id).deleted
        assert table.current().id == entry.id
        # Deleted entries can be shown and brought back later too.
        await pilot.press("d", "D")
        await settle(pilot, app)
        assert [e.deleted for e in table.entries] == [False, True]
        await pilot.press("down")
        assert table.current().id == entry.id
        await pilot.press("u")
        await settle(pilot, app)
        assert not store.entries.get(entry.id).deleted


async def test_a_draft_is_kept_while_typing_and_dropped_on_save(store, session_id, clock):
    app = app_for(store, session_id, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("v")
        await typed(pilot, "Het begon op een dinsdag")

        def draft_text():
            drafts = store.drafts.list(session_id)
            return drafts[0]["data"]["capture"]["fields"]["text"] if drafts else None

        # Written a moment after the typing, committed: what another process would read.
        await wait_until(pilot, lambda: draft_text() == "Het begon op een dinsdag")
        draft = store.drafts.list(session_id)[0]
        assert draft["author"] == "AB" and draft["data"]["owner"]["pid"] == os.getpid()
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert store.drafts.list(session_id) == []
        assert store.entries.list(session_id)[0].text == "Het begon op een dinsdag"


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


async def test_drafts_of_a_crashed_app_are_offered_back(store, session_id, clock):
    in_phase_one(store, session_id, clock)
    data = {
        "capture": {
            "kind": "quote",
            "fields": {"text": "Ik was bijna", "speaker": ""},
            "tag_text": "taal",
        },
        "block_key": "fase1",
        "opened_at": "2026-03-01T09:21:00.000+00:00",
        "owner": {**draft_owner(), "pid": _dead_pid()},
    }
    store.drafts.save("lost1", session_id, "quote", data, author="CD", now=clock())
    # A form still open in a running app is not offered.
    store.drafts.save("live1", session_id, "story", {**data, "owner": draft_owner()}, now=clock())
    app = app_for(store, session_id, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert isinstance(app.screen, DraftOfferScreen)
        assert [d["id"] for d, _ in app.screen.drafts] == ["lost1"]
        await pilot.press("enter")
        await settle(pilot, app)
        assert isinstance(app.screen, CaptureScreen)
        await pilot.press("end")
        await typed(pilot, " vergeten\n")
        await settle(pilot, app)
        saved = store.entries.list(session_id)[0]
        assert (saved.text, saved.author, saved.block_key) == (
            "Ik was bijna vergeten",
            "CD",
            "fase1",
        )
        assert saved.created_at == "2026-03-01T09:21:00.000+00:00" and saved.tags == ["taal"]
        assert [d["id"] for d in store.drafts.list(session_id)] == ["live1"]


async def test_a_crashed_draft_can_be_thrown_away(store, session_id, clock):
    data = {
        "capture": {"kind": "story", "fields": {"text": "half"}},
        "owner": {"host": "elders", "pid": 1},
    }
    store.drafts.save("lost1", session_id, "story", data, now=clock())
    app = app_for(store, session_id, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert isinstance(app.screen, DraftOfferScreen)
        await pilot.press("d")
        await settle(pilot, app)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("j")
        await settle(pilot, app)
        assert isinstance(app.screen, RunScreen)
        assert store.drafts.list(session_id) == []


async def test_capture_keys_are_in_the_help_and_translated(store, session_id, clock):
    app = app_for(store, session_id, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        screen = app.screen
        descriptions = {
            b.action: b.description
            for bindings in screen._bindings.key_to_bindings.values()
            for b in bindings
        }
        for binding in CAPTURE_BINDINGS:
            assert "." not in descriptions[binding.action], binding.action
        from facilitator.tui.screens.help import help_rows

        capture_rows = [r for r in help_rows(screen) if r[0] == "capture"]
        assert len(capture_rows) == len(CAPTURE_BINDINGS)
        assert ("c", "Citaat") in [(r[1], r[2]) for r in capture_rows]
        assert isinstance(screen.capturer, Capturer)


async def test_a_crashed_edit_comes_back_as_an_edit(store, session_id, clock):
    entry = store.entries.add(session_id, "rule", {"text": "Groet elkaar"}, now=clock())
    data = {
        "capture": {"kind": "rule", "fields": {"text": "Groet elkaar altijd", "source": ""}},
        "owner": {**draft_owner(), "pid": _dead_pid()},
    }
    store.drafts.save("lost", session_id, "rule", data, entry_id=entry.id, now=clock())
    app = app_for(store, session_id, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert isinstance(app.screen, DraftOfferScreen)
        await pilot.press("enter")
        await settle(pilot, app)
        assert isinstance(app.screen, CaptureScreen) and app.screen.editing
        await pilot.press("ctrl+s")
        await settle(pilot, app)
    edited = store.entries.get(entry.id)
    assert (edited.text, edited.revision) == ("Groet elkaar altijd", 2)
    assert [r["text"] for r in store.entries.revisions(entry.id)] == ["Groet elkaar"]
    assert store.drafts.list(session_id) == []


async def test_keys_queued_behind_a_slow_commit_save_once_and_close_only_the_form(
    store, session_id, clock, monkeypatch
):
    """Enter three times while the disk is slow: one entry, the form closed at the first Enter,
    the next two given to the run screen under it (which has nothing on Enter)."""
    import time

    in_phase_one(store, session_id, clock)
    add = store.entries.add

    def slow_add(*args, **kwargs):
        time.sleep(0.2)
        return add(*args, **kwargs)

    monkeypatch.setattr(store.entries, "add", slow_add)
    app = app_for(store, session_id, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("c")
        await typed(pilot, "citaat 1")
        for key in ("enter", "enter", "enter"):  # all queued at once, as a quick triple tap
            app.simulate_key(key)
        await wait_until(pilot, lambda: isinstance(app.screen, RunScreen))
        await app.saves.drain()
        await settle(pilot, app)
        assert [type(s) for s in app.screen_stack[1:]] == [RunScreen]
        assert [e.text for e in store.entries.list(session_id)] == ["citaat 1"]
        assert store.drafts.list(session_id) == []
        # Esc typed right after Enter belongs to the screen the Enter went back to.
        await pilot.press("c")
        await typed(pilot, "citaat 2")
        for key in ("enter", "escape"):
            app.simulate_key(key)
        await wait_until(pilot, lambda: type(app.screen).__name__ == "StartScreen")
        await app.saves.drain()
        assert sorted(e.text for e in store.entries.list(session_id)) == ["citaat 1", "citaat 2"]


async def test_the_form_closes_once_its_commit_is_made_and_keys_typed_meanwhile_wait(
    store, session_id, clock, monkeypatch
):
    """Enter keeps the form until its entry is committed (at most CLOSE_WAIT, made long here):
    the keys typed meanwhile wait, then open the next form and fill it, in the order typed."""
    import time

    from facilitator.tui.screens import capture_form
    from tests.support import DEADLINE

    in_phase_one(store, session_id, clock)
    monkeypatch.setattr(capture_form, "CLOSE_WAIT", DEADLINE)
    add = store.entries.add

    def slow_add(*args, **kwargs):
        time.sleep(0.3)
        return add(*args, **kwargs)

    monkeypatch.setattr(store.entries, "add", slow_add)
    stored_when_closed: list[list[str]] = []
    dismiss = CaptureScreen.dismiss

    def recording_dismiss(self, result=None):
        stored_when_closed.append(sorted(e.text for e in store.entries.list(session_id)))
        return dismiss(self, result)

    monkeypatch.setattr(CaptureScreen, "dismiss", recording_dismiss)
    app = app_for(store, session_id, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("c")
        await typed(pilot, "citaat 1")
        burst(app, "enter", "c", *"citaat 2", "enter")  # typed on while the first is committed
        await wait_until(pilot, lambda: len(stored_when_closed) == 2)
        await wait_until(pilot, lambda: isinstance(app.screen, RunScreen))
        await app.saves.drain()
    assert stored_when_closed == [["citaat 1"], ["citaat 1", "citaat 2"]]
    assert store.drafts.list(session_id) == []


async def test_ctrl_s_at_paste_speed_keeps_every_field(store, session_id, clock):
    """Ctrl+S acts the moment it arrives; what was typed just before it is saved all the same."""
    in_phase_one(store, session_id, clock)
    app = app_for(store, session_id, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("c")
        assert isinstance(app.screen, CaptureScreen)
        burst(app, *"Snel gezegd", "tab", *"deelnemer", "tab", *"snel1, snel2", "ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, RunScreen))
        await settle(pilot, app)
    (quote,) = store.entries.list(session_id)
    assert (quote.text, quote.speaker, sorted(quote.tags)) == (
        "Snel gezegd",
        "deelnemer",
        ["snel1", "snel2"],
    )
