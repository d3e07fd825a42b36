"""The facilitator's reader of anonymous remarks: the batches released so far, the waiting count,
hide and show again, the participants' URL and QR code, and files for table cards.

Remarks are shown as plain text, never markup, and in an order that says nothing about arrival:
by block, then by their random id.

A burst (a thousand remarks in a second) must not freeze the screen: news from the server and
from other processes only marks the list stale, and at most `REFRESH_MIN` apart a reload reads
the remarks on the database thread and swaps the list, which draws only the rows in view.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, Static

from facilitator.core.clock import compute
from facilitator.core.text import clean
from facilitator.i18n import t
from facilitator.tui.base import DismissOnce, Translated, plain
from facilitator.tui.context import AppContext
from facilitator.tui.messages import (
    DatabaseChanged,
    RemarksChanged,
    follow,
    follow_database_changes,
)
from facilitator.tui.widgets.keybar import KeyBar
from facilitator.tui.widgets.remark_list import SLOT_WIDTH, STATE_WIDTH, RemarkList

# Batch sizes the facilitator can step through: 0 means "only when the block ends".
BATCH_CHOICES = (3, 5, 10, 0, 1)
REFRESH_SECONDS = 5.0
REFRESH_MIN = 0.3  # seconds between two reloads at the most, however fast remarks come


class RemarksScreen(Translated, Screen[None]):
    """Read the remarks of one session, hide or show them, and see how to reach the page."""

    DEFAULT_CSS = """
    RemarksScreen #remarks-body { height: 1fr; }
    RemarksScreen #remarks-main { width: 1fr; padding: 1 2; }
    RemarksScreen #remarks-counts { text-style: bold; }
    RemarksScreen #remarks-table { height: 1fr; min-height: 5; }
    RemarksScreen #remarks-head { text-style: bold; color: $text-muted; }
    RemarksScreen #remarks-detail-box { height: auto; max-height: 10;
        border-top: hkey $panel-lighten-2; }
    RemarksScreen #remarks-detail { padding: 1 0 0 0; }
    RemarksScreen #remarks-side { width: auto; min-width: 30; max-width: 60; height: 1fr;
        border-left: vkey $panel-lighten-2; padding: 0 1; }
    RemarksScreen #remarks-qr { width: auto; height: auto; padding: 1 0; }
    RemarksScreen #remarks-url { width: auto; max-width: 60; }
    RemarksScreen #remarks-problem { width: 100%; max-width: 60; padding-top: 1; }
    RemarksScreen #remarks-qr-hint { display: none; color: $text-muted; }
    /* Too narrow for the list beside a code phones can scan: the list gets the width, the
       address goes under it, and the code waits for a wider window or the room clock. */
    RemarksScreen.-narrow #remarks-body { layout: vertical; }
    RemarksScreen.-narrow #remarks-side { width: 100%; max-width: 100%; height: auto;
        max-height: 50%; border-left: none; border-top: hkey $panel-lighten-2; }
    RemarksScreen.-narrow #remarks-url { width: 100%; max-width: 100%; text-overflow: fold; }
    RemarksScreen.-narrow.-short #remarks-qr-hint, RemarksScreen.-narrow.-short #remarks-batch {
        display: none; }
    RemarksScreen.-narrow.-short .pane-title, RemarksScreen.-narrow.-short .screen-title {
        display: none; }
    RemarksScreen.-narrow #remarks-qr { display: none; }
    RemarksScreen.-narrow #remarks-qr-hint { display: block; }
    RemarksScreen.-narrow #remarks-main { padding: 0 1; }
    RemarksScreen.-short #remarks-detail-box { max-height: 4; }
    """
    # The list beside the code needs some 50 columns, the code itself 40.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (90, "-wide")]

    BINDINGS = [
        Binding("h", "toggle_hidden", "remarks.key_hide"),
        Binding("a", "release", "remarks.key_release"),
        Binding("v", "reveal", "remarks.key_reveal"),
        Binding("g", "batch", "remarks.key_batch"),
        Binding("w", "write_files", "remarks.key_files"),
        Binding("escape,m", "app.pop_screen", "keys.back"),
    ]
    KEY_PRIORITY = ("app.pop_screen", "toggle_hidden", "release", "reveal")

    def __init__(self, ctx: AppContext, session_id: str) -> None:
        super().__init__()
        self.ctx = ctx
        self.session_id = session_id
        self.session = ctx.store.sessions.get(session_id)
        self.remarks: list[dict[str, Any]] = []
        self.reveal_hidden = False
        self.batch_size = 3
        self._url: str | None = None
        self._shown_text: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        with Horizontal(id="remarks-body"):
            with Vertical(id="remarks-main"):
                yield Static(Content(t("remarks.title")), classes="screen-title")
                yield Static("", id="remarks-counts")
                yield Static("", id="remarks-batch", classes="hint")
                yield Static("", id="remarks-head")
                yield RemarkList(id="remarks-table")
                with VerticalScroll(id="remarks-detail-box"):
                    yield Static("", id="remarks-detail")
            with Vertical(id="remarks-side"):
                yield Static(Content(t("remarks.url_label")), classes="pane-title")
                yield Vertical(id="remarks-qr")
                yield Static("", id="remarks-url")
                yield Static(Content(t("remarks.qr_hint")), id="remarks-qr-hint")
                yield Static("", id="remarks-problem", classes="error")
        yield KeyBar()

    async def on_mount(self) -> None:
        from facilitator.tui.toasts import keep_toasts_clear

        # Above the remark's text, never over it ("verborgen" after h, a new batch...).
        keep_toasts_clear(self, "#remarks-detail-box", area="#remarks-main")
        follow_database_changes(self, self.ctx.database_changed)
        follow(self, self.ctx.remarks_changed, lambda news: RemarksChanged(*news))
        head = (
            t("remarks.col_slot").ljust(SLOT_WIDTH)[:SLOT_WIDTH]
            + t("remarks.col_state").ljust(STATE_WIDTH)[:STATE_WIDTH]
            + t("remarks.col_text")
        )
        self.query_one("#remarks-head", Static).update(Content(head))
        self._stale = False
        self._loading = False
        self.refresh_url()
        await self.reload()
        self.set_interval(REFRESH_SECONDS, self._tick)
        self.set_interval(REFRESH_MIN, self._reload_if_stale)
        self.query_one(RemarkList).focus()

    async def _tick(self) -> None:
        self.refresh_url()
        self._stale = True

    async def _reload_if_stale(self) -> None:
        """At most one reload per REFRESH_MIN, whatever the number of changes in between."""
        if self._stale and not self._loading:
            self._stale = False
            await self.reload()

    # -- the URL and the QR code ---------------------------------------------------------

    def refresh_url(self) -> None:
        """Show the URL and QR code (the laptop's network may have changed since last time)."""
        url, problem = self.ctx.remarks.url_for(self.session)
        self._set_text("#remarks-url", url or "")
        self._set_text("#remarks-problem", problem or "")
        if url != self._url:
            self._url = url
            box = self.query_one("#remarks-qr", Vertical)
            box.remove_children()
            if url is not None:
                from facilitator.tui.widgets.qr import QRCode

                box.mount(QRCode(url, id="remarks-qr-code"))

    # -- the remarks ---------------------------------------------------------------------

    async def reload(self) -> None:
        """Release what is due, then show the readable remarks, the waiting count and the rule."""
        self._loading = True
        try:
            await self._reload()
        finally:
            self._loading = False

    async def _reload(self) -> None:
        ctx = self.ctx
        store = ctx.store
        counts = await ctx.db(store.remarks.counts, self.session_id)
        if counts and counts["waiting"]:
            # Also when no server runs in this app: a block that ended frees its batch here.
            if await ctx.db(store.remarks.release_due, self.session_id, now=ctx.clock()):
                counts = await ctx.db(store.remarks.counts, self.session_id)
        remarks = await ctx.db(store.remarks.list, self.session_id, released_only=True)
        events = await ctx.db(store.clock.events, self.session_id)
        batch = await ctx.db(store.remarks.batch_size)
        if remarks is None or counts is None or events is None or batch is None:
            return
        # Remarks the server in this app still holds in memory wait too (see web.app.RemarkBuffer).
        counts = {**counts, "waiting": counts["waiting"] + ctx.remarks.held(self.session_id)}
        self.batch_size = batch
        state = compute(self.session.programme.blocks, events, ctx.clock())
        order = {b.name: i for i, b in enumerate(state.blocks)}
        # By block in the day's order; within a block the list keeps the store's random-id order.
        remarks.sort(key=lambda r: order.get(r["slot"], len(order)))
        self.remarks = remarks
        self._set_text("#remarks-counts", t("remarks.counts", **counts))
        self._set_text("#remarks-batch", self._batch_rule(batch, state.state))
        self._fill_table()

    def _set_text(self, selector: str, text: str) -> None:
        """Show plain text in a Static; nothing when it is already shown, and no new layout of
        the screen when old and new fit on the line (a burst changes the counts many times)."""
        widget = self.query_one(selector, Static)
        old = self._shown_text.get(selector)
        if old == text:
            return
        self._shown_text[selector] = text
        width = widget.content_region.width
        same_size = old is not None and "\n" not in old + text and max(len(old), len(text)) <= width
        widget.update(plain(text), layout=not same_size)

    def _batch_rule(self, batch: int, state: str) -> str:
        if state != "running":
            rule = t("remarks.not_running")
        elif batch == 0:
            rule = t("remarks.batch_block")
        elif batch == 1:
            rule = t("remarks.batch_one")
        else:
            rule = t("remarks.batch_rule", size=batch)
        return rule

    def _fill_table(self) -> None:
        table = self.query_one(RemarkList)
        hidden_text, hidden_mark = t("remarks.hidden_text"), t("remarks.hidden_mark")
        rows = []
        for r in self.remarks:
            hidden = bool(r["hidden"])
            # Flattened to one line when drawn (only the rows in view): see RemarkList.
            text = hidden_text if hidden and not self.reveal_hidden else r["text"]
            rows.append((r["slot"], hidden_mark if hidden else "", text, hidden))
        table.set_rows([r["id"] for r in self.remarks], rows)
        if not self.remarks:
            self._set_text("#remarks-detail", t("remarks.empty"))
        self._show_detail()

    def _selected(self) -> dict[str, Any] | None:
        table = self.query_one(RemarkList)
        if not self.remarks or table.cursor_row < 0 or table.cursor_row >= len(self.remarks):
            return None
        return self.remarks[table.cursor_row]

    def _show_detail(self) -> None:
        remark = self._selected()
        if remark is None:
            return
        if remark["hidden"] and not self.reveal_hidden:
            self._set_text("#remarks-detail", t("remarks.hidden_text"))
        else:
            # Typed text: Content, never markup, control characters stripped again on the way out.
            self._set_text("#remarks-detail", clean(remark["text"]))

    @on(RemarkList.Highlighted)
    def _highlighted(self) -> None:
        self._show_detail()

    @on(RemarksChanged)
    def _remarks_changed(self, message: RemarksChanged) -> None:
        if message.session_id == self.session_id:
            self._stale = True

    @on(DatabaseChanged)
    def _database_changed(self) -> None:
        self._stale = True

    # -- actions -------------------------------------------------------------------------

    async def action_toggle_hidden(self) -> None:
        remark = self._selected()
        if remark is None:
            self.notify(t("remarks.empty"))
            return
        hide = not remark["hidden"]
        if await self.ctx.db(
            self.ctx.store.remarks.set_hidden, self.session_id, remark["id"], hide
        ):
            self.notify(t("remarks.hidden_done" if hide else "remarks.shown_done"), timeout=4)
        await self.reload()

    async def action_release(self) -> None:
        counts = await self.ctx.db(self.ctx.store.remarks.counts, self.session_id)
        if counts is None:
            return
        held = self.ctx.remarks.held(self.session_id)
        counts["waiting"] += held
        if counts["waiting"] == 0:
            self.notify(t("remarks.release_none"))
            return
        if counts["waiting"] == 1:
            # One remark on its own would point at whoever just put their phone away.
            self.notify(t("remarks.release_one"), timeout=8)
            return
        if held:
            await self.ctx.remarks.park_held(self.session_id)
        released = await self.ctx.db(self.ctx.store.remarks.release, self.session_id)
        if released:
            self.notify(t("remarks.released", count=released), timeout=4)
        await self.reload()

    def action_reveal(self) -> None:
        self.reveal_hidden = not self.reveal_hidden
        self._fill_table()

    async def action_batch(self) -> None:
        try:
            nxt = BATCH_CHOICES[(BATCH_CHOICES.index(self.batch_size) + 1) % len(BATCH_CHOICES)]
        except ValueError:
            nxt = BATCH_CHOICES[0]
        if await self.ctx.db(self.ctx.store.remarks.set_batch_size, nxt) is not None:
            self.notify(self._batch_rule(nxt, "running"), timeout=6)
        await self.reload()

    CARD_FOLDER_SETTING = "remarks.card_folder"

    async def action_write_files(self) -> None:
        """Ask where (the folder used last time, else Documents/facilitator), then write."""
        if self._url is None:
            self.notify(t("remarks.no_url"), severity="warning")
            return
        from facilitator.tui.exporter import export_folder

        kept = await self.ctx.db(self.ctx.store.settings.get, self.CARD_FOLDER_SETTING)
        default = kept or str(export_folder())

        def chosen(folder: str | None) -> None:
            if folder:
                self._write_files(Path(folder).expanduser())

        self.app.push_screen(FolderPrompt(t("remarks.files_where"), default), chosen)

    @work(exclusive=True, group="remark-files", thread=True)
    def _write_files(self, folder: Path) -> None:
        """Write the QR code as PNG and SVG into `folder` (in a thread: PNG is slow)."""
        from facilitator.web.qr import write_card_files

        url = self._url
        if url is None:
            self.app.call_from_thread(self.notify, t("remarks.no_url"), severity="warning")
            return
        try:
            png, svg = write_card_files(url, folder, f"opmerkingen-{self.session_id}")
            self.ctx.store.settings.set(self.CARD_FOLDER_SETTING, str(folder))
        except OSError as exc:
            self.app.call_from_thread(
                self.notify,
                t("remarks.files_failed", error=str(exc)),
                severity="error",
                markup=False,
            )
            return
        self.app.call_from_thread(
            self.notify,
            t("remarks.files_written", png=str(png), svg=str(svg)),
            markup=False,
            timeout=12,
        )


class FolderPrompt(DismissOnce, ModalScreen[str | None]):
    """One line to type a folder in, filled in already; Enter takes it, Escape cancels."""

    BINDINGS = [Binding("escape", "cancel", show=False)]

    def __init__(self, question: str, default: str) -> None:
        super().__init__()
        self.question, self.default = question, default

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Content(self.question), classes="dialog-title")
            yield Input(self.default, id="folder", select_on_focus=False)

    def on_mount(self) -> None:
        field = self.query_one(Input)
        field.focus()
        field.cursor_position = len(field.value)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
