"""Capture keys of the run screen, and what is behind them: forms, drafts, edits, deletes.

One key per kind, Dutch mnemonics (v verhaal, c citaat, ...), l for the log and / for search.
Every write goes through `app.db` (the store's single database thread) and is committed before
the form closes. While a form is open its content is saved as a draft (debounced, committed), so
a crash loses at most the last fraction of a second; on the next start the drafts of processes
that are gone are offered back.
"""

from __future__ import annotations

import getpass
import os
import socket
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.timer import Timer

from facilitator.core.entries import KINDS, Capture, Entry, summary
from facilitator.core.timeutil import iso, parse_iso
from facilitator.i18n import t

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

    @property
    def store(self) -> Store:
        return self.app.store  # type: ignore[attr-defined,no-any-return]

    def changed(self, capture: Capture) -> None:
        if self._closed:
            return
        self._pending = capture
        if self._timer is None and not self._paused:
            self._timer = self.app.set_timer(DRAFT_DELAY, self.flush, name="draft")

    async def flush(self) -> None:
        """Write the latest content now (or drop the draft when nothing is left to keep)."""
        self._timer = None
        capture, self._pending = self._pending, None
        if capture is None or self._closed or self._paused:
            self._pending = self._pending or capture
            return
        db = self.app.db  # type: ignore[attr-defined]
        unchanged = self.baseline is not None and capture.equivalent(self.baseline)
        if capture.is_blank() or unchanged:
            if self.written:
                await db(self.store.discard_draft, self.id)
                self.written = False
            return
        data = {**self.meta, "capture": capture.to_dict(), "owner": draft_owner()}
        saved = await db(
            self.store.save_draft,
            self.id,
            self.session_id,
            capture.kind,
            data,
            author=self.author,
            entry_id=self.entry_id,
            now=self.app.clock(),  # type: ignore[attr-defined]
        )
        self.written = self.written or saved is not None

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

        async def submit(values: Capture, initials: str | None) -> Entry | None:
            nonlocal author
            if initials:
                author = keeper.author = initials
            keeper.pause()
            if entry is not None:
                if values.same_as(entry):
                    keeper.close()
                    # Unconditionally: a draft write may still be queued on the database thread.
                    await self.app.db(self.store.discard_draft, keeper.id)
                    return entry
                saved = await self.app.db(
                    self.store.update_entry,
                    entry.id,
                    values.store_fields(),
                    tags=values.tags,
                    links=values.links,
                    now=self.app.clock(),
                    draft_id=keeper.id,
                )
            else:
                saved = await self.app.db(
                    self.store.add_entry,
                    self.session_id,
                    values.kind,
                    values.store_fields(),
                    author=author,
                    block_key=block_key,
                    tags=values.tags,
                    links=values.links,
                    now=parse_iso(opened_at),
                    draft_id=keeper.id,
                )
            if saved is None:
                keeper.resume(values)
                return None
            keeper.close()
            if initials:
                self.app.author = self.last_author = initials
                await self.app.db(self.store.set_setting, self.author_key(), initials)
            return saved

        async def closed(saved: Entry | None) -> None:
            if saved is None:
                # Cancelled (after confirming when something was typed): nothing to keep. The
                # delete runs after any draft write still queued on the single database thread.
                keeper.close()
                await self.app.db(self.store.discard_draft, keeper.id)
                return
            key = "capture.updated" if entry is not None else "capture.saved"
            self.app.notify(
                t(key, kind=t("capture.kind_" + saved.kind), text=summary(saved, 70)),
                markup=False,
                timeout=3,
            )
            self.host.run_worker(self.refresh(), group="capture-refresh", exclusive=True)
            if on_saved is not None:
                on_saved(saved)

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
            ),
            closed,
        )

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
        found: list[tuple[dict[str, Any], Capture]] = []
        for row in rows or []:
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
        await self.capturer.refresh_if_changed()

    async def action_capture(self, kind: str) -> None:
        await self.capturer.capture(kind)

    async def action_log(self) -> None:
        await self.capturer.open_log(search=False)

    async def action_search(self) -> None:
        await self.capturer.open_log(search=True)
