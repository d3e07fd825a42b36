"""Capture keys of the run screen, and what is behind them: forms, drafts, edits, deletes.

One key per kind, Dutch mnemonics (v verhaal, c citaat, ...), l for the log and / for search.
Every write goes through `app.db` (the store's single database thread) and is committed before
the form closes. While a form is open its content is saved as a draft (debounced, committed), so
a crash loses at most the last fraction of a second; on the next start the drafts of processes
that are gone are offered back.
"""

from __future__ import annotations

import asyncio
import getpass
import os
import socket
import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.timer import Timer

from facilitator.core.entries import KINDS, Capture, Entry, summary
from facilitator.core.timeutil import iso, parse_iso
from facilitator.i18n import t
from facilitator.tui.saving import Commit

if TYPE_CHECKING:
    from textual.app import App
    from textual.screen import Screen

    from facilitator.store import Store

# Key, kind. Dutch mnemonics: verhaal, citaat, zinnebeeld, ontwerpvraag, spelregel,
# (pro)totype, advies, inzicht, waarneming (observatie), Validatie.
CAPTURE_KEYS: tuple[tuple[str, str], ...] = (
    ("v", "story"),
    ("c", "quote"),
    ("z", "emblem"),
    ("o", "design_question"),
    ("s", "rule"),
    ("t", "prototype"),
    ("a", "advice"),
    ("i", "insight"),
    ("w", "observation"),
    ("V", "validation"),
)
# The footer has room for a few; the help screen (?) lists them all.
SHOWN_IN_FOOTER = ("quote",)


def capture_bindings(shown: Iterable[str] = SHOWN_IN_FOOTER) -> list[Binding]:
    """One binding per kind; descriptions are catalogue keys, translated per screen."""
    shown = set(shown)
    return [
        Binding(
            key,
            f"capture('{kind}')",
            f"capture.key_{kind}",
            show=kind in shown,
            tooltip=f"capture.help_{kind}",
        )
        for key, kind in CAPTURE_KEYS
    ]


CAPTURE_BINDINGS: list[BindingType] = [
    *capture_bindings(),
    Binding("l", "log", "capture.key_log", tooltip="capture.help_log"),
    Binding("slash", "search", "capture.key_search", show=False, tooltip="capture.help_search"),
]

# Which help-screen section each action belongs to ("clock", "view", "capture", "other").
CAPTURE_HELP_SECTIONS: dict[str, str] = {
    b.action: "capture" for b in CAPTURE_BINDINGS if isinstance(b, Binding)
}

DRAFT_DELAY = 0.3  # seconds: a draft is written at most this long after a keystroke
FIRST_REFRESH_PATIENCE = 1.0  # seconds a form opened as the app starts waits for its lists


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


class EntriesChanged(Message, bubble=False):
    """This session's entries changed (a capture here, or another app's)."""


class DraftKeeper:
    """Keeps one open form's content in the drafts table, a moment after each change."""

    def __init__(
        self,
        app: App[Any],
        *,
        draft_id: str,
        session_id: str,
        author: str,
        entry_id: str | None,
        meta: dict[str, Any],
        baseline: Capture | None = None,
        written: bool = False,
    ) -> None:
        self.app = app
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

    @property
    def store(self) -> Store:
        return self.app.store  # type: ignore[attr-defined,no-any-return]

    def changed(self, capture: Capture) -> None:
        if self._closed:
            return
        self._pending = capture
        if self._timer is None and not self._paused:
            self._timer = self.app.set_timer(DRAFT_DELAY, self._flush_soon, name="draft")

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
                    await store.call(store.discard_draft, self.id)
                    self.written = False
                return
            data = {**self.meta, "capture": capture.to_dict(), "owner": draft_owner()}
            await store.call(
                store.save_draft,
                self.id,
                self.session_id,
                capture.kind,
                data,
                author=self.author,
                entry_id=self.entry_id,
                now=self.app.clock(),  # type: ignore[attr-defined]
            )
            self.written = True
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


