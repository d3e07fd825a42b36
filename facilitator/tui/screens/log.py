"""The log: every entry of the session, newest first, with filters and full-text search.

Filters by kind, phase and tag; search (SQLite FTS5) in this session or in all sessions, with
results as you type. From here an entry can be edited (earlier versions are kept and shown with
h), deleted and brought back (u), and new entries captured with the same keys as on the run
screen. Entries written by another app on the same database appear within two seconds.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Input, Select, Static

from facilitator.core.entries import KINDS, Entry
from facilitator.core.programme import PHASE_NAMES
from facilitator.i18n import t
from facilitator.tui.base import Deferred, Translated, preset_breakpoints
from facilitator.tui.context import AppContext
from facilitator.tui.messages import DatabaseChanged, follow_database_changes
from facilitator.tui.widgets.entry_detail import EntryDetail
from facilitator.tui.widgets.entry_table import PAGE, EntryTable, clock_time
from facilitator.tui.widgets.keybar import KeyBar

if TYPE_CHECKING:
    from facilitator.store import Store
    from facilitator.tui.capture import Capturer

CRAMPED_BELOW = 16  # lines: fewer, and the entry in full gives the list its room
SEARCH_DELAY = 0.12  # seconds of quiet typing before a search runs
FIRST_LINES_PATIENCE = 0.1  # seconds the log waits for its first lines before its first paint

ALL = "*"


class SearchInput(Input):
    """The log's search field. Enter moves on to the list when the key is read (a priority
    binding), so that the keys typed right after it (PageDown, e, d...) reach the list."""

    BINDINGS = [Binding("enter", "screen.search_done", show=False, priority=True)]


def _log_bindings() -> list[BindingType]:
    from facilitator.tui.bindings import capture_bindings

    # Help first, so the key bar never cuts it off on a narrow terminal.
    return [
        Binding("question_mark,f1", "help", "keys.help", tooltip="help.help"),
        Binding("escape", "back", "log.key_back"),
        # A priority binding acts when the key is read, before the keys typed after it are
        # handed to the focused list: '/buurt' pasted at once all lands in the search field.
        Binding(
            "slash", "focus_search", "log.key_search", tooltip="log.help_search", priority=True
        ),
        Binding("e", "edit", "log.key_edit", tooltip="log.help_edit"),
        Binding("h", "history", "log.key_history", tooltip="log.help_history"),
        Binding("d,delete", "delete", "log.key_delete", tooltip="log.help_delete"),
        Binding("u", "undo_delete", "log.key_undo", tooltip="log.help_undo"),
        Binding("D", "toggle_deleted", "log.key_deleted", show=False, tooltip="log.help_deleted"),
        Binding("A", "toggle_scope", "log.key_scope", tooltip="log.help_scope"),
        *capture_bindings(shown=()),
    ]


class LogScreen(Translated, Screen[None]):
    """The session's log over the run screen; Esc goes back to the clock."""

    CSS_PATH = "../capture.tcss"
    BINDINGS = _log_bindings()
    KEY_PRIORITY = ("help", "back", "focus_search", "edit", "delete", "undo_delete")
    # Below 80 columns the filters take two lines (capture.tcss).
    HORIZONTAL_BREAKPOINTS = [(0, "-tiny"), (80, "-narrow"), (100, "-wide")]
    KEY_TERSE = ("help",)
    HELP_SECTIONS: dict[str, str] = {
        **{b.action: "view" for b in BINDINGS if isinstance(b, Binding)},
        **{
            b.action: "capture"
            for b in BINDINGS
            if isinstance(b, Binding) and b.action.startswith("capture(")
        },
    }

    def __init__(self, ctx: AppContext, capturer: Capturer, *, search: bool = False) -> None:
        super().__init__()
        preset_breakpoints(self)
        self.ctx = ctx
        self.capturer = capturer
        self.session_id = capturer.session_id
        self.start_in_search = search
        self.total = 0
        self.show_deleted = False
        self.deleted_stack: list[str] = []
        self._signature: Any = None
        self._names: dict[str, tuple[str, dict[str, str]]] = {}
        self._sessions: dict[str, str] = {}  # session id -> "date place", for the session column
        self._tags_due = True  # the tag filter's choices are read again after the next reload
        self._tags: list[tuple[str, int]] = []
        self._refocus = True
        self._filters_ready = False  # the Selects are in (see compose)
        self._filters_coming = False
        self._shown_filters: dict[str, Any] | None = None
        self._prefetch: tuple[dict[str, Any], asyncio.Future[Any]] | None = None

    # -- layout --------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="log-head"):
            yield Static(Content(t("log.title")), id="log-title")
            yield Static("", id="log-count")
        with Horizontal(id="log-filters"):
            yield SearchInput(
                placeholder=t("log.search_placeholder"), id="log-search", compact=True
            )
            # Each filter shows its choice as plain text first; the real Select (a list of
            # widgets each) takes its place right after the first rows are painted.
            for select_id, options, value in self._filter_specs():
                label = next(str(text) for text, v in options if v == value)
                yield Static(Content(f"{label} ▼"), id=select_id, classes="filter-placeholder")
        yield EntryTable(id="log-table")
        yield EntryDetail(id="log-detail")
        yield KeyBar()

    def _filter_specs(self) -> list[tuple[str, list[tuple[Content, str]], str]]:
        """The filter row's Selects: id, options and the value they start with."""
        return [
            (
                "log-scope",
                [
                    (Content(t("log.scope_session")), "session"),
                    (Content(t("log.scope_all")), "all"),
                ],
                "session",
            ),
            (
                "log-kind",
                [(Content(t("log.all_kinds")), ALL)]
                + [(Content(t("capture.kind_" + k)), k) for k in KINDS],
                ALL,
            ),
            (
                "log-phase",
                [(Content(t("log.all_phases")), ALL)]
                + [
                    (Content(t("log.phase", n=n, name=name)), str(n))
                    for n, name in PHASE_NAMES.items()
                ]
                + [(Content(t("log.outside_phases")), "0")],
                ALL,
            ),
            ("log-tag", [(Content(t("log.all_tags")), ALL)], ALL),
        ]

    async def _mount_filters(self) -> None:
        """Put the real Selects in the placeholders' places (see compose)."""
        row = self.query_one("#log-filters", Horizontal)
        for select_id, options, value in self._filter_specs():
            placeholder = row.query_one(f"#{select_id}")
            index = list(row.children).index(placeholder)
            await placeholder.remove()
            select = Select(options, allow_blank=False, value=value, id=select_id, compact=True)
            await row.mount(select, before=index) if index < len(row.children) else await row.mount(
                select
            )
        self._filters_ready = True
        if self._tags:
            tags, self._tags = self._tags, []
            self._show_tags(tags)

    def opening(self, capturer: Capturer, *, search: bool) -> None:
        """Called before each push: the log screen is kept between visits, filters and all."""
        self.capturer = capturer
        self.start_in_search = search
        self._refocus = True
        # The first lines are read while the screen is being built, not after.
        filters = self.filters() if self.is_mounted else self._default_filters()
        self._prefetch = (
            filters,
            asyncio.ensure_future(self.ctx.db(self._fetch, self.ctx.store, filters, None)),
        )

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.height < CRAMPED_BELOW, "-cramped")

    async def on_screen_resume(self) -> None:
        # Kept between visits: off the stack it hears nothing.
        follow_database_changes(self, self.ctx.database_changed)
        # Back from a form or the history, or opened again from the run screen: show what changed.
        if self._refocus:
            self._refocus = False
            # At once, not through focus() (which waits its turn behind keys already queued):
            # a '/' and a word typed in one burst land in the search field.
            if self.start_in_search:
                self.set_focus(self.query_one("#log-search", Input))
            else:
                self.set_focus(self.query_one(EntryTable))
        self._tags_due = True
        prefetch = self._prefetch
        if prefetch is not None and not prefetch[1].done():
            # The first lines are on their way (a few milliseconds, more when the machine is
            # busy): the screen waits a moment for them, so its first paint shows them, but
            # never long (the database may be held up by another program's write).
            await asyncio.wait({prefetch[1]}, timeout=FIRST_LINES_PATIENCE)
        if not self._show_prefetched():
            self.reload()

    # -- loading -------------------------------------------------------------------------------

    def _default_filters(self) -> dict[str, Any]:
        """What `filters` says for a log just opened: this session, everything."""
        return {
            "session_id": self.session_id,
            "search": "",
            "kind": None,
            "phase": None,
            "tag": None,
            "include_deleted": False,
        }

    def _choice(self, select_id: str, default: str) -> Any:
        return self.query_one(f"#{select_id}", Select).value if self._filters_ready else default

    def filters(self) -> dict[str, Any]:
        """The store's find_entries arguments for what the filter row shows now."""
        scope = self._choice("log-scope", "session")
        kind = self._choice("log-kind", ALL)
        phase = self._choice("log-phase", ALL)
        tag = self._choice("log-tag", ALL)
        return {
            "session_id": None if scope == "all" else self.session_id,
            "search": self.query_one("#log-search", Input).value,
            "kind": None if kind == ALL else kind,
            "phase": None if phase == ALL else int(str(phase)),
            "tag": None if tag == ALL else tag,
            "include_deleted": self.show_deleted,
        }

    @staticmethod
    def _fetch(store: Store, filters: dict[str, Any], near: int | None) -> dict[str, Any]:
        """On the database thread: what the list needs to draw its first lines (the first page,
        and the page the cursor was on; the total; the change signature; the block names)."""
        pages = {0: store.entries.find(**filters, limit=PAGE)}
        if near is not None and near // PAGE:
            page = near // PAGE
            pages[page] = store.entries.find(**filters, limit=PAGE, offset=page * PAGE)
        sessions = store.sessions.places()
        signature = store.entries.signature(filters["session_id"])
        unfiltered = not (
            filters["search"].strip()
            or filters["kind"]
            or filters["tag"]
            or filters["phase"] is not None
            or filters["include_deleted"]
        )
        # Unfiltered, the signature has the count already (all entries less the deleted ones):
        # one pass over a long log instead of two.
        total = signature[0] - signature[3] if unfiltered else store.entries.count(**filters)
        return {
            "pages": pages,
            "total": total,
            "signature": signature,
            "names": store.sessions.block_names(),
            "sessions": {
                sid: f"{date[8:10]}-{date[5:7]} {place}" for sid, (place, date) in sessions.items()
            },
        }

    def _show_prefetched(self) -> bool:
        """Show the first lines read while the screen was being built, if they are there:
        before the screen's first paint, so it shows the rows at once (a reload would show
        them one frame later). False when they are not (yet): then `reload` waits for them."""
        prefetch = self._prefetch
        if prefetch is None or not prefetch[1].done() or prefetch[1].cancelled():
            return False
        filters = self.filters()
        table = self.query_one(EntryTable)
        keep = table.current_id()
        near = table.row_of(keep) if keep else None
        if prefetch[0] != filters or (near or 0) >= PAGE or prefetch[1].exception() is not None:
            return False
        result = prefetch[1].result()
        if result is None:
            return False
        self._prefetch = None
        self.workers.cancel_group(self, "log-load")  # an older reload must not overwrite it
        self._shown_filters = filters
        self._show_lines(result, filters, keep)
        return True

    @work(exclusive=True, group="log-load")
    async def reload(self, keep: str | None = None, delay: float = 0.0) -> None:
        """Fetch the first lines for the current filters and show them (newest first); the
        other rows are fetched a page at a time as they come into view."""
        if delay:
            await asyncio.sleep(delay)  # typing goes on: a newer search cancels this one
        filters = self._shown_filters = self.filters()
        table = self.query_one(EntryTable)
        keep = keep or table.current_id()
        near = table.row_of(keep) if keep else None
        prefetch, self._prefetch = self._prefetch, None
        if prefetch is not None and prefetch[0] == filters and (near or 0) < PAGE:
            result = await prefetch[1]
        else:
            result = await self.ctx.db(self._fetch, self.ctx.store, filters, near)
        if result is None:
            return
        self._show_lines(result, filters, keep)

    def _show_lines(
        self, result: dict[str, Any], filters: dict[str, Any], keep: str | None
    ) -> None:
        """Put a fetch's first lines in the list, the count and the detail pane."""
        table = self.query_one(EntryTable)
        self.total, self._signature = result["total"], result["signature"]
        self._names, self._sessions = result["names"], result["sessions"]
        pages = result["pages"]

        async def loader(offset: int, limit: int) -> list[Entry] | None:
            return await self.ctx.db(
                self.ctx.store.entries.find, **filters, limit=limit, offset=offset
            )

        table.show(
            pages.pop(0),
            self.total,
            loader=loader,
            where=self.where,
            session=self.session_label if filters["session_id"] is None else None,
            keep=keep,
            pages=pages,
        )
        self._show_count()
        self.show_detail()
        if not self._filters_ready and not self._filters_coming:
            self._filters_coming = True
            self.call_after_refresh(self._mount_filters)
        if self._tags_due:
            # After the rows are painted: counting the tags of a long log takes a while (the
            # database thread and the event loop share the interpreter), and only the tag
            # filter needs them.
            self._tags_due = False
            self.call_after_refresh(self._start_loading_tags)

    def _start_loading_tags(self) -> None:
        self.run_worker(Deferred(self._load_tags), group="log-tags", exclusive=True)

    async def _load_tags(self) -> None:
        tags = await self.ctx.db(self.ctx.store.entries.tags)
        if tags is not None:
            self._show_tags(tags)

    def _show_tags(self, tags: list[tuple[str, int]]) -> None:
        if not self._filters_ready:
            self._tags = tags  # shown when the Selects are in
            return
        if tags != self._tags:
            self._tags = tags
            select = self.query_one("#log-tag", Select)
            current = select.value
            with self.prevent(Select.Changed):
                select.set_options(
                    [(Content(t("log.all_tags")), ALL)]
                    + [(Content(f"{tag} ({n})"), tag) for tag, n in tags]
                )
                select.value = current if any(tag == current for tag, _ in tags) else ALL

    def where(self, entry: Entry) -> str:
        """The block an entry was captured in."""
        _, names = self._names.get(entry.session_id, ("", {}))
        return names.get(entry.block_key or "", entry.block_key or "–")

    def session_label(self, entry: Entry) -> str:
        """The session an entry belongs to, as its date and place (the all-sessions column)."""
        return self._sessions.get(entry.session_id, entry.session_id)

    def _show_count(self) -> None:
        f = self.filters()
        filtered = bool(f["search"].strip() or f["kind"] or f["tag"] or f["phase"] is not None)
        key = ("log.found" if filtered else "log.count") + (
            "_all" if f["session_id"] is None else ""
        )
        text = t(key, n=self.total)
        if self.show_deleted:
            text += " " + t("log.with_deleted")
        self.query_one("#log-count", Static).update(Content(text))

    @work(exclusive=True, group="log-detail")
    async def show_detail(self) -> None:
        detail = self.query_one(EntryDetail)
        entry = self.query_one(EntryTable).current()
        if entry is None:
            detail.show(None)
            return
        linked: list[Entry] = []
        if entry.links:
            linked = await self.ctx.db(self.ctx.store.entries.by_id, entry.links) or []
        version = t("log.version_n", n=entry.revision) if entry.revision > 1 else ""
        header = " · ".join(
            x
            for x in (
                t("capture.kind_" + entry.kind),
                clock_time(entry.created_at),
                self.where(entry)
                if entry.session_id == self.session_id
                else f"{self.session_label(entry)} · {self.where(entry)}",
                entry.author,
                version,
            )
            if x
        )
        detail.show(entry, header, linked)

    # -- reacting ------------------------------------------------------------------------------

    @on(Input.Changed, "#log-search")
    def _search_typed(self) -> None:
        self.reload(delay=SEARCH_DELAY)

    def action_search_done(self) -> None:
        """Enter in the search field: on to the list, at once (see SearchInput)."""
        self.set_focus(self.query_one(EntryTable))

    @on(Select.Changed)
    def _filter_changed(self) -> None:
        if self.filters() != self._shown_filters:  # not a Select saying its first value
            self.reload()

    @on(EntryTable.Selected)
    async def _entry_selected(self, event: EntryTable.Selected) -> None:
        event.stop()
        await self.action_edit()

    @on(EntryTable.Highlighted)
    def _highlighted(self, event: EntryTable.Highlighted) -> None:
        self.show_detail()

    async def on_database_changed(self, _: DatabaseChanged) -> None:
        """Another app committed: show its entries (only when an entry in scope changed)."""
        scope = self.filters()["session_id"]
        signature = await self.ctx.db(self.ctx.store.entries.signature, scope)
        if signature is not None and signature != self._signature:
            self._tags_due = True
        self.reload()

    def refresh_after_save(self, entry: Entry | None = None) -> None:
        """After a capture or an edit from here: show it and put the cursor on it."""
        self._tags_due = True
        self.reload(keep=entry.id if entry else None)

    # -- actions -------------------------------------------------------------------------------

    def action_back(self) -> None:
        table = self.query_one(EntryTable)
        if self.focused is not table:
            self.set_focus(table)
        else:
            self.app.pop_screen()

    def action_focus_search(self) -> None:
        search = self.query_one("#log-search", Input)
        if self.focused is search:
            search.insert_text_at_cursor("/")  # typed in the field: a character like any other
            return
        # At once, not through focus() (which waits its turn behind keys already queued).
        self.set_focus(search)

    async def action_capture(self, kind: str) -> None:
        await self.capturer.capture(kind, on_saved=self.refresh_after_save)

    async def action_edit(self) -> None:
        entry = self.query_one(EntryTable).current()
        if entry is None:
            return
        if entry.deleted:
            self.notify(t("log.restore_first"), timeout=4)
            return
        await self.capturer.edit(entry.id, on_saved=self.refresh_after_save)

    async def action_history(self) -> None:
        entry = self.query_one(EntryTable).current()
        if entry is None:
            return
        from facilitator.tui.screens.entry_history import HistoryScreen

        store = self.ctx.store
        result = await self.ctx.db(
            lambda: (store.entries.get(entry.id), store.entries.revisions(entry.id))
        )
        if result is not None:
            await self.app.push_screen(HistoryScreen(*result))

    async def action_delete(self) -> None:
        table = self.query_one(EntryTable)
        entry = table.current()
        if entry is None or entry.deleted:
            return
        if await self.capturer.delete(entry):
            self.deleted_stack.append(entry.id)
            # Keep the cursor where it was: on the next entry down.
            row = table.cursor_row
            following, previous = table.entry_at(row + 1), table.entry_at(row - 1)
            neighbour = following or previous
            self.reload(
                keep=entry.id if self.show_deleted else (neighbour.id if neighbour else None)
            )

    async def action_undo_delete(self) -> None:
        entry = self.query_one(EntryTable).current()
        target = entry.id if entry is not None and entry.deleted else None
        if target is None:
            if not self.deleted_stack:
                self.notify(t("log.nothing_to_undo"), timeout=3)
                return
            target = self.deleted_stack[-1]
        if await self.capturer.restore(target):
            if target in self.deleted_stack:
                self.deleted_stack.remove(target)
            self.reload(keep=target)

    def action_toggle_deleted(self) -> None:
        self.show_deleted = not self.show_deleted
        self.reload()

    def action_toggle_scope(self) -> None:
        if not self._filters_ready:
            return  # the filter row is being built: a moment
        select = self.query_one("#log-scope", Select)
        select.value = "all" if select.value == "session" else "session"

    def action_help(self) -> None:
        from facilitator.tui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen(self))

    @property
    def count_text(self) -> str:
        return str(self.query_one("#log-count", Static).visual)
