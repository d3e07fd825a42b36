"""Text is shown exactly as typed: markup, actions, terminal escapes, RTL, emoji, very long text.

Every place the capture work shows typed text is checked on the rendered screen itself: the
log's rows and detail, the history of versions, the tag completion list, notifications, the
draft offer, the advice's quote list, the tag filter, and the initials in the form's title.
"""

from __future__ import annotations

from textual import events
from textual.widgets import OptionList, Select, SelectionList

from facilitator.core.text import clean
from facilitator.tui.app import make_app
from facilitator.tui.capture import draft_owner
from facilitator.tui.screens.capture_form import CaptureScreen
from facilitator.tui.screens.draft_offer import DraftOfferScreen
from facilitator.tui.screens.entry_history import HistoryScreen
from facilitator.tui.screens.log import LogScreen
from facilitator.tui.widgets.entry_detail import EntryDetail
from facilitator.tui.widgets.entry_table import EntryTable
from tests.support import settle

SIZE = (120, 40)

HOSTILE = [
    "[@click=app.quit]klik hier[/]",
    "[ @click=app.quit]x[/]",
    "[link=x",
    "[bold red]vet[/bold red] [/] [$accent]kleur[/]",
    "\x1b[31mrood\x1b[0m \x1b]0;titel\x07 \x1b[2J",
    "C1: \x9b31m \x85 \x90 einde",
    "😀🎉👍🏽 emoji",
    "مرحبا بالعالم",
    "[" * 5 + "]" * 5 + " \\[escaped\\]",
]
LONG = "heel lang " * 400

BAD = {chr(c) for c in range(0x20) if c not in (9, 10)} | {chr(c) for c in range(0x7F, 0xA0)}


def screen_lines(app) -> list[str]:
    """What the terminal would show, line by line (the rendered segments' text)."""
    return ["".join(seg.text for seg in strip) for strip in app.screen._compositor.render_strips()]


def assert_clean_screen(app) -> str:
    """No control character from typed text reaches the terminal; returns the screen's text."""
    lines = screen_lines(app)
    text = "\n".join(lines)
    assert not (set(text) & BAD), sorted(set(text) & BAD)
    return text


def shown(text: str) -> str:
    """How typed text must appear: as typed, minus the control characters, on one line."""
    return " ".join(clean(text).split())


def seed_raw(store, session_id):
    """Entries as another program might write them: control characters not stripped."""
    with store.transaction() as conn:
        for i, text in enumerate(HOSTILE):
            conn.execute(
                "INSERT INTO entries (id, session_id, kind, block_key, created_at, updated_at,"
                " author, text, speaker) VALUES (?, ?, 'quote', 'fase1', ?, ?, ?, ?, ?)",
                (f"h{i}", session_id, f"2026-03-01T09:{i:02d}:00.000+00:00",
                 f"2026-03-01T09:{i:02d}:00.000+00:00", "[b]X", text, text),
            )  # fmt: skip
            conn.execute("INSERT INTO entry_tags VALUES (?, ?)", (f"h{i}", "[@click=app.quit]"))


async def test_log_rows_and_detail_show_typed_text_as_typed(store, session_id, clock):
    seed_raw(store, session_id)
    store.entries.add(session_id, "story", {"text": LONG}, now=clock())
    app = make_app(store, session_id=session_id, clock=clock, poll_interval=0, author="AB")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("l")
        await settle(pilot, app)
        assert isinstance(app.screen, LogScreen)
        table = app.screen.query_one(EntryTable)
        assert len(table.entries) == len(HOSTILE) + 1
        for row, entry in enumerate(table.entries):
            table.move_cursor(row=row)
            await settle(pilot, app)
            detail = app.screen.query_one(EntryDetail)
            screen = assert_clean_screen(app)
            if entry.text == LONG:
                assert "heel lang heel lang" in screen
                continue
            # The detail pane wraps the whole text: every typed character is on screen.
            expected = clean(entry.text)
            assert expected in detail.text
            assert shown(expected)[:40] in " ".join(screen.split())
            # The row is there too, as text (cut to the column), with the tag verbatim.
            row_text = next(line for line in screen.splitlines() if "[@click=app.quit]" in line)
            assert "[@click=app.quit]" in row_text
            # Clicking on the shown text runs nothing.
            await pilot.click(EntryDetail, offset=(3, 2))
            await pilot.click(EntryDetail, offset=(3, 3))
            assert app.is_running and app.screen is not None
        # The author's initials are shown as typed too.
        assert "[b]X" in assert_clean_screen(app)


