"""After a crash: the half-typed entries found in the database, offered back to finish."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from facilitator.core.entries import Capture, summary
from facilitator.core.text import one_line
from facilitator.i18n import t
from facilitator.tui.base import DismissOnce, Translated
from facilitator.tui.widgets.entry_table import clock_time


def draft_line(draft: dict, capture: Capture) -> str:
    """Kind, time, initials and the words typed, on one line."""
    who = one_line(str(draft.get("author") or "")) or "?"
    when = clock_time(draft["updated_at"])
    edit = f" ({t('capture.draft_edit')})" if draft.get("entry_id") else ""
    return f"{t('capture.kind_' + capture.kind)}{edit} · {when} · {who} · {summary(capture, 80)}"


class DraftOfferScreen(DismissOnce, Translated, ModalScreen[tuple[str, str] | None]):
    """Returns ("resume", draft id), ("discard", draft id), or None to decide later."""

    CSS_PATH = "../capture.tcss"
    BINDINGS = [
        Binding("enter", "choose('resume')", "capture.key_resume", priority=True),
        Binding("d,delete", "choose('discard')", "capture.key_discard"),
        Binding("escape", "later", "capture.key_later"),
    ]

    def __init__(self, drafts: list[tuple[dict, Capture]]) -> None:
        super().__init__()
        self.drafts = drafts

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="drafts-dialog"):
            yield Static(Content(t("capture.drafts_title")), classes="dialog-title")
            yield Static(Content(t("capture.drafts_intro")))
            yield OptionList(
                *(Option(Content(draft_line(d, c)), id=d["id"]) for d, c in self.drafts),
                id="draft-list",
            )
            yield Static(Content(t("capture.drafts_hint")), classes="hint")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = 0
        options.focus()

    def action_choose(self, what: str) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is None:
            return
        option_id = options.get_option_at_index(options.highlighted).id
        if option_id:
            self.dismiss((what, option_id))

    def action_later(self) -> None:
        self.dismiss(None)
