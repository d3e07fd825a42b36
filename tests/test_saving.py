"""Saving without losing a word: the conflict rule, the ordered commit queue, stale edits, and
fields that keep their text when they get focus back."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from facilitator.core import clock as ck
from facilitator.core.conflict import Version, is_stale, resolve
from facilitator.store import StaleEdit
from facilitator.tui.app import make_app
from facilitator.tui.capture import draft_owner
from facilitator.tui.saving import Commit, CommitQueue, failure_reason
from facilitator.tui.screens.capture_form import CaptureScreen
from facilitator.tui.screens.conflict import ConflictScreen
from facilitator.tui.screens.draft_offer import DraftOfferScreen
from facilitator.tui.screens.run import RunScreen
from tests.support import burst

SIZE = (120, 40)

# -- the conflict rule (no UI) -------------------------------------------------------------------


def test_resolve_mine_theirs_both():
    base = Version({"text": "a", "speaker": "x"}, ["t1"])
    mine = Version({"text": "a mine", "speaker": "x"}, ["t1", "m"])
    theirs = Version({"text": "a", "speaker": "y"}, ["t1", "th"])
    assert resolve("mine", base, mine, theirs) == mine
    assert resolve("theirs", base, mine, theirs) is None
    both = resolve("both", base, mine, theirs)
    # What each changed is kept; tags joined.
    assert both.fields == {"text": "a mine", "speaker": "y"}
    assert both.tags == ["t1", "th", "m"]
    # Both changed one field: mine is the edit (theirs stays in the entry's history).
    clash = resolve("both", base, mine, Version({"text": "a theirs", "speaker": "x"}))
    assert clash.fields["text"] == "a mine"
    with pytest.raises(ValueError):
        resolve("neither", base, mine, theirs)
    assert is_stale(1, 2) and not is_stale(2, 2)


def test_a_stale_update_is_refused_inside_the_transaction(store, session_id, clock):
    entry = store.entries.add(session_id, "quote", {"text": "een"}, now=clock())
    store.entries.update(entry.id, {"text": "twee"}, now=clock(), expected_revision=1)
    with pytest.raises(StaleEdit) as refused:
        store.entries.update(entry.id, {"text": "drie"}, now=clock(), expected_revision=1)
    assert refused.value.current.text == "twee" and refused.value.current.revision == 2
    assert store.entries.get(entry.id).text == "twee"


def test_failure_reasons_are_catalogue_keys():
    assert failure_reason(sqlite3.OperationalError("database is locked")) == "saving.reason_locked"
    assert failure_reason(sqlite3.OperationalError("database or disk is full")).endswith("disk")
    assert failure_reason(
        sqlite3.OperationalError("attempt to write a readonly database")
    ).endswith("readonly")


# -- the commit queue ----------------------------------------------------------------------------


async def test_commits_keep_their_order_and_wait_out_a_lock(store, session_id, clock, db_path):
    queue = CommitQueue(store, patience=60)
    done: list[str] = []
    locker = sqlite3.connect(db_path, isolation_level=None)
    locker.execute("PRAGMA busy_timeout=100")
    store.conn.execute("PRAGMA busy_timeout=100")  # the lock outlasts several attempts
    locker.execute("BEGIN IMMEDIATE")
    for n in range(5):
        text = f"citaat {n}"
        queue.put(
            Commit(
                lambda text=text: store.entries.add(
                    session_id, "quote", {"text": text}, now=clock()
                ),
                lambda e: done.append(e.text),
            )
        )
    assert queue.pending == 5
    await asyncio.sleep(0.5)
    assert done == []  # still waiting, nothing refused
    locker.execute("COMMIT")
    assert await queue.drain(timeout=30)
    assert done == [f"citaat {n}" for n in range(5)]
    assert [e.text for e in store.entries.list(session_id, newest_first=False)] == done


async def test_a_commit_that_fails_for_good_is_reported_once(store, session_id, clock, db_path):
    queue = CommitQueue(store, patience=0.3)
    store.conn.execute("PRAGMA busy_timeout=50")
    failed: list[BaseException] = []
    locker = sqlite3.connect(db_path, isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")
    try:
        queue.put(
            Commit(
                lambda: store.entries.add(session_id, "quote", {"text": "x"}, now=clock()),
                None,
                failed.append,
            )
        )
        assert await queue.drain(timeout=30)
    finally:
        locker.execute("COMMIT")
    assert len(failed) == 1 and failure_reason(failed[0]) == "saving.reason_locked"


async def test_no_collection_starts_while_commits_wait(store, session_id, clock):
    """A full collection on the event loop holds up the database thread too (see gcpause)."""
    import gc

    assert gc.isenabled()
    queue = CommitQueue(store)
    seen: list[bool] = []
    for n in range(3):
        queue.put(
            Commit(
                lambda n=n: store.entries.add(session_id, "quote", {"text": f"c{n}"}, now=clock()),
                lambda _e: seen.append(gc.isenabled()),
            )
        )
    assert await queue.drain(timeout=30)
    assert seen == [False, False, False]
    assert gc.isenabled()  # the collection the commits put off can run now


# -- the app: fields keep their text, stale edits ask ----------------------------------------------


def app_for(store, session_id, clock, **kw):
    kw.setdefault("author", "AB")
    return make_app(store, session_id=session_id, clock=clock, poll_interval=0, **kw)


def in_phase_one(store, session_id, clock):
    store.clock.add(session_id, ck.START, clock(), {"key": "welkom"})
    clock.advance(minutes=20)
    store.clock.add(session_id, ck.START, clock(), {"key": "fase1"})


async def settle(pilot, app):
    await pilot.pause()
    await app.workers.wait_for_complete()
    await app.saves.drain(timeout=30)
    await pilot.pause()


async def wait_until(pilot, condition, timeout=60.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition never held")
        await pilot.pause(0.05)


async def test_restored_and_revisited_fields_are_continued_not_replaced(store, session_id, clock):
    in_phase_one(store, session_id, clock)
    data = {
        "capture": {"kind": "quote", "fields": {"text": "We moeten meer samen eten en"}},
        "block_key": "fase1",
        "opened_at": "2026-03-01T09:21:00.000+00:00",
        "owner": {**draft_owner(), "pid": 2**22 + 12345},
    }
    store.drafts.save("lost1", session_id, "quote", data, author="CD", now=clock())
    app = app_for(store, session_id, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert isinstance(app.screen, DraftOfferScreen)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, CaptureScreen))
        await pilot.press(*" drinken", "enter")
        await settle(pilot, app)
        # Shift+Tab back into a filled field, then type on.
        await wait_until(pilot, lambda: isinstance(app.screen, RunScreen))
        await pilot.press("c", *"eerste deel", "tab", *"spreker", "shift+tab", *" meer", "enter")
        await settle(pilot, app)
        texts = sorted(e.text for e in store.entries.list(session_id))
        assert texts == ["We moeten meer samen eten en drinken", "eerste deel meer"]
        assert store.drafts.list(session_id) == []


async def test_a_stale_edit_shows_theirs_and_keeps_both(store, session_id, clock):
    in_phase_one(store, session_id, clock)
    entry = store.entries.add(session_id, "quote", {"text": "Samen eten"}, author="CD", now=clock())
    app = app_for(store, session_id, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        capturer = app.screen.capturer
        await capturer.edit(entry.id)
        await wait_until(pilot, lambda: isinstance(app.screen, CaptureScreen))
        # Meanwhile another note-taker saves a new speaker (revision 2).
        store.entries.update(entry.id, {"speaker": "deelnemer, Venlo"}, now=clock())
        await pilot.press("end", *" verbindt", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConflictScreen))
        shown = str(app.screen.query_one("#conflict-theirs").render())
        assert "deelnemer, Venlo" in shown
        await pilot.press("b")
        await settle(pilot, app)
        now = store.entries.get(entry.id)
        assert (now.text, now.speaker, now.revision) == (
            "Samen eten verbindt",
            "deelnemer, Venlo",
            3,
        )
        history = store.entries.revisions(entry.id)
        assert [h["speaker"] for h in history] == ["", "deelnemer, Venlo"]
        assert store.drafts.list(session_id) == []


async def test_a_too_long_tag_is_refused_in_the_form(store, session_id, clock):
    in_phase_one(store, session_id, clock)
    app = app_for(store, session_id, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("c")
        burst(app, *"kort", "tab", "tab", *("x" * 45))
        await wait_until(pilot, lambda: len(app.focused.value) == 45)
        await pilot.press("enter")
        await wait_until(pilot, lambda: "40" in getattr(app.screen, "_error", ""))
        assert isinstance(app.screen, CaptureScreen)
        burst(app, *(["backspace"] * 45), *"kort")
        await wait_until(pilot, lambda: app.focused.value == "kort")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, RunScreen))
        await settle(pilot, app)
        (entry,) = store.entries.list(session_id)
        assert entry.tags == ["kort"]


# -- quitting while commits wait: no silent wait, nothing lost -----------------------------------


async def test_the_wal_is_checkpointed_once_commits_pause(store, session_id, clock, monkeypatch):
    """After CHECKPOINT_EVERY commits the queue checkpoints on the database thread, once no
    commit has come for CHECKPOINT_QUIET; a commit in the meantime puts it off."""
    from facilitator.tui import saving

    monkeypatch.setattr(saving, "CHECKPOINT_EVERY", 3)
    monkeypatch.setattr(saving, "CHECKPOINT_QUIET", 0.1)
    calls: list[bool] = []
    checkpoint = store.checkpoint
    monkeypatch.setattr(store, "checkpoint", lambda: calls.append(checkpoint()) or calls[-1])
    queue = CommitQueue(store)

    def add(text: str) -> Commit:
        return Commit(lambda: store.entries.add(session_id, "quote", {"text": text}, now=clock()))

    for n in range(2):
        queue.put(add(f"citaat {n}"))
    await queue.drain()
    await asyncio.sleep(0.3)
    assert calls == []  # not enough written yet
    queue.put(add("citaat 2"))
    await queue.drain()
    queue.put(add("citaat 3"))  # before the quiet moment: the checkpoint waits for it
    await queue.drain()
    for _ in range(100):
        if calls:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)  # once: the commit that came in between moved it, not doubled it
    await store.call(lambda: None)
    assert calls == [True]
    assert len(store.entries.list(session_id)) == 4


async def test_close_hands_back_a_commit_queued_behind_a_held_thread(store, session_id, clock):
    """A commit whose try waits on the database thread behind other work is given back at once
    by `close`, and never made afterwards (its words can be kept elsewhere without a duplicate)."""
    import threading

    from facilitator.tui.saving import Commit, CommitQueue

    queue = CommitQueue(store, patience=60)
    release, busy = threading.Event(), threading.Event()

    def hold() -> None:
        busy.set()
        release.wait(30)

    blocker = asyncio.ensure_future(store.call(hold))
    while not busy.is_set():  # the thread is busy before the commit is put (put hands it over)
        await asyncio.sleep(0.01)
    queue.put(Commit(lambda: store.entries.add(session_id, "quote", {"text": "a"}, now=clock())))
    await asyncio.sleep(0.05)
    assert queue.pending == 1
    unfinished = await asyncio.wait_for(queue.close(), 5)
    assert len(unfinished) == 1
    queue.put(Commit(lambda: store.entries.add(session_id, "quote", {"text": "b"}, now=clock())))
    assert len(queue.unfinished) == 2  # put after closing: kept, never tried
    release.set()
    await blocker
    await store.call(lambda: None)  # the thread has had its turn with the abandoned try
    await asyncio.sleep(0.05)
    assert store.entries.list(session_id) == []


async def test_quitting_while_the_database_stays_locked_keeps_the_words(
    store, session_id, clock, db_path
):
    from facilitator.tui.saving import kept_files
    from facilitator.tui.screens.quitting import QuittingScreen
    from tests.support import DEADLINE

    in_phase_one(store, session_id, clock)
    app = app_for(store, session_id, clock)
    locker = sqlite3.connect(db_path, isolation_level=None)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, app)
            locker.execute("BEGIN IMMEDIATE")
            await pilot.press("c", *"blijft bewaard", "enter")
            await wait_until(pilot, lambda: isinstance(app.screen, RunScreen))
            assert app.saves.pending == 1
            started = asyncio.get_running_loop().time()
            await pilot.press("q")
            # The app says it is still saving, with the count, in the interface's language.
            await wait_until(pilot, lambda: isinstance(app.screen, QuittingScreen))
            shown = str(app.screen.query_one("#quitting-count").render())
            assert "Opslaan… (1)" in shown, shown
            while app.return_code is None:
                assert asyncio.get_running_loop().time() - started < DEADLINE, "quit hangs"
                await asyncio.sleep(0.05)
    finally:
        locker.execute("COMMIT")
        locker.close()
    assert store.entries.list(session_id) == []  # not made, and never made after the quit
    assert any(path.exists() for path in kept_files(db_path))

    # The next start offers the words as a draft.
    again = app_for(store, session_id, clock)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot, again)
        await wait_until(pilot, lambda: isinstance(again.screen, DraftOfferScreen))
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(again.screen, CaptureScreen))
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(again.screen, RunScreen))
        await settle(pilot, again)
    assert [e.text for e in store.entries.list(session_id)] == ["blijft bewaard"]
    assert store.drafts.list(session_id) == []
    assert not any(path.exists() for path in kept_files(db_path))


async def test_quitting_waits_while_a_short_lock_ends_then_stores(
    store, session_id, clock, db_path
):
    from facilitator.tui.saving import kept_files
    from facilitator.tui.screens.quitting import QuittingScreen
    from tests.support import DEADLINE

    in_phase_one(store, session_id, clock)
    app = app_for(store, session_id, clock)
    locker = sqlite3.connect(db_path, isolation_level=None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        locker.execute("BEGIN IMMEDIATE")
        await pilot.press("c", *"eerst bezet", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, RunScreen))
        await pilot.press("q")
        await wait_until(pilot, lambda: isinstance(app.screen, QuittingScreen))
        locker.execute("COMMIT")  # the other program lets go while the app waits
        started = asyncio.get_running_loop().time()
        while app.return_code is None:
            assert asyncio.get_running_loop().time() - started < DEADLINE, "quit hangs"
            await asyncio.sleep(0.05)
    locker.close()
    assert [e.text for e in store.entries.list(session_id)] == ["eerst bezet"]
    assert store.drafts.list(session_id) == []
    assert not any(path.exists() for path in kept_files(db_path))


async def test_escape_while_waiting_to_quit_stays(store, session_id, clock, db_path):
    from facilitator.tui.screens.quitting import QuittingScreen

    in_phase_one(store, session_id, clock)
    app = app_for(store, session_id, clock)
    locker = sqlite3.connect(db_path, isolation_level=None)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, app)
            locker.execute("BEGIN IMMEDIATE")
            await pilot.press("c", *"toch niet stoppen", "enter")
            await wait_until(pilot, lambda: isinstance(app.screen, RunScreen))
            await pilot.press("q")
            await wait_until(pilot, lambda: isinstance(app.screen, QuittingScreen))
            await pilot.press("escape")
            await wait_until(pilot, lambda: isinstance(app.screen, RunScreen))
            locker.execute("COMMIT")
            await wait_until(pilot, lambda: len(store.entries.list(session_id)) == 1)
            assert app.return_code is None
    finally:
        if locker.in_transaction:
            locker.execute("COMMIT")
        locker.close()


async def test_ctrl_q_with_a_form_open_keeps_what_was_typed_just_now(
    store, session_id, clock, db_path, monkeypatch
):
    """The draft is written a moment after the keys; Ctrl+Q in that moment must not lose them.
    The words go to a draft (owner-less, so the next start offers them)."""
    from facilitator.tui import capture

    monkeypatch.setattr(capture, "DRAFT_DELAY", 3600)  # no draft written by the timer
    in_phase_one(store, session_id, clock)
    app = app_for(store, session_id, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("c", *"net getypt")
        await wait_until(pilot, lambda: isinstance(app.screen, CaptureScreen))
        assert store.drafts.list(session_id) == []
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: app.return_code is not None)
    [draft] = store.drafts.list(session_id)
    assert draft["data"]["capture"]["fields"]["text"] == "net getypt"
    assert draft["data"]["owner"] is None


async def test_ctrl_q_with_a_form_open_and_the_database_locked_keeps_the_words_for_next_start(
    store, session_id, clock, db_path, monkeypatch
):
    from facilitator.tui import capture
    from facilitator.tui.saving import kept_files
    from tests.support import DEADLINE

    monkeypatch.setattr(capture, "DRAFT_DELAY", 3600)
    in_phase_one(store, session_id, clock)
    app = app_for(store, session_id, clock)
    locker = sqlite3.connect(db_path, isolation_level=None)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, app)
            await pilot.press("c", *"niet kwijt")
            await wait_until(pilot, lambda: isinstance(app.screen, CaptureScreen))
            locker.execute("BEGIN IMMEDIATE")
            started = asyncio.get_running_loop().time()
            await pilot.press("ctrl+q")
            while app.return_code is None:
                assert asyncio.get_running_loop().time() - started < DEADLINE, "quit hangs"
                await asyncio.sleep(0.05)
    finally:
        locker.execute("COMMIT")
        locker.close()
    assert any(path.exists() for path in kept_files(db_path))
    again = app_for(store, session_id, clock)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot, again)
        await wait_until(pilot, lambda: isinstance(again.screen, DraftOfferScreen))
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(again.screen, CaptureScreen))
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(again.screen, RunScreen))
        await settle(pilot, again)
    assert [e.text for e in store.entries.list(session_id)] == ["niet kwijt"]


async def test_keys_that_reach_a_form_before_it_is_ready_are_kept_as_a_draft(
    store, session_id, clock
):
    """Keys sent in one go with the capture key reach the field before the form counts changes
    (its widgets post Changed for their initial values first); what they typed is still kept
    as a draft, without waiting for a later key (a kill -9 then lost it)."""
    in_phase_one(store, session_id, clock)
    app = app_for(store, session_id, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, CaptureScreen))
        form = app.screen
        await wait_until(pilot, lambda: form._ready)
        form._ready = False  # as when the keys come before the first refresh
        await pilot.press(*"in een keer")
        form._set_ready()
        await wait_until(pilot, lambda: store.drafts.list(session_id) != [])
        [draft] = store.drafts.list(session_id)
        assert draft["data"]["capture"]["fields"]["text"] == "in een keer"