async def test_history_completion_list_and_notifications(store, session_id, clock):
    entry = store.entries.add(
        session_id, "insight", {"text": HOSTILE[0]}, tags=[HOSTILE[1]], now=clock()
    )
    store.entries.update(entry.id, {"text": HOSTILE[4]}, tags=[HOSTILE[3]], now=clock())
    app = make_app(store, session_id=session_id, clock=clock, poll_interval=0, author="AB")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        await pilot.press("l")
        await settle(pilot, app)
        await pilot.press("h")
        await settle(pilot, app)
        assert isinstance(app.screen, HistoryScreen)
        screen = assert_clean_screen(app)
        assert "[@click=app.quit]klik hier[/]" in screen  # version 1
        assert shown(HOSTILE[4]) in screen  # version 2: the escapes stripped, the rest as typed
        await pilot.click("#history-body", offset=(3, 8))
        assert app.is_running
        await pilot.press("escape", "escape")
        await settle(pilot, app)

        # The tag completion list under the tag field.
        await pilot.press("i")
        await settle(pilot, app)
        await pilot.press(*"Gewoon", "tab")
        await pilot.press(*"[")
        await settle(pilot, app)
        screen = assert_clean_screen(app)
        assert "[bold-red]vet[/bold-red]-[/]-[$accent]kleur[/] 1" in screen
        # Typed through the keyboard, saved and announced as typed.
        await pilot.press("ctrl+u", *"[b]tag[/b]")
        await pilot.press("shift+tab", "ctrl+a", "ctrl+k")  # back to the text, cleared
        await pilot.press(*"[@click=app.quit]weg[/] ")
        # Emoji and Arabic come in as a paste (Pilot has no keys for them); so do escapes.
        app.post_message(events.Paste("🎉 مرحبا \x1b[2J\x9b1m"))
        await settle(pilot, app)
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        saved = store.entries.list(session_id)[0]
        expected = "[@click=app.quit]weg[/] 🎉 مرحبا [2J1m"
        assert (saved.text, saved.tags) == (expected, ["[b]tag[/b]"])
        assert any(expected in n.message for n in app._notifications)
        screen = assert_clean_screen(app)
        assert "[@click=app.quit]weg[/]" in screen  # the toast
        assert app.is_running


async def test_draft_offer_quote_links_and_tag_filter(store, session_id, clock, programme):
    for text in HOSTILE:
        store.entries.add(
            session_id, "quote", {"text": text, "speaker": text}, tags=[text], now=clock()
        )
    store.drafts.save(
        "lost",
        session_id,
        "quote",
        {
            "capture": {"kind": "quote", "fields": {"text": HOSTILE[0] + HOSTILE[4]}},
            "owner": {**draft_owner(), "host": "een-andere-laptop"},
        },
        author="[i]Z",
        now=clock(),
    )
    app = make_app(store, session_id=session_id, clock=clock, poll_interval=0, author="[u]AB")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert isinstance(app.screen, DraftOfferScreen)
        screen = assert_clean_screen(app)
        assert "[i]Z" in screen and "[@click=app.quit]klik hier[/]" in screen
        assert str(app.screen.query_one(OptionList).get_option_at_index(0).prompt).count("[") >= 2
        await pilot.press("escape")
        await settle(pilot, app)

        # The advice form lists this session's quotes to link to, and the author in its title.
        await pilot.press("a")
        await settle(pilot, app)
        assert isinstance(app.screen, CaptureScreen)
        prompts = [str(o.prompt) for o in app.screen.query_one(SelectionList)._options]
        for text in HOSTILE:
            assert any(shown(text) in p for p in prompts), text
        screen = assert_clean_screen(app)
        assert "[u]AB" in screen and "[link=x" in screen
        await pilot.press("escape")
        await settle(pilot, app)

        # The log's tag filter offers the tags as typed (normalised, never parsed).
        await pilot.press("l")
        await settle(pilot, app)
        select = app.screen.query_one("#log-tag", Select)
        labels = [str(label) for label, _ in select._options]
        assert "[@click=app.quit]klik-hier[/] (1)" in labels
        select.value = "[link=x"
        await settle(pilot, app)
        assert [e.text for e in app.screen.query_one(EntryTable).entries] == ["[link=x"]
        assert "[link=x" in assert_clean_screen(app)
        assert app.is_running


