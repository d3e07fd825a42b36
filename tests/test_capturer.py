"""The capturer on its own, without Textual: a fake UI stands in for the forms and dialogs, a
fake database call for `App.db`. What it decides is checked on the store: a capture committed in
order, words kept as a draft when the commit fails for good, an edit that met another's settled
as the editor chose, deletes and restores, and the drafts a crash left offered back."""

from __future__ import annotations

import asyncio
import sqlite3

from facilitator.core import clock as ck
from facilitator.core.clock import compute
from facilitator.core.entries import Capture, summary
from facilitator.i18n import t
from facilitator.tui.capture import Capturer, draft_owner
from tests.fakes import Notices, context, drained


class FakeTimer:
    def __init__(self, callback) -> None:
        self.callback = callback
        self.stopped = False

    def stop(self) -> None:
        self.stopped = True


class FakeCaptureUI(Notices):
    """Records what the capturer asks for; forms are kept for the test to fill in."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list = []  # (Form, closed)
        self.timers: list[FakeTimer] = []
        self.work: list[tuple[str, object]] = []
        self.free: list = []  # actions waiting until no form is open
        self.conflict_choice: str | None = None
        self.conflicts: list = []
        self.offers: list = []
        self.confirm_answer: bool | None = True
        self.changes = 0

    def set_timer(self, delay, callback, *, name):
        self.timers.append(FakeTimer(callback))
        return self.timers[-1]

    def run(self, work, *, group, exclusive=False):
        self.work.append((group, asyncio.ensure_future(work)))

    def entries_changed(self):
        self.changes += 1

    def when_free(self, action):
        self.free.append(action)

    async def open_form(self, form, closed):
        self.forms.append((form, closed))

    async def ask_conflict(self, mine, current):
        self.conflicts.append((mine, current))
        return self.conflict_choice

    async def offer_drafts(self, found, chosen):
        self.offers.append((found, chosen))

    async def confirm(self, question, yes, no, answered):
        await answered(self.confirm_answer)

    async def open_log(self, capturer, *, search):
        raise AssertionError("not in these tests")

    async def settle(self) -> None:
        """Run what was asked for once the form closed, and the background work."""
        while self.free:
            result = self.free.pop(0)()
            if hasattr(result, "__await__"):
                await result
        for _, task in self.work:
            await task


class Host:
    """The run screen as the capturer sees it."""

    def __init__(self, store, session_id, clock) -> None:
        self.session_id = session_id
        self.session = store.sessions.get(session_id)
        self.state = compute(self.session.programme.blocks, store.clock.events(session_id), clock())

    def current_block_key(self):
        return self.state.current.key if self.state.current is not None else None


def capturer_for(store, session_id, clock, **kwargs):
    store.clock.add(session_id, ck.START, clock(), {"key": "fase1"})
    ctx = context(store, clock, **kwargs)
    ui = FakeCaptureUI()
    return Capturer(ctx, Host(store, session_id, clock), ui), ctx, ui


async def test_a_capture_is_committed_and_told_and_the_initials_kept(store, session_id, clock):
    capturer, ctx, ui = capturer_for(store, session_id, clock)
    await capturer.capture("quote")
    [(form, _closed)] = ui.forms
    assert form.capture.kind == "quote" and form.ask_initials == ""  # asked: none typed yet
    fase1 = next(b.name for b in capturer.host.state.blocks if b.key == "fase1")
    assert form.context == f"{fase1} · 09:00"  # where and when; no initials yet
    form.submit(Capture("quote", {"text": "Samen eten verbindt"}), "AB")
    assert capturer.pending_count() == 1  # queued: the form closes at once
    await drained(ctx)
    await ui.settle()
    [entry] = store.entries.list(session_id)
    assert (entry.text, entry.author, entry.block_key) == ("Samen eten verbindt", "AB", "fase1")
    assert capturer.pending_count() == 0 and store.drafts.list(session_id) == []
    assert ctx.author == "AB" and store.settings.get(Capturer.author_key()) == "AB"
    assert ui.texts() == [t("capture.saved", kind=t("capture.kind_quote"), text=summary(entry, 70))]
    assert [q.id for q in capturer.quotes] == [entry.id]  # listed for the next advice form
    assert "capture-refresh" in [group for group, _ in ui.work]


async def test_a_commit_that_fails_for_good_keeps_the_words_as_a_draft(
    store, session_id, clock, monkeypatch
):
    capturer, ctx, ui = capturer_for(store, session_id, clock, author="AB", patience=0)

    def full(*args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(store.entries, "add", full)
    await capturer.capture("story")
    [(form, _)] = ui.forms
    form.submit(Capture("story", {"text": "Mijn buurman kwam", "title": "Buren"}), None)
    await drained(ctx)
    [(severity, message)] = ui.shown
    assert severity == "error" and "Mijn buurman kwam" in message
    assert t("saving.reason_disk") in message
    assert store.entries.list(session_id) == []
    [draft] = store.drafts.list(session_id)  # written after the failure, owned by no one
    assert draft["data"]["capture"]["fields"]["text"] == "Mijn buurman kwam"
    assert draft["data"]["owner"] is None and capturer.unsaved == {}
    # Offered back once no form is open.
    assert [a.__name__ for a in ui.free] == ["offer_drafts"]
    await ui.settle()
    [(found, chosen)] = ui.offers
    assert [(row["id"], c.fields["text"]) for row, c in found] == [
        (draft["id"], "Mijn buurman kwam")
    ]


async def test_a_draft_that_cannot_be_written_either_is_offered_from_memory(
    store, session_id, clock, monkeypatch
):
    capturer, ctx, ui = capturer_for(store, session_id, clock, author="AB", patience=0)

    def locked(*args, **kwargs):
        raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(store.entries, "add", locked)
    monkeypatch.setattr(store.drafts, "save", locked)
    await capturer.capture("quote")
    [(form, _)] = ui.forms
    form.submit(Capture("quote", {"text": "niet kwijt"}), None)
    await drained(ctx)
    assert t("saving.reason_readonly") in ui.texts("error")[0]
    assert store.drafts.list(session_id) == [] and len(capturer.unsaved) == 1
    found = await capturer.drafts_to_offer()
    assert [c.fields["text"] for _, c in found] == ["niet kwijt"]

    # Resumed: the same words in a form again, saved this time.
    monkeypatch.undo()
    await capturer.resume_draft(*found[0])
    assert capturer.unsaved == {}
    form, _ = ui.forms[-1]
    assert form.capture.fields["text"] == "niet kwijt" and form.context.endswith("AB")
    form.submit(form.capture, None)
    await drained(ctx)
    assert [e.text for e in store.entries.list(session_id)] == ["niet kwijt"]


async def _stale_edit(store, session_id, clock, choice):
    capturer, ctx, ui = capturer_for(store, session_id, clock, author="AB")
    entry = store.entries.add(
        session_id, "quote", {"text": "Samen eten"}, author="CD", tags=["eten"], now=clock()
    )
    await capturer.edit(entry.id)
    [(form, _)] = ui.forms
    assert form.editing and form.ask_initials is None
    # Meanwhile another note-taker saves a new speaker (revision 2).
    store.entries.update(entry.id, {"speaker": "deelnemer, Venlo"}, now=clock())
    mine = Capture("quote", {"text": "Samen eten verbindt"}, "eten, buurt")
    form.submit(mine, None)
    await drained(ctx)
    assert ui.conflicts == [] and len(ui.free) == 1  # asked once no form is open
    ui.conflict_choice = choice
    await ui.settle()
    await drained(ctx)
    [(asked_mine, theirs)] = ui.conflicts
    assert asked_mine == mine and theirs.speaker == "deelnemer, Venlo"
    return store.entries.get(entry.id), ui


async def test_a_stale_edit_merged_keeps_both_changes(store, session_id, clock):
    now, ui = await _stale_edit(store, session_id, clock, "both")
    assert (now.text, now.speaker, now.revision) == ("Samen eten verbindt", "deelnemer, Venlo", 3)
    assert sorted(now.tags) == ["buurt", "eten"]
    assert store.drafts.list(session_id) == []


async def test_a_stale_edit_given_up_keeps_theirs_and_drops_the_draft(store, session_id, clock):
    now, ui = await _stale_edit(store, session_id, clock, "theirs")
    assert (now.text, now.speaker, now.revision) == ("Samen eten", "deelnemer, Venlo", 2)
    assert ui.texts() == [t("conflict.kept_theirs")]
    assert store.drafts.list(session_id) == []


async def test_a_stale_edit_decided_later_stays_a_draft(store, session_id, clock):
    now, ui = await _stale_edit(store, session_id, clock, None)
    assert now.revision == 2
    assert ui.texts() == [t("conflict.later")]
    [draft] = store.drafts.list(session_id)
    assert draft["entry_id"] == now.id and draft["data"]["owner"] is None
    assert draft["data"]["capture"]["fields"]["text"] == "Samen eten verbindt"


async def test_delete_and_restore_say_so_and_a_failed_database_says_nothing(
    store, session_id, clock
):
    capturer, ctx, ui = capturer_for(store, session_id, clock)
    entry = store.entries.add(session_id, "rule", {"text": "Groet elkaar"}, now=clock())
    assert await capturer.delete(entry)
    assert store.entries.get(entry.id).deleted
    assert await capturer.restore(entry.id)
    assert not store.entries.get(entry.id).deleted
    assert len(ui.shown) == 2
    ctx.db.failing = True  # the app has told the person why
    assert not await capturer.delete(entry)
    assert not store.entries.get(entry.id).deleted and len(ui.shown) == 2


async def test_only_drafts_of_gone_apps_are_offered_and_discarding_asks(store, session_id, clock):
    capturer, ctx, ui = capturer_for(store, session_id, clock)
    alive = {"capture": {"kind": "quote", "fields": {"text": "open"}}, "owner": draft_owner()}
    gone = {
        "capture": {"kind": "quote", "fields": {"text": "verlaten"}},
        "owner": {**draft_owner(), "pid": 2**22 + 12345},
    }
    store.drafts.save("alive", session_id, "quote", alive, now=clock())
    store.drafts.save("gone", session_id, "quote", gone, now=clock())
    await capturer.offer_drafts()
    [(found, chosen)] = ui.offers
    assert [row["id"] for row, _ in found] == ["gone"]
    await chosen(("discard", "gone"))  # confirmed (the fake says yes)
    assert [d["id"] for d in store.drafts.list(session_id)] == ["alive"]
    assert t("capture.draft_discarded") in ui.texts()
    assert len(ui.offers) == 1  # offered again: nothing left to offer
