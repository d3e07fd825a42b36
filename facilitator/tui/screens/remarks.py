"""The facilitator's reader of anonymous remarks: the batches released so far, the waiting count,
hide and show again, the participants' URL and QR code, and files for table cards.

Remarks are shown as plain text, never markup, and in an order that says nothing about arrival:
by block, then by their random id.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text
from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from facilitator.core.clock import compute
from facilitator.core.text import clean, one_line
from facilitator.i18n import t
from facilitator.tui.app import DatabaseChanged, FacilitatorApp
from facilitator.tui.base import Translated, plain
from facilitator.tui.messages import follow_database_changes
from facilitator.tui.remarks_actions import RemarksChanged, remark_url

# Batch sizes the facilitator can step through: 0 means "only when the block ends".
BATCH_CHOICES = (3, 5, 10, 0, 1)
REFRESH_SECONDS = 5.0


class RemarksScreen(Translated, Screen[None]):
    """Read the remarks of one session, hide or show them, and see how to reach the page."""

    app = getters.app(FacilitatorApp)  # typed: the store, the clock, db()

    DEFAULT_CSS = """
    RemarksScreen #remarks-body { height: 1fr; }
    RemarksScreen #remarks-main { width: 1fr; padding: 1 2; }
    RemarksScreen #remarks-counts { text-style: bold; }
    RemarksScreen #remarks-table { height: 1fr; min-height: 5; }
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

    def __init__(self, session_id: str) -> None:
        super().__init__()
        self.session_id = session_id
        self.session = self.app.store.get_session(session_id)
        self.remarks: list[dict[str, Any]] = []
        self.reveal_hidden = False
        self.batch_size = 3
        self._url: str | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="remarks-body"):
            with Vertical(id="remarks-main"):
                yield Static(Content(t("remarks.title")), classes="screen-title")
                yield Static("", id="remarks-counts")
                yield Static("", id="remarks-batch", classes="hint")
                yield DataTable(id="remarks-table", cursor_type="row", zebra_stripes=True)
                with VerticalScroll(id="remarks-detail-box"):
                    yield Static("", id="remarks-detail")
            with Vertical(id="remarks-side"):
                yield Static(Content(t("remarks.url_label")), classes="pane-title")
                yield Vertical(id="remarks-qr")
                yield Static("", id="remarks-url")
                yield Static(Content(t("remarks.qr_hint")), id="remarks-qr-hint")
                yield Static("", id="remarks-problem", classes="error")
        yield Footer()

    async def on_mount(self) -> None:
        follow_database_changes(self)
        table = self.query_one(DataTable)
        table.add_column(Text(t("remarks.col_slot")), key="slot")
        table.add_column(Text(t("remarks.col_state")), key="state")
        table.add_column(Text(t("remarks.col_text")), key="text")
        self.refresh_url()
        await self.reload()
        self.set_interval(REFRESH_SECONDS, self._tick)
        table.focus()

    async def _tick(self) -> None:
        self.refresh_url()
        await self.reload()

    # -- the URL and the QR code ---------------------------------------------------------

    def refresh_url(self) -> None:
        """Show the URL and QR code (the laptop's network may have changed since last time)."""
        url, problem = remark_url(self.app, self.session)
        self.query_one("#remarks-url", Static).update(Content(url or ""))
        self.query_one("#remarks-problem", Static).update(Content(problem or ""))
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
        app = self.app
        store = app.store
        counts = await app.db(store.remark_counts, self.session_id)
        if counts and counts["waiting"]:
            # Also when no server runs in this app: a block that ended frees its batch here.
            if await app.db(store.release_due_remarks, self.session_id, now=app.clock()):
                counts = await app.db(store.remark_counts, self.session_id)
        remarks = await app.db(store.list_remarks, self.session_id, released_only=True)
        events = await app.db(store.clock_events, self.session_id)
        batch = await app.db(store.remark_batch_size)
        if remarks is None or counts is None or events is None or batch is None:
            return
        self.batch_size = batch
        state = compute(self.session.programme.blocks, events, app.clock())
        order = {b.name: i for i, b in enumerate(state.blocks)}
        # By block in the day's order; within a block the list keeps the store's random-id order.
        remarks.sort(key=lambda r: order.get(r["slot"], len(order)))
        self.remarks = remarks
        self.query_one("#remarks-counts", Static).update(Content(t("remarks.counts", **counts)))
        self.query_one("#remarks-batch", Static).update(
            Content(self._batch_rule(batch, state.state))
        )
        self._fill_table()

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
        table = self.query_one(DataTable)
        keep = table.cursor_row
        table.clear()
        for r in self.remarks:
            hidden = bool(r["hidden"])
            text = (
                t("remarks.hidden_text")
                if hidden and not self.reveal_hidden
                else one_line(r["text"], 200)
            )
            table.add_row(
                Text(one_line(r["slot"], 30)),
                Text(t("remarks.hidden_mark") if hidden else ""),
                Text(text, style="dim" if hidden else ""),
                key=r["id"],
            )
        if self.remarks:
            table.move_cursor(row=min(max(keep, 0), len(self.remarks) - 1))
        else:
            self.query_one("#remarks-detail", Static).update(Content(t("remarks.empty")))
        self._show_detail()

    def _selected(self) -> dict[str, Any] | None:
        table = self.query_one(DataTable)
        if not self.remarks or table.cursor_row < 0 or table.cursor_row >= len(self.remarks):
            return None
        return self.remarks[table.cursor_row]

    def _show_detail(self) -> None:
        remark = self._selected()
        detail = self.query_one("#remarks-detail", Static)
        if remark is None:
            return
        if remark["hidden"] and not self.reveal_hidden:
            detail.update(Content(t("remarks.hidden_text")))
        else:
            # Typed text: Content, never markup, control characters stripped again on the way out.
            detail.update(plain(clean(remark["text"])))

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        self._show_detail()

    @on(RemarksChanged)
    async def _remarks_changed(self, message: RemarksChanged) -> None:
        if message.session_id == self.session_id:
            await self.reload()

    @on(DatabaseChanged)
    async def _database_changed(self) -> None:
        await self.reload()

    # -- actions -------------------------------------------------------------------------

    async def action_toggle_hidden(self) -> None:
        remark = self._selected()
        if remark is None:
            self.notify(t("remarks.empty"))
            return
        hide = not remark["hidden"]
        if await self.app.db(self.app.store.set_remark_hidden, self.session_id, remark["id"], hide):
            self.notify(t("remarks.hidden_done" if hide else "remarks.shown_done"), timeout=4)
        await self.reload()

    async def action_release(self) -> None:
        counts = await self.app.db(self.app.store.remark_counts, self.session_id)
        if counts is None:
            return
        if counts["waiting"] == 0:
            self.notify(t("remarks.release_none"))
            return
        if counts["waiting"] == 1:
            # One remark on its own would point at whoever just put their phone away.
            self.notify(t("remarks.release_one"), timeout=8)
            return
        released = await self.app.db(self.app.store.release_remarks, self.session_id)
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
        if await self.app.db(self.app.store.set_remark_batch_size, nxt) is not None:
            self.notify(self._batch_rule(nxt, "running"), timeout=6)
        await self.reload()

    @work(exclusive=True, group="remark-files", thread=True)
    def action_write_files(self) -> None:
        """Write the QR code as PNG and SVG into the current folder (in a thread: PNG is slow)."""
        from facilitator.web.qr import write_card_files

        url = self._url
        if url is None:
            self.app.call_from_thread(self.notify, t("remarks.no_url"), severity="warning")
            return
        try:
            png, svg = write_card_files(url, Path.cwd(), f"opmerkingen-{self.session_id}")
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
