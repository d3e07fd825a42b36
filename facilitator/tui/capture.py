"""Capture, behind the run screen's and the log's keys: forms, drafts, edits, deletes.

Every write goes through the app's commit queue or `ctx.db` (the store's single database thread)
and is committed before the screen says it is saved. While a form is open its content is saved
as a draft (debounced, committed), so a crash loses at most the last fraction of a second; on the
next start the drafts of processes that are gone are offered back. An entry whose commit fails
for good is kept as a draft too, and an edit that met another note-taker's is settled with the
editor. The forms, dialogs, notices, timers and workers are the `CaptureUI` the screen hands in
(Textual's side, tui/capture_ui.py); the rest is plain asyncio, so a test can drive it.
"""

from __future__ import annotations

import asyncio
import getpass
import os
import socket
import sqlite3
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from facilitator.core.entries import KINDS, Capture, Entry, summary
from facilitator.core.timeutil import iso, local, parse_iso
from facilitator.i18n import t
from facilitator.tui.saving import Commit, briefly

if TYPE_CHECKING:
    from facilitator.core.clock import ClockState
    from facilitator.store import SessionInfo, Store
    from facilitator.tui.context import AppContext

DRAFT_DELAY = 0.3  # seconds: a draft is written at most this long after a keystroke
# Seconds after Enter before an entry still waiting for its commit is listed as "opslaan…"
# under the run screen's recent entries. A commit takes a few milliseconds: listing it at once
# only to replace it right after laid out and drew the run screen again while the database
# thread was making the commit, and took the interpreter and a core from it.
PENDING_SHOWN_AFTER = 0.2

OnSaved = Callable[[Entry], Any]


# -- what the capturer needs of the screens ------------------------------------------------------


class CaptureHost(Protocol):
    """The run screen: its session, its clock state of the last tick, the block running now."""

    session_id: str
    session: SessionInfo
    state: ClockState

    def current_block_key(self) -> str | None: ...


class Timer(Protocol):
    def stop(self) -> None: ...


@dataclass
class Form:
    """A capture form to open: what it shows and what it calls back (see CaptureScreen)."""

    capture: Capture
    context: str  # "De diepte in · 10:42 · AB"
    # Enter: the values and the initials typed; returns what to await until the commit is made
    # (None when there is nothing to wait for: see CaptureScreen.action_save).
    submit: Callable[[Capture, str | None], Awaitable[Any] | None]
    on_change: Callable[[Capture], None]  # every change (kept as a draft)
    known_tags: list[tuple[str, int]] = field(default_factory=list)
    speakers: list[str] = field(default_factory=list)
    quotes: list[Entry] = field(default_factory=list)
    editing: bool = False
    ask_initials: str | None = None  # the initials to offer (None: not asked)
    sub_questions: list[str] = field(default_factory=list)
    pending: Callable[[], int] | None = None  # entries still waiting for their commit


class CaptureUI(Protocol):
    """What the capturer asks of the screens (implemented over Textual by CaptureScreens)."""

    def notify(self, message: str, *, severity: str = "information", timeout: float = 5) -> None:
        """Tell the person (the text is shown as typed, never as markup)."""
        ...

    def set_timer(self, delay: float, callback: Callable[[], Any], *, name: str) -> Timer: ...

    def run(self, work: Coroutine[Any, Any, Any], *, group: str, exclusive: bool = False) -> None:
        """Run `work` in the background (a worker of the host screen)."""
        ...

    def entries_changed(self) -> None:
        """The host's list of recent entries is to be drawn again."""
        ...

    def when_free(self, action: Callable[[], Any]) -> None:
        """Run `action` (in the background) once no capture form is open: a dialog must not
        take a typist's keys."""
        ...

    async def open_form(self, form: Form, closed: Callable[[Capture | None], Any]) -> None:
        """Show the form; `closed(values or None)` once it is gone."""
        ...

    async def ask_conflict(self, mine: Capture, current: Entry) -> str | None:
        """The editor's choice ("mine", "theirs", "both"...) or None: decide later."""
        ...

    async def offer_drafts(
        self,
        found: list[tuple[dict[str, Any], Capture]],
        chosen: Callable[[tuple[str, str] | None], Any],
    ) -> None:
        """Offer the drafts; `chosen(("resume" | "discard", draft id) or None)`."""
        ...

    async def confirm(
        self, question: str, yes: str, no: str, answered: Callable[[bool | None], Any]
    ) -> None: ...

    async def open_log(self, capturer: Capturer, *, search: bool) -> None: ...


