"""The remark QR code for the room clock during a break: large, with an invitation and the URL."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from facilitator.i18n import t


class RemarkInvite(Vertical):
    """The QR code, large, with one line of invitation and the URL under it."""

    DEFAULT_CSS = """
    RemarkInvite { width: auto; height: auto; align-horizontal: center; }
    RemarkInvite > Static { width: 100%; content-align: center middle; color: white; }
    RemarkInvite > .invite { text-style: bold; padding-top: 1; }
    RemarkInvite > .url { width: auto; }
    """

    def __init__(self, url: str) -> None:
        super().__init__(id="remark-invite")
        self.url = url

    def compose(self) -> ComposeResult:
        from facilitator.tui.widgets.qr import QRCode

        yield QRCode(self.url, large=True, id="room-qr")
        yield Static(Content(t("remarks.invite")), classes="invite")
        yield Static(Content(self.url), classes="url")