# -- the capture logic, shared by the run screen and the log -------------------------------------


class Capturer:
    """Opens capture forms for one session and writes what they return through `app.db`."""

    def __init__(self, host: Screen[Any]) -> None:
        self.host = host  # the run screen: session, clock state, current block
        self.tags: list[tuple[str, int]] = []
        self.speakers: list[str] = []
        self.quotes: list[Entry] = []
        self.last_author = ""
        self._signature: Any = None
        self.pending: list[tuple[Capture, Entry | None]] = []  # queued commits, oldest first
        self.unsaved: dict[str, dict[str, Any]] = {}  # failed commits whose draft waits too
        self.loaded = asyncio.Event()  # the first refresh is done (see `capture`)

    @property
    def app(self) -> Any:
        return self.host.app

    @property
    def store(self) -> Store:
        return self.app.store  # type: ignore[no-any-return]

    @property
    def session_id(self) -> str:
        return self.host.session_id  # type: ignore[attr-defined,no-any-return]

    async def refresh(self) -> None:
        """Reload what forms complete from: all tags, speaker labels, this session's quotes."""
        store, sid, key = self.store, self.session_id, self.author_key()
        result = await self.app.db(
            lambda: (
                store.all_tags(),
                store.speakers(),
                # Quotes (for advice and insights) and stories (for rules) to link to.
                [e for e in store.list_entries(sid) if e.kind in ("quote", "story")],
                store.get_setting(key, ""),
            )
        )
        if result is not None:
            self.tags, self.speakers, self.quotes, self.last_author = result
        self.loaded.set()
        self.host.post_message(EntriesChanged())

    async def refresh_if_changed(self) -> None:
        """After another app committed: reload only when an entry changed (not for its drafts)."""
        signature = await self.app.db(self.store.entries_signature, None)
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

    async def capture(self, kind: str, *, on_saved: Callable[[Entry], Any] | None = None) -> None:
        """Open the form for a new entry of `kind`, stamped with the block and time of now."""
        if kind not in KINDS:
            return
        if not self.loaded.is_set():
            # A key pressed as the app starts: what the form completes from (tags, speakers,
            # initials) is read right after the first paint; wait a moment for it (the keys
            # typed after this one wait their turn, tui/keys.py).
            try:
                await asyncio.wait_for(self.loaded.wait(), FIRST_REFRESH_PATIENCE)
            except TimeoutError:
                pass
        # Pushed before anything is awaited: keys typed right after the capture key must land in
        # the form, never in the run screen's bindings.
        await self.open_form(
            Capture(kind),
            draft_id=_new_draft_id(),
            block_key=self.host.current_block_key(),  # type: ignore[attr-defined]
            opened_at=iso(self.app.clock()),
            author=self.app.author,
            on_saved=on_saved,
        )

    async def edit(self, entry_id: str, *, on_saved: Callable[[Entry], Any] | None = None) -> None:
        """Open the form on an entry (its latest version); saving keeps the earlier one."""
        entry = await self.app.db(self.store.get_entry, entry_id)
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
        on_saved: Callable[[Entry], Any] | None = None,
        draft_written: bool = False,
    ) -> None:
        """Push the form; it closes only after the entry is committed (or on cancel)."""
        from facilitator.tui.screens.capture_form import CaptureScreen

        keeper = DraftKeeper(
            self.app,
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

        def submit(values: Capture, initials: str | None) -> None:
            """Queue the commit (the form closes at once); the note-taker may type on."""
            nonlocal author
            if initials:
                author = keeper.author = initials
                self.app.author = self.last_author = initials
                key = self.author_key()
                self.app.saves.put(Commit(lambda: self.store.set_setting(key, initials)))
            keeper.pause()
            if entry is not None and values.same_as(entry):
                keeper.close()
                # Queued after any draft write still waiting for the database thread.
                self.app.saves.put(Commit(lambda: self.store.discard_draft(keeper.id)))
                return
            self.save(
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
                self.app.saves.put(Commit(lambda: self.store.discard_draft(keeper.id)))

        context = self._context(block_key, opened_at, author)
        if entry is not None and entry.revision > 1:
            context += " · " + t("log.version_n", n=entry.revision)
        await self.app.push_screen(
            CaptureScreen(
                capture,
                context=context,
                submit=submit,
                on_change=keeper.changed,
                known_tags=self.tags,
                speakers=self.speakers,
                quotes=self.quotes,
                editing=entry is not None,
                ask_initials=ask,
                sub_questions=list(self.host.session.programme.sub_questions),  # type: ignore[attr-defined]
                pending=self.pending_count,
            ),
            closed,
        )

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
        on_saved: Callable[[Entry], Any] | None,
        expected_revision: int | None = None,
    ) -> None:
        """Queue the entry's commit; "saved" is said only once it is committed."""
        store, sid = self.store, self.session_id
        now = self.app.clock()
        if entry is not None:
            revision = entry.revision if expected_revision is None else expected_revision

            def run() -> Entry:
                return store.update_entry(
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
                    return store.add_entry(
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
                    return store.get_entry(new_entry_id)

        waiting = (values, entry)
        self.pending.append(waiting)

        def done(saved: Entry) -> None:
            self._settled(waiting)
            keeper.close()
            if saved.kind == "quote":
                # Listed in the next advice form at once, before the refresh below is back.
                self.quotes = [saved, *(q for q in self.quotes if q.id != saved.id)]
            key = "capture.updated" if entry is not None else "capture.saved"
            self.app.notify(
                t(key, kind=t("capture.kind_" + saved.kind), text=summary(saved, 70)),
                markup=False,
                timeout=3,
            )
            self.host.run_worker(self.refresh(), group="capture-refresh", exclusive=True)
            if on_saved is not None:
                on_saved(saved)

        def failed(exc: BaseException) -> None:
            self._settled(waiting)
            from facilitator.store import StaleEdit

            if isinstance(exc, StaleEdit) and entry is not None:
                self.when_free(
                    lambda: self.ask_conflict(entry, values, exc.current, keeper, on_saved)
                )
                return
            self.keep_unsaved(values, keeper, exc)

        self.app.saves.put(Commit(run, done, failed, label=values.kind))
        self.host.post_message(EntriesChanged())

    def _settled(self, waiting: tuple[Capture, Entry | None]) -> None:
        if waiting in self.pending:
            self.pending.remove(waiting)
        self.host.post_message(EntriesChanged())

    def keep_unsaved(self, values: Capture, keeper: DraftKeeper, exc: BaseException) -> None:
        """The commit failed for good: say so once, and keep the words as a draft to resume."""
        from facilitator.tui.saving import failure_reason

        keeper.close()
        self.app.notify(
            t(
                "saving.failed",
                kind=t("capture.kind_" + values.kind),
                text=summary(values, 60),
                reason=t(failure_reason(exc)),
            ),
            severity="error",
            markup=False,
            timeout=15,
        )
        data = {**keeper.meta, "capture": values.to_dict(), "owner": None}
        row = {
            "id": keeper.id,
            "session_id": keeper.session_id,
            "author": keeper.author,
            "kind": values.kind,
            "entry_id": keeper.entry_id,
            "data": data,
            "updated_at": iso(self.app.clock()),
        }
        self.unsaved[keeper.id] = row
        write = self._draft_writer(keeper, values.kind, data)

        def written(_result: Any) -> None:
            self.unsaved.pop(keeper.id, None)

        # Kept in memory until the draft is written; offered back when no form is open.
        self.app.saves.put(Commit(write, written, None, label="draft"))
        self.when_free(self.offer_drafts)

    def when_free(self, action: Callable[[], Any]) -> None:
        """Run `action` once no capture form is open (a dialog must not take a typist's keys)."""

        def attempt() -> None:
            screen = self.app.screen
            if screen is not self.host and not _is_log(screen):
                self.app.set_timer(0.5, attempt)
                return
            self.host.run_worker(_as_coroutine(action), group="capture-ask")

        attempt()

    async def ask_conflict(
        self,
        entry: Entry,
        mine: Capture,
        current: Entry,
        keeper: DraftKeeper,
        on_saved: Callable[[Entry], Any] | None,
    ) -> None:
        """The entry changed since the edit opened: show theirs, and let the editor choose."""
        from facilitator.core.conflict import Version, resolve
        from facilitator.tui.screens.conflict import ConflictScreen

        def version(c: Capture) -> Version:
            return Version(c.store_fields(), c.tags, list(c.links))

        choice = await self.app.push_screen_wait(ConflictScreen(mine, current))
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
            self.app.saves.put(Commit(lambda: self.store.discard_draft(keeper.id)))
            self.app.notify(t("conflict.kept_theirs"), timeout=4)
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

    def _draft_writer(
        self, keeper: DraftKeeper, kind: str, data: dict[str, Any]
    ) -> Callable[[], None]:
        """The draft's write, for the store's thread (the same row, whoever asks for it)."""
        store = self.store

        def write() -> None:
            store.save_draft(
                keeper.id,
                keeper.session_id,
                kind,
                data,
                author=keeper.author,
                entry_id=keeper.entry_id,
                now=self.app.clock(),
            )

        return write

    def keep_later(self, values: Capture, keeper: DraftKeeper) -> None:
        keeper.close()
        data = {**keeper.meta, "capture": values.to_dict(), "owner": None}
        write = self._draft_writer(keeper, values.kind, data)

        self.app.saves.put(Commit(write))
        self.app.notify(t("conflict.later"), timeout=6)

    def _context(self, block_key: str | None, opened_at: str, author: str) -> str:
        """Where and when the words were said, and who notes them: "De diepte in · 10:42 · AB"."""
        from facilitator.tui.widgets.entry_table import clock_time

        state = self.host.state  # type: ignore[attr-defined]
        names = {b.key: b.name for b in state.blocks}
        parts = [names.get(block_key or "", t("capture.no_block")), clock_time(opened_at)]
        if author:
            parts.append(author)
        return " · ".join(parts)

    async def delete(self, entry: Entry) -> bool:
        """Mark an entry deleted (it stays in the database; `restore` brings it back)."""
        result = await self.app.db(self._delete, entry.id, self.app.clock())
        if result is None:
            return False
        self.app.notify(
            t("capture.deleted", kind=t("capture.kind_" + entry.kind), text=summary(entry, 60)),
            markup=False,
            timeout=6,
        )
        return True

    def _delete(self, entry_id: str, now: Any) -> bool:
        self.store.delete_entry(entry_id, now=now)
        return True

    async def restore(self, entry_id: str) -> bool:
        result = await self.app.db(self._restore, entry_id)
        if result is None:
            return False
        self.app.notify(
            t("capture.restored", kind=t("capture.kind_" + result.kind), text=summary(result, 60)),
            markup=False,
            timeout=3,
        )
        return True

    def _restore(self, entry_id: str) -> Entry:
        self.store.restore_entry(entry_id)
        return self.store.get_entry(entry_id)

    # -- the log -------------------------------------------------------------------------------

    async def open_log(self, *, search: bool) -> None:
        """Show the session's log; the screen is kept (installed) so opening it again is quick."""
        from facilitator.tui.screens.log import LogScreen

        name = f"capture-log:{self.session_id}"
        if not self.app.is_screen_installed(name):
            self.app.install_screen(LogScreen(self), name)
        log = self.app.get_screen(name)
        log.opening(self, search=search)
        await self.app.push_screen(name)

    # -- drafts left by a crash ----------------------------------------------------------------

    async def offer_drafts(self) -> None:
        """Offer back the drafts of this session whose app is gone (crashed, killed, closed)."""
        from facilitator.tui.screens.draft_offer import DraftOfferScreen

        rows = await self.app.db(self.store.drafts, self.session_id)
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
        if not found:
            return

        async def chosen(answer: tuple[str, str] | None) -> None:
            if answer is None:
                self.app.notify(t("capture.drafts_later"), timeout=5)
                return
            what, draft_id = answer
            row, capture = next((r, c) for r, c in found if r["id"] == draft_id)
            if what == "resume":
                await self.resume_draft(row, capture)
            else:
                await self.discard_draft(row, capture)

        await self.app.push_screen(DraftOfferScreen(found), chosen)

    async def resume_draft(self, row: dict[str, Any], capture: Capture) -> None:
        """Open a draft's form again, with its original block, time and initials."""
        self.unsaved.pop(row["id"], None)
        data = row["data"]
        entry = None
        if row.get("entry_id"):
            entry = await self.app.db(self._entry_or_none, row["entry_id"])
        opened_at = str(data.get("opened_at") or row["updated_at"])
        await self.open_form(
            capture,
            draft_id=row["id"],
            block_key=data.get("block_key") if entry is None else entry.block_key,
            opened_at=opened_at if entry is None else entry.created_at,
            author=row.get("author") or self.app.author,
            entry=entry,
            draft_written=True,
            on_saved=lambda _e: self.host.run_worker(self.offer_drafts(), group="drafts"),
        )

    def _entry_or_none(self, entry_id: str) -> Entry | None:
        from facilitator.store import NotFound

        try:
            return self.store.get_entry(entry_id)
        except NotFound:
            return None

    async def discard_draft(self, row: dict[str, Any], capture: Capture) -> None:
        from facilitator.tui.screens.confirm import ConfirmScreen

        async def answered(yes: bool | None) -> None:
            if yes:
                await self.app.db(self.store.discard_draft, row["id"])
                self.app.notify(t("capture.draft_discarded"), timeout=3)
            await self.offer_drafts()

        await self.app.push_screen(
            ConfirmScreen(
                t("capture.confirm_discard_draft", text=summary(capture, 60)),
                t("capture.discard_yes"),
                t("capture.discard_no"),
            ),
            answered,
        )


def _is_log(screen: Any) -> bool:
    return type(screen).__name__ == "LogScreen"


async def _as_coroutine(action: Callable[[], Any]) -> None:
    result = action()
    if hasattr(result, "__await__"):
        await result


def _new_draft_id() -> str:
    from facilitator.store import new_id

    return new_id()


class CaptureActions:
    """Mixin for RunScreen: the actions behind CAPTURE_BINDINGS.

    The run screen offers: `self.session_id`, `self.session` (SessionInfo), `self.state`
    (the ClockState of the last tick), `self.current_block_key()`, and through `self.app`:
    `store`, `clock`, `author` and `await self.app.db(fn, *args)` for store calls.
    Textual calls the `on_mount` and `on_database_changed` handlers of every class in the MRO,
    so the ones here run beside the run screen's own.
    """

    @property
    def capturer(self) -> Capturer:
        found = self.__dict__.get("_capturer")
        if found is None:
            found = self.__dict__["_capturer"] = Capturer(self)  # type: ignore[arg-type]
        return found  # type: ignore[no-any-return]

    def on_mount(self) -> None:
        # After the first paint: the run screen shows its clock before anything else is read.
        self.call_after_refresh(self._start_capture)  # type: ignore[attr-defined]

    async def _start_capture(self) -> None:
        await self.capturer.refresh()
        await self.capturer.offer_drafts()

    async def on_database_changed(self, _event: Any) -> None:
        # In a worker: the screen's queue (and so the keys) must never wait for the database.
        self.run_worker(  # type: ignore[attr-defined]
            self.capturer.refresh_if_changed(), group="capture-poll", exclusive=True
        )

    async def action_capture(self, kind: str) -> None:
        await self.capturer.capture(kind)

    async def action_log(self) -> None:
        await self.capturer.open_log(search=False)

    async def action_search(self) -> None:
        await self.capturer.open_log(search=True)