# -- drafts --------------------------------------------------------------------------------------


def _process_start(pid: int) -> str | None:
    """When a process started (Linux /proc), to tell a live owner from a reused pid."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name may hold spaces and brackets; fields after it are space-separated.
    fields = stat.rsplit(")", 1)[-1].split()
    return fields[19] if len(fields) > 19 else None


def draft_owner() -> dict[str, Any]:
    """This process, as recorded in the drafts it keeps."""
    pid = os.getpid()
    return {"host": socket.gethostname(), "pid": pid, "start": _process_start(pid)}


def owner_alive(owner: Any) -> bool:
    """Is the process that keeps a draft still running (so its form is still open)?"""
    if not isinstance(owner, dict):
        return False
    if owner.get("host") != socket.gethostname():
        return False  # a database is only shared on one host (WAL); treat it as gone
    try:
        pid = int(owner["pid"])
    except (KeyError, TypeError, ValueError):
        return False
    if pid == os.getpid():
        return owner.get("start") == _process_start(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # another user's process is running under that pid
    except OSError:
        return False
    start = _process_start(pid)
    return start is None or owner.get("start") in (None, start)


class DraftKeeper:
    """Keeps one open form's content in the drafts table, a moment after each change."""

    def __init__(
        self,
        ctx: AppContext,
        set_timer: Callable[..., Timer],
        *,
        draft_id: str,
        session_id: str,
        author: str,
        entry_id: str | None,
        meta: dict[str, Any],
        baseline: Capture | None = None,
        written: bool = False,
    ) -> None:
        self.ctx = ctx
        self.set_timer = set_timer
        self.id = draft_id
        self.session_id = session_id
        self.author = author
        self.entry_id = entry_id
        self.meta = meta
        self.baseline = baseline  # for an edit: the entry as it was, which needs no draft
        self.written = written
        self._pending: Capture | None = None
        self._timer: Timer | None = None
        self._paused = False
        self._closed = False
        self._writing: asyncio.Task[None] | None = None
        self._again = False
        self._latest: Capture | None = None  # what the form holds now
        self._kept: Capture | None = None  # what the last draft written holds
        ctx.saves.last_words.add(self.last_words)

    @property
    def store(self) -> Store:
        return self.ctx.store

    def changed(self, capture: Capture) -> None:
        if self._closed:
            return
        self._pending = self._latest = capture
        if self._timer is None and not self._paused:
            self._timer = self.set_timer(DRAFT_DELAY, self._flush_soon, name="draft")

    def _flush_soon(self) -> None:
        """From the timer: write in a task of its own, so the app's queue (and every key behind
        it) never waits for the database; one write at a time per form."""
        self._timer = None
        if self._writing is not None and not self._writing.done():
            self._again = True
            return
        self._writing = asyncio.get_running_loop().create_task(self._write_all())

    async def _write_all(self) -> None:
        while True:
            self._again = False
            await self.flush()
            if not self._again or self._closed:
                return

    async def flush(self) -> None:
        """Write the latest content now (or drop the draft when nothing is left to keep).

        A draft that cannot be written (the database is locked by another program) says
        nothing: it is tried again at the next change, and the entry's own commit reports.
        """
        self._timer = None
        capture, self._pending = self._pending, None
        if capture is None or self._closed or self._paused:
            self._pending = self._pending or capture
            return
        store = self.store
        unchanged = self.baseline is not None and capture.equivalent(self.baseline)
        try:
            if capture.is_blank() or unchanged:
                if self.written:
                    await store.call(briefly(store, store.drafts.discard), self.id)
                    self.written = False
                self._kept = capture
                return
            data = {**self.meta, "capture": capture.to_dict(), "owner": draft_owner()}
            await store.call(
                briefly(store, store.drafts.save),  # a lock: tried again at the next change
                self.id,
                self.session_id,
                capture.kind,
                data,
                author=self.author,
                entry_id=self.entry_id,
                now=self.ctx.clock(),
            )
            self.written = True
            self._kept = capture
        except Exception:  # noqa: BLE001  (sqlite3.Error, OSError, StoreError: try again later)
            self._pending = self._pending or capture

    def pause(self) -> None:
        """Stop writing while the entry itself is being saved."""
        self._paused = True
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def resume(self, capture: Capture) -> None:
        """Saving failed: keep the draft current again."""
        self._paused = False
        self.changed(capture)

    def close(self) -> None:
        self._closed = True
        self.pause()
        self.ctx.saves.last_words.discard(self.last_words)

    def last_words(self) -> Commit | None:
        """The app closes with this form open: a commit that keeps what it holds beyond the last
        draft written (None when that draft holds it all). Its owner is left out, so the next
        start offers it back."""
        capture = self._latest
        if self._closed or self._paused or capture is None or capture is self._kept:
            return None  # closed, or submitted: the entry's own commit keeps the words
        if capture.is_blank() or (self.baseline is not None and capture.equivalent(self.baseline)):
            return None
        row = self.row(capture)
        write = self.writer(capture.kind, row["data"])
        return Commit(briefly(self.store, write), label="draft", keep=lambda: row)

    def row(self, values: Capture) -> dict[str, Any]:
        """The drafts row that keeps `values` (offered back at the next start: no owner)."""
        return {
            "id": self.id,
            "session_id": self.session_id,
            "author": self.author,
            "kind": values.kind,
            "entry_id": self.entry_id,
            "data": {**self.meta, "capture": values.to_dict(), "owner": None},
            "updated_at": iso(self.ctx.clock()),
        }

    def writer(self, kind: str, data: dict[str, Any]) -> Callable[[], None]:
        """The draft's write, for the store's thread (the same row, whoever asks for it)."""
        store, draft_id, session_id = self.store, self.id, self.session_id
        author, entry_id, clock = self.author, self.entry_id, self.ctx.clock

        def write() -> None:
            store.drafts.save(
                draft_id, session_id, kind, data, author=author, entry_id=entry_id, now=clock()
            )

        return write