def seed_raw_programme(store, session_id) -> str:
    """A session row as another program might write it: control characters in the place and in
    the frozen programme's theme, block names, work forms and prompts."""
    import json

    evil = "\x1b[41mrood\x1b[0m \x1b]0;titel\x07 \x9b2J [@click=app.quit]x[/]"
    with store.transaction() as conn:
        row = conn.execute("SELECT programme FROM sessions WHERE id = ?", (session_id,)).fetchone()
        programme = json.loads(row[0])
        programme["theme"] = "Thema " + evil
        for block in programme["blocks"]:
            block["name"] = block["name"] + " " + evil
            block["work_forms"] = ["Vorm " + evil]
            block["prompts"] = ["Vraag " + evil]
        conn.execute(
            "UPDATE sessions SET programme = ?, place = ? WHERE id = ?",
            (json.dumps(programme), "Plaats " + evil, session_id),
        )
    return evil


async def test_session_and_programme_text_from_the_database_is_shown_clean(
    store, session_id, clock
):
    from facilitator.core import clock as ck
    from facilitator.tui.screens.rebalance import RebalanceScreen
    from facilitator.tui.screens.room import RoomClockScreen
    from facilitator.tui.screens.start import StartScreen

    evil = seed_raw_programme(store, session_id)
    store.clock.add(session_id, ck.START, clock(), {"key": "welkom"})
    clock.advance(minutes=40)  # 20 minutes late: the rebalance offer shows the block names
    app = make_app(store, session_id=session_id, clock=clock, poll_interval=0, author="AB")
    async with app.run_test(size=(140, 50), notifications=True) as pilot:
        await settle(pilot, app)
        await pilot.press("n")  # the notification names the block
        await settle(pilot, app)
        text = assert_clean_screen(app)
        assert "[@click=app.quit]x[/]" in text and "Vraag" in text and "Vorm" in text
        await pilot.press("r")
        await settle(pilot, app)
        assert isinstance(app.screen, RoomClockScreen)
        assert "[@click=app.quit]" in assert_clean_screen(app)
        await pilot.press("escape", "k")
        await pilot.pause()  # the offer waits for an answer: no settle here
        await pilot.pause()
        assert isinstance(app.screen, RebalanceScreen)
        assert "[@click=app.quit]" in assert_clean_screen(app)
        await pilot.press("escape", "escape")
        await settle(pilot, app)
        assert isinstance(app.screen, StartScreen)
        assert "Plaats" in assert_clean_screen(app)
    assert clean(evil) != evil


def test_bidi_overrides_go_so_text_shows_in_the_order_it_was_typed():
    disguised = "factuur\u202egpj.exe \u2066geïsoleerd\u2069 \u202aLRE\u202c \u202bRLE\u202c"
    assert clean(disguised) == "factuurgpj.exe geïsoleerd LRE RLE"
    arabic = "مرحبا \u200fبالعالم\u200e ok"  # Arabic and the plain direction marks stay
    assert clean(arabic) == arabic
