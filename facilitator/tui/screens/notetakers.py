"""Notulisten: on the host, how a note-taker's laptop joins (address, one-time code, QR code) and
which laptops joined (initials, last heard from, entries still on the way), with a key to
remove one. On a note-taker's laptop: which host it syncs with and how far it is."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Static

from facilitator.core.text import one_line
from facilitator.core.timeutil import parse_iso
from facilitator.i18n import t
from facilitator.tui.base import Translated
from facilitator.tui.context import AppContext
from facilitator.tui.messages import (
    DatabaseChanged,
    SyncStatusChanged,
    follow,
    follow_database_changes,
)
from facilitator.tui.widgets.keybar import KeyBar

REFRESH_SECONDS = 1.0


def heard(last: str | None, now: datetime) -> str:
    """ "12 s geleden", "3 min geleden", "nooit"."""
    if not last:
        return t("sync.never")
    seconds = max(0, int((now - parse_iso(last)).total_seconds()))
    if seconds < 90:
        return t("sync.seconds_ago", n=seconds)
    return t("sync.minutes_ago", n=seconds // 60)


class NoteTakersScreen(Translated, Screen[None]):
    """Join address, code and QR code; the laptops that joined, and removing one."""

    DEFAULT_CSS = """
    NoteTakersScreen #nt-body { height: 1fr; }
    NoteTakersScreen #nt-main { width: 1fr; padding: 1 2; }
    NoteTakersScreen #nt-table { height: 1fr; min-height: 5; }
    NoteTakersScreen #nt-side { width: auto; min-width: 30; max-width: 70; height: 1fr;
        border-left: vkey $panel-lighten-2; padding: 0 1; }
    NoteTakersScreen #nt-qr { width: auto; height: auto; padding: 1 0; }
    NoteTakersScreen #nt-address { width: 100%; max-width: 70; text-overflow: fold; }
    NoteTakersScreen #nt-code { text-style: bold; padding-top: 1; }
    /* Too narrow for the list beside the code: the list gets the width, address and code go
       under it (the QR code waits for a wider window). */
    NoteTakersScreen.-narrow #nt-body { layout: vertical; }
    NoteTakersScreen.-narrow #nt-main { padding: 0 1; }
    NoteTakersScreen.-narrow #nt-side { width: 100%; max-width: 100%; height: auto;
        max-height: 60%; border-left: none; border-top: hkey $panel-lighten-2; }
    NoteTakersScreen.-narrow #nt-qr { display: none; }
    NoteTakersScreen.-narrow #nt-address { max-width: 100%; }
    NoteTakersScreen.-narrow.-short .screen-title { display: none; }
    """
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (90, "-wide")]

    BINDINGS = [
        Binding("g", "new_code", "sync.key_new_code"),
        Binding("x,delete", "remove", "sync.key_remove"),
        Binding("escape,N", "app.pop_screen", "keys.back"),
    ]
    KEY_PRIORITY = ("app.pop_screen", "new_code", "remove")

    def __init__(self, ctx: AppContext, session_id: str) -> None:
        super().__init__()
        self.ctx = ctx
        self.session_id = session_id
        self.link = ctx.store.sync.host_link(session_id)
        self.devices: list[dict[str, Any]] = []

    def compose(self) -> ComposeResult:
        with Horizontal(id="nt-body"):
            with Vertical(id="nt-main"):
                yield Static(Content(t("sync.title")), classes="screen-title")
                yield Static("", id="nt-status")
                yield DataTable(id="nt-table", cursor_type="row", zebra_stripes=True)
            with Vertical(id="nt-side"):
                yield Static(Content(t("sync.address_label")), classes="pane-title")
                yield Vertical(id="nt-qr")
                yield Static("", id="nt-address")
                yield Static("", id="nt-code")
                yield Static("", id="nt-problem", classes="error")
        yield KeyBar()

    async def on_mount(self) -> None:
        # Laptops' pushes (and other connections' commits) reach it as DatabaseChanged.
        follow_database_changes(self, self.ctx.database_changed)
        follow(self, self.ctx.sync_changed, lambda _: SyncStatusChanged())
        table = self.query_one(DataTable)
        table.add_column(Text(t("sync.col_author")), key="author")
        table.add_column(Text(t("sync.col_heard")), key="heard")
        table.add_column(Text(t("sync.col_pending")), key="pending")
        if self.link is not None:
            self.query_one("#nt-side").display = False
            table.display = False
        else:
            await self._new_code()
        await self.reload()
        self.set_interval(REFRESH_SECONDS, self.reload)
        table.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("new_code", "remove") and self.link is not None:
            return False  # a note-taker's laptop pairs no one
        return True

    async def _new_code(self) -> None:
        server = self.ctx.sync.server
        problem = self.query_one("#nt-problem", Static)
        box = self.query_one("#nt-qr", Vertical)
        box.remove_children()
        if server is None or not server.running:
            error = self.ctx.sync.error
            problem.update(
                Content(
                    t("sync.server_error", error=error)
                    if error
                    else t("sync.server_off", session=self.session_id)
                )
            )
            return
        address, code = await server.join_address(self.session_id)
        problem.update("")
        self.query_one("#nt-address", Static).update(Content(address))
        from urllib.parse import urlsplit

        from facilitator.sync.client import short_fingerprint

        typed = t(
            "sync.typed",
            address=urlsplit(server.base_url()).netloc,
            code=code,
            fingerprint=short_fingerprint(server.fingerprint or ""),
        )
        self.query_one("#nt-code", Static).update(
            Content(t("sync.pair_code", code=code) + "\n\n" + typed)
        )
        from facilitator.tui.widgets.qr import QRCode

        await box.mount(QRCode(address, id="nt-qr-code"))

    async def action_new_code(self) -> None:
        await self._new_code()

    @on(DatabaseChanged)
    @on(SyncStatusChanged)
    async def reload(self) -> None:
        status = self.query_one("#nt-status", Static)
        if self.link is not None:
            state = self.ctx.sync.status_text(self.session_id) or "…"
            status.update(
                Content(
                    t(
                        "sync.laptop_status",
                        address=self.link["address"],
                        author=self.link["author"],
                        state=state,
                    )
                )
            )
            return
        devices = await self.ctx.db(self.ctx.store.sync.devices, self.session_id)
        if devices is None:
            return
        self.devices = devices
        status.update(Content(t("sync.joined_count", n=len(devices))))
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        now = self.ctx.clock()
        for d in devices:
            table.add_row(
                Text(one_line(d["author"]) or "?"),
                Text(heard(d["last_seen_at"], now)),
                Text(str(d["pending"])),
                key=d["id"],
            )
        if devices:
            table.move_cursor(row=min(row, len(devices) - 1))

    @work(exclusive=True, group="nt-remove")
    async def action_remove(self) -> None:
        table = self.query_one(DataTable)
        if not self.devices or table.cursor_row >= len(self.devices):
            return
        device = self.devices[table.cursor_row]
        from facilitator.tui.screens.confirm import ConfirmScreen

        name = one_line(device["author"]) or "?"
        ok = await self.app.push_screen_wait(
            ConfirmScreen(
                t("sync.confirm_remove", author=name), t("sync.remove_yes"), t("sync.remove_no")
            )
        )
        if not ok:
            return
        if await self.ctx.db(self.ctx.store.sync.remove_device, device["id"], now=self.ctx.clock()):
            self.notify(t("sync.removed_note", author=name), markup=False, timeout=4)
        await self.reload()
