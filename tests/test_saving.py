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
from facilitator.tui.capture_actions import draft_owner
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
    entry = store.add_entry(session_id, "quote", {"text": "een"}, now=clock())
    store.update_entry(entry.id, {"text": "twee"}, now=clock(), expected_revision=1)
    with pytest.raises(StaleEdit) as refused:
        store.update_entry(entry.id, {"text": "drie"}, now=clock(), expected_revision=1)
    assert refused.value.current.text == "twee" and refused.value.current.revision == 2
    assert store.get_entry(entry.id).text == "twee"


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
                lambda text=text: store.add_entry(session_id, "quote", {"text": text}, now=clock()),
                lambda e: done.append(e.text),
            )
        )
    assert queue.pending == 5
    await asyncio.sleep(0.5)
    assert done == []  # still waiting, nothing refused
    locker.execute("COMMIT")
    assert await queue.drain(timeout=30)
    assert done == [f"citaat {n}" for n in range(5)]
    assert [e.text for e in store.list_entries(session_id, newest_first=False)] == done


async def test_a_commit_that_fails_for_good_is_reported_once(store, session_id, clock, db_path):
    queue = CommitQueue(store, patience=0.3)
    store.conn.execute("PRAGMA busy_timeout=50")
    failed: list[BaseException] = []
    locker = sqlite3.connect(db_path, isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")
    try:
        queue.put(
            Commit(
                lambda: store.add_entry(session_id, "quote", {"text": "x"}, now=clock()),
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
                lambda n=n: store.add_entry(session_id, "quote", {"text": f"c{n}"}, now=clock()),
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
    store.add_clock_event(session_id, ck.START, clock(), {"key": "welkom"})
    clock.advance(minutes=20)
    store.add_clock_event(session_id, ck.START, clock(), {"key": "fase1"})


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
    store.save_draft("lost1", session_id, "quote", data, author="CD", now=clock())
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
        texts = sorted(e.text for e in store.list_entries(session_id))
        assert texts == ["We moeten meer samen eten en drinken", "eerste deel meer"]
        assert store.drafts(session_id) == []


async def test_a_stale_edit_shows_theirs_and_keeps_both(store, session_id, clock):
    in_phase_one(store, session_id, clock)
    entry = store.add_entry(session_id, "quote", {"text": "Samen eten"}, author="CD", now=clock())
    app = app_for(store, session_id, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        capturer = app.screen.capturer
        await capturer.edit(entry.id)
        await wait_until(pilot, lambda: isinstance(app.screen, CaptureScreen))
        # Meanwhile another note-taker saves a new speaker (revision 2).
        store.update_entry(entry.id, {"speaker": "deelnemer, Venlo"}, now=clock())
        await pilot.press("end", *" verbindt", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConflictScreen))
        shown = str(app.screen.query_one("#conflict-theirs").render())
        assert "deelnemer, Venlo" in shown
        await pilot.press("b")
        await settle(pilot, app)
        now = store.get_entry(entry.id)
        assert (now.text, now.speaker, now.revision) == (
            "Samen eten verbindt",
            "deelnemer, Venlo",
            3,
        )
        history = store.revisions(entry.id)
        assert [h["speaker"] for h in history] == ["", "deelnemer, Venlo"]
        assert store.drafts(session_id) == []


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
        (entry,) = store.list_entries(session_id)
        assert entry.tags == ["kort"]
