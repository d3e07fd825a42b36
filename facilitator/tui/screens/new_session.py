"""The form for a new session: programme, place, date, facilitators, expected participants."""

from __future__ import annotations

from datetime import date

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from facilitator.core.participants import MAX_COUNT
from facilitator.core.programme import load_all
from facilitator.core.timeutil import parse_date
from facilitator.i18n import t
from facilitator.tui.base import DismissOnce, Translated


class NewSessionScreen(DismissOnce, Translated, ModalScreen[dict | None]):
    """Returns the values for `Store.create_session`, or None when cancelled. Does no I/O itself."""

    BINDINGS = [
        Binding("escape", "cancel", "keys.cancel"),
        Binding("ctrl+s", "create", "keys.save"),
    ]

    def compose(self) -> ComposeResult:
        programmes = [p for p in load_all() if p.valid]
        options = [(Content(p.theme), p.id) for p in programmes]
        with VerticalScroll(classes="dialog form-dialog"):
            yield Static(Content(t("new.title")), classes="dialog-title")
            if not programmes:
                yield Static(Content(t("new.no_programmes")), classes="error")
            yield Label(Content(t("new.programme")))
            yield Select(options, id="programme", allow_blank=False if options else True)
            yield Label(Content(t("new.place")))
            yield Input(id="place")
            yield Label(Content(t("new.date")))
            yield Input(date.today().isoformat(), id="date")
            yield Label(Content(t("new.facilitators")))
            yield Input(id="facilitators")
            yield Label(Content(t("new.participants")))
            yield Input("20", id="participants", type="integer")
            yield Static("", id="form-error", classes="error")
            with Horizontal(classes="dialog-buttons"):
                yield Button(Content(t("new.create")), variant="primary", id="create")
                yield Button(Content(t("keys.cancel")), id="cancel")

    def on_mount(self) -> None:
        self.query_one("#place", Input).focus()

    @on(Button.Pressed, "#create")
    @on(Input.Submitted)
    def action_create(self) -> None:
        error = self.query_one("#form-error", Static)
        select = self.query_one("#programme", Select)
        place = self.query_one("#place", Input).value.strip()
        day = self.query_one("#date", Input).value.strip()
        raw_count = self.query_one("#participants", Input).value.strip()
        if select.is_blank():
            error.update(Content(t("new.err_programme")))
            return
        if not place:
            error.update(Content(t("new.err_place")))
            self.query_one("#place", Input).focus()
            return
        try:
            parse_date(day)
        except ValueError:
            error.update(Content(t("new.err_date")))
            self.query_one("#date", Input).focus()
            return
        count: int | None = None
        if raw_count:
            try:
                count = int(raw_count)
            except ValueError:
                count = -1
            if not 0 <= count <= MAX_COUNT:
                error.update(Content(t("new.err_participants")))
                self.query_one("#participants", Input).focus()
                return
        names = [
            n.strip() for n in self.query_one("#facilitators", Input).value.split(",") if n.strip()
        ]
        self.dismiss(
            {
                "programme": select.value,
                "place": place,
                "date": day,
                "facilitators": names,
                "participants": count,
            }
        )

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