# -- the capture logic, shared by the run screen and the log -------------------------------------


class Capturer:
    """Opens capture forms for one session and writes what they return through the store."""

    def __init__(self, ctx: AppContext, host: CaptureHost, ui: CaptureUI) -> None:
        self.ctx = ctx
        self.host = host  # the run screen: session, clock state, current block
        self.ui = ui
        self.tags: list[tuple[str, int]] = []
        self.speakers: list[str] = []
        self.quotes: list[Entry] = []
        self.last_author = ""
        self._signature: Any = None
        self.pending: list[tuple[Capture, Entry | None]] = []  # queued commits, oldest first
        self.unsaved: dict[str, dict[str, Any]] = {}  # failed commits whose draft waits too
        self.loaded = False  # the tags, labels and quotes have been read once

    @property
    def store(self) -> Store:
        return self.ctx.store

    @property
    def session_id(self) -> str:
        return self.host.session_id

    async def start(self) -> None:
        """Read what the forms complete from, then offer the drafts a crash left."""
        await self.refresh()
        await self.offer_drafts()

    async def refresh(self) -> None:
        """Reload what forms complete from: all tags, speaker labels, this session's quotes."""
        store, sid, key = self.store, self.session_id, self.author_key()
        result = await self.ctx.db(
            lambda: (
                store.entries.tags(),
                store.entries.speakers(),
                # Quotes (for advice and insights) and stories (for rules) to link to.
                [e for e in store.entries.list(sid) if e.kind in ("quote", "story")],
                store.settings.get(key, ""),
            )
        )
        if result is not None:
            # In place: a form already open holds these lists and completes from them.
            tags, speakers, quotes, last_author = result
            self.tags[:], self.speakers[:], self.quotes[:] = tags, speakers, quotes
            self.last_author = last_author or ""
            self.loaded = True
        self.ui.entries_changed()

    async def refresh_if_changed(self) -> None:
        """After another app committed: reload only when an entry changed (not for its drafts)."""
        signature = await self.ctx.db(self.store.entries.signature, None)
        if signature is not None and signature != self._signature:
            self._signature = signature
            await self.refresh()

    # -- who is typing ---------------------------------------------------------------------------

    @staticmethod
    def author_key() -> str:
        """The settings row with the initials this machine user typed last."""
        try:
            user = getpass.getuser()
        except (KeyError, OSError):
            user = "user"
        return f"author:{user}"

    # -- capture, edit, delete -------------------------------------------------------------------

    async def capture(self, kind: str, *, on_saved: OnSaved | None = None) -> None:
        """Open the form for a new entry of `kind`, stamped with the block and time of now."""
        if kind not in KINDS:
            return
        # Shown before anything is awaited: keys typed right after the capture key must land in
        # the form, never in the run screen's bindings.
        await self.open_form(
            Capture(kind),
            draft_id=_new_draft_id(),
            block_key=self.host.current_block_key(),
            opened_at=iso(self.ctx.clock()),
            author=self.ctx.author,
            on_saved=on_saved,
        )

    async def edit(self, entry_id: str, *, on_saved: OnSaved | None = None) -> None:
        """Open the form on an entry (its latest version); saving keeps the earlier one."""
        entry = await self.ctx.db(self.store.entries.get, entry_id)
        if entry is None:
            return
        await self.open_form(
            Capture.from_entry(entry),
            draft_id=_new_draft_id(),
            block_key=entry.block_key,
            opened_at=entry.created_at,
            author=entry.author,
            entry=entry,
            on_saved=on_saved,
        )

    async def open_form(
        self,
        capture: Capture,
        *,
        draft_id: str,
        block_key: str | None,
        opened_at: str,
        author: str,
        entry: Entry | None = None,
        on_saved: OnSaved | None = None,
        draft_written: bool = False,
    ) -> None:
        """Show the form; it closes only after the entry is committed (or on cancel)."""
        keeper = DraftKeeper(
            self.ctx,
            self.ui.set_timer,
            draft_id=draft_id,
            session_id=entry.session_id if entry else self.session_id,
            author=author,
            entry_id=entry.id if entry else None,
            meta={"block_key": block_key, "opened_at": opened_at},
            baseline=Capture.from_entry(entry) if entry else None,
            written=draft_written,
        )
        if draft_written:
            # A draft taken over after a crash: this process keeps it from now on.
            keeper.changed(capture)

        # The first capture of an app start asks for the initials, in the form itself (prefilled
        # with the ones this machine user typed last; two note-takers may share one login).
        ask = None if (author or entry is not None) else (self.last_author or "")

        def submit(values: Capture, initials: str | None) -> Awaitable[Any] | None:
            """Queue the commit; the form closes once it is made (or a moment later at most),
            and the note-taker may type on."""
            nonlocal author
            if initials:
                author = keeper.author = initials
                self.ctx.author = self.last_author = initials
                key = self.author_key()
                self.ctx.saves.put(Commit(lambda: self.store.settings.set(key, initials)))
            keeper.pause()
            if entry is not None and values.same_as(entry):
                keeper.close()
                # Queued after any draft write still waiting for the database thread.
                self.ctx.saves.put(Commit(lambda: self.store.drafts.discard(keeper.id)))
                return None
            return self.save(
                values,
                keeper=keeper,
                entry=entry,
                author=author,
                block_key=block_key,
                opened_at=opened_at,
                on_saved=on_saved,
            )

        def closed(result: Capture | None) -> None:
            if result is None:
                # Cancelled (after confirming when something was typed): nothing to keep. The
                # delete runs after any draft write still queued on the single database thread.
                keeper.close()
                self.ctx.saves.put(Commit(lambda: self.store.drafts.discard(keeper.id)))

        context = self._context(block_key, opened_at, author)
        if entry is not None and entry.revision > 1:
            context += " · " + t("log.version_n", n=entry.revision)
        form = Form(
            capture,
            context=context,
            submit=submit,
            on_change=keeper.changed,
            known_tags=self.tags,
            speakers=self.speakers,
            quotes=self.quotes,
            editing=entry is not None,
            ask_initials=ask,
            sub_questions=list(self.host.session.programme.sub_questions),
            pending=self.pending_count,
        )
        await self.ui.open_form(form, closed)

    # -- saving: queued commits, in order; the form does not wait ---------------------------------

    def pending_count(self) -> int:
        """Entries of this app still waiting for their commit."""
        return len(self.pending)

    def save(
        self,
        values: Capture,
        *,
        keeper: DraftKeeper,
        entry: Entry | None,
        author: str,
        block_key: str | None,
        opened_at: str,
        on_saved: OnSaved | None,
        expected_revision: int | None = None,
    ) -> asyncio.Future[bool] | None:
        """Queue the entry's commit; "saved" is said only once it is committed.

        Returns a future that ends once the commit is made (True) or has failed (False), when
        the commit went to the database thread at once; None when it waits behind others (a
        locked database: the form need not wait for it)."""
        store, sid = self.store, self.session_id
        now = self.ctx.clock()
        if entry is not None:
            revision = entry.revision if expected_revision is None else expected_revision

            def run() -> Entry:
                return store.entries.update(
                    entry.id,
                    values.store_fields(),
                    tags=values.tags,
                    links=values.links,
                    now=now,
                    draft_id=keeper.id,
                    expected_revision=revision,
                )
        else:
            new_entry_id = _new_draft_id()

            def run() -> Entry:
                try:
                    return store.entries.add(
                        sid,
                        values.kind,
                        values.store_fields(),
                        author=author,
                        block_key=block_key,
                        tags=values.tags,
                        links=values.links,
                        now=parse_iso(opened_at),
                        entry_id=new_entry_id,
                        draft_id=keeper.id,
                    )
                except sqlite3.IntegrityError:
                    # A try whose COMMIT reached the disk though SQLite reported an error.
                    return store.entries.get(new_entry_id)

        waiting = (values, entry)
        self.pending.append(waiting)
        made: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

        def done(saved: Entry) -> None:
            if not made.done():
                made.set_result(True)
            self._settled(waiting)
            keeper.close()
            if saved.kind == "quote":
                # Listed in the next advice form at once, before the refresh below is back.
                self.quotes[:] = [saved, *(q for q in self.quotes if q.id != saved.id)]
            key = "capture.updated" if entry is not None else "capture.saved"
            self.ui.notify(
                t(key, kind=t("capture.kind_" + saved.kind), text=summary(saved, 70)), timeout=3
            )
            self.ui.run(self.refresh(), group="capture-refresh", exclusive=True)
            if on_saved is not None:
                on_saved(saved)

        def failed(exc: BaseException) -> None:
            if not made.done():
                made.set_result(False)
            self._settled(waiting)
            from facilitator.store import StaleEdit

            if isinstance(exc, StaleEdit) and entry is not None:
                self.ui.when_free(
                    lambda: self.ask_conflict(entry, values, exc.current, keeper, on_saved)
                )
                return
            self.keep_unsaved(values, keeper, exc)

        def keep() -> dict[str, Any]:  # the words, should the app close before the commit
            return keeper.row(values)

        at_once = self.ctx.saves.put(Commit(run, done, failed, label=values.kind, keep=keep))

        def still_waiting() -> None:
            if waiting in self.pending:
                self.ui.entries_changed()  # listed as "opslaan…" until it is made

        self.ui.set_timer(PENDING_SHOWN_AFTER, still_waiting, name="pending")
        return made if at_once else None

    def _settled(self, waiting: tuple[Capture, Entry | None]) -> None:
        if waiting in self.pending:
            self.pending.remove(waiting)
        self.ui.entries_changed()

    def keep_unsaved(self, values: Capture, keeper: DraftKeeper, exc: BaseException) -> None:
        """The commit failed for good: say so once, and keep the words as a draft to resume."""
        from facilitator.tui.saving import failure_reason

        keeper.close()
        self.ui.notify(
            t(
                "saving.failed",
                kind=t("capture.kind_" + values.kind),
                text=summary(values, 60),
                reason=t(failure_reason(exc)),
            ),
            severity="error",
            timeout=15,
        )
        row = keeper.row(values)
        data = row["data"]
        self.unsaved[keeper.id] = row
        write = keeper.writer(values.kind, data)

        def written(_result: Any) -> None:
            self.unsaved.pop(keeper.id, None)

        # Kept in memory until the draft is written; offered back when no form is open.
        self.ctx.saves.put(Commit(write, written, None, label="draft", keep=lambda: row))
        self.ui.when_free(self.offer_drafts)

    # -- an edit that met another note-taker's ----------------------------------------------------

    async def ask_conflict(
        self,
        entry: Entry,
        mine: Capture,
        current: Entry,
        keeper: DraftKeeper,
        on_saved: OnSaved | None,
    ) -> None:
        """The entry changed since the edit opened: show theirs, and let the editor choose."""
        choice = await self.ui.ask_conflict(mine, current)
        self.settle_conflict(choice, entry, mine, current, keeper, on_saved)

    def settle_conflict(
        self,
        choice: str | None,
        entry: Entry,
        mine: Capture,
        current: Entry,
        keeper: DraftKeeper,
        on_saved: OnSaved | None,
    ) -> None:
        """Do what the editor chose: later (a draft), theirs (mine dropped), or a merge saved
        over the version they saw."""
        from facilitator.core.conflict import Version, resolve

        def version(c: Capture) -> Version:
            return Version(c.store_fields(), c.tags, list(c.links))

        if choice is None:
            # Decide later: the edit stays a draft, offered back like one left by a crash.
            self.keep_later(mine, keeper)
            return
        merged = resolve(
            choice,
            version(Capture.from_entry(entry)),
            version(mine),
            version(Capture.from_entry(current)),
        )
        if merged is None:
            keeper.close()
            self.ctx.saves.put(Commit(lambda: self.store.drafts.discard(keeper.id)))
            self.ui.notify(t("conflict.kept_theirs"), timeout=4)
            return
        values = Capture(mine.kind, merged.fields, ", ".join(merged.tags), merged.links)
        self.save(
            values,
            keeper=keeper,
            entry=entry,
            author=entry.author,
            block_key=entry.block_key,
            opened_at=entry.created_at,
            on_saved=on_saved,
            expected_revision=current.revision,
        )

    def keep_later(self, values: Capture, keeper: DraftKeeper) -> None:
        keeper.close()
        row = keeper.row(values)
        write = keeper.writer(values.kind, row["data"])

        self.ctx.saves.put(Commit(write, keep=lambda: row))
        self.ui.notify(t("conflict.later"), timeout=6)

    def _context(self, block_key: str | None, opened_at: str, author: str) -> str:
        """Where and when the words were said, and who notes them: "De diepte in · 10:42 · AB"."""
        names = {b.key: b.name for b in self.host.state.blocks}
        # The time as the log shows it (widgets.entry_table.clock_time): HH:MM, local.
        parts = [
            names.get(block_key or "", t("capture.no_block")),
            f"{local(parse_iso(opened_at)):%H:%M}",
        ]
        if author:
            parts.append(author)
        return " · ".join(parts)

    async def delete(self, entry: Entry) -> bool:
        """Mark an entry deleted (it stays in the database; `restore` brings it back)."""
        result = await self.ctx.db(self._delete, entry.id, self.ctx.clock())
        if result is None:
            return False
        self.ui.notify(
            t("capture.deleted", kind=t("capture.kind_" + entry.kind), text=summary(entry, 60)),
            timeout=6,
        )
        return True

    def _delete(self, entry_id: str, now: Any) -> bool:
        self.store.entries.delete(entry_id, now=now)
        return True

    async def restore(self, entry_id: str) -> bool:
        result = await self.ctx.db(self._restore, entry_id)
        if result is None:
            return False
        self.ui.notify(
            t("capture.restored", kind=t("capture.kind_" + result.kind), text=summary(result, 60)),
            timeout=3,
        )
        return True

    def _restore(self, entry_id: str) -> Entry:
        self.store.entries.restore(entry_id)
        return self.store.entries.get(entry_id)

    # -- the log -------------------------------------------------------------------------------

    async def open_log(self, *, search: bool) -> None:
        """Show the session's log (kept between visits, so opening it again is quick)."""
        await self.ui.open_log(self, search=search)

    # -- drafts left by a crash ----------------------------------------------------------------

    async def drafts_to_offer(self) -> list[tuple[dict[str, Any], Capture]]:
        """This session's drafts whose app is gone (crashed, killed, closed), and the ones kept
        in memory after a failed commit, each with its content."""
        rows = await self.ctx.db(self.store.drafts.list, self.session_id)
        rows = list(rows or [])
        stored = {r["id"] for r in rows}
        rows += [r for r in self.unsaved.values() if r["id"] not in stored]
        found: list[tuple[dict[str, Any], Capture]] = []
        for row in rows:
            if owner_alive(row["data"].get("owner")):
                continue
            try:
                capture = Capture.from_dict(row["data"].get("capture") or {})
            except ValueError:
                continue
            found.append((row, capture))
        return found

    async def offer_drafts(self) -> None:
        """Offer back the drafts of this session whose app is gone (crashed, killed, closed)."""
        found = await self.drafts_to_offer()
        if not found:
            return

        async def chosen(answer: tuple[str, str] | None) -> None:
            if answer is None:
                self.ui.notify(t("capture.drafts_later"), timeout=5)
                return
            what, draft_id = answer
            row, capture = next((r, c) for r, c in found if r["id"] == draft_id)
            if what == "resume":
                await self.resume_draft(row, capture)
            else:
                await self.discard_draft(row, capture)

        await self.ui.offer_drafts(found, chosen)

    async def resume_draft(self, row: dict[str, Any], capture: Capture) -> None:
        """Open a draft's form again, with its original block, time and initials."""
        self.unsaved.pop(row["id"], None)
        data = row["data"]
        entry = None
        if row.get("entry_id"):
            entry = await self.ctx.db(self._entry_or_none, row["entry_id"])
        opened_at = str(data.get("opened_at") or row["updated_at"])
        await self.open_form(
            capture,
            draft_id=row["id"],
            block_key=data.get("block_key") if entry is None else entry.block_key,
            opened_at=opened_at if entry is None else entry.created_at,
            author=row.get("author") or self.ctx.author,
            entry=entry,
            draft_written=True,
            on_saved=lambda _e: self.ui.run(self.offer_drafts(), group="drafts"),
        )

    def _entry_or_none(self, entry_id: str) -> Entry | None:
        from facilitator.store import NotFound

        try:
            return self.store.entries.get(entry_id)
        except NotFound:
            return None

    async def discard_draft(self, row: dict[str, Any], capture: Capture) -> None:
        async def answered(yes: bool | None) -> None:
            if yes:
                await self.ctx.db(self.store.drafts.discard, row["id"])
                self.ui.notify(t("capture.draft_discarded"), timeout=3)
            await self.offer_drafts()

        await self.ui.confirm(
            t("capture.confirm_discard_draft", text=summary(capture, 60)),
            t("capture.discard_yes"),
            t("capture.discard_no"),
            answered,
        )


def _new_draft_id() -> str:
    from facilitator.store import new_id

    return new_id()
