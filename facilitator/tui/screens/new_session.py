"""The form for a new session: programme, place, date, facilitators, expected participants."""

from __future__ import annotations

from datetime import date

from textual import events, on
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
from facilitator.tui.base import CompactWhenShort, DismissOnce, Translated


class FormInput(Input):
    """An Input that runs its own editing keys (Backspace, Ctrl+U, ...) the moment they arrive.

    Textual runs a widget's ordinary bindings only once the key has bubbled up to the app, by
    which time keys sent right after it (a paste, tmux send-keys, a fast typist) have been typed
    already, and the binding acts on whichever field has the focus then.
    """

    async def _on_key(self, event: events.Key) -> None:
        for binding in self._bindings.key_to_bindings.get(event.key, ()):
            if not binding.priority and await self.app.run_action(binding.action, self):
                event.stop()
                event.prevent_default()
                return
        await super()._on_key(event)


class NewSessionScreen(CompactWhenShort, DismissOnce, Translated, ModalScreen[dict | None]):
    """Returns the values for `Sessions.create`, or None when cancelled. Does no I/O itself."""

    BINDINGS = [
        Binding("escape", "cancel", "keys.cancel"),
        Binding("ctrl+s", "create", "keys.save"),
        # Priority, as in the capture forms: focus moves the moment Tab arrives, so keys typed
        # straight after it (fast typing, a paste, tmux send-keys) land in the next field.
        Binding("tab", "next_field", show=False, priority=True),
        Binding("shift+tab", "previous_field", show=False, priority=True),
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
            yield FormInput(id="place")
            yield Label(Content(t("new.date")))
            yield FormInput(date.today().isoformat(), id="date")
            yield Label(Content(t("new.facilitators")))
            yield FormInput(id="facilitators")
            yield Label(Content(t("new.participants")))
            yield FormInput("20", id="participants", type="integer")
            yield Static("", id="form-error", classes="error")
            with Horizontal(classes="dialog-buttons"):
                yield Button(Content(t("new.create")), variant="primary", id="create")
                yield Button(Content(t("keys.cancel")), id="cancel")

    def on_mount(self) -> None:
        self.query_one("#place", Input).focus()

    def action_next_field(self) -> None:
        self.focus_next()

    def action_previous_field(self) -> None:
        self.focus_previous()

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

    def _typed(self) -> bool:
        """Something was typed or changed that Esc would throw away."""
        values = {w.id: w.value.strip() for w in self.query(Input)}
        defaults = {
            "place": "",
            "date": date.today().isoformat(),
            "facilitators": "",
            "participants": "20",
        }
        return any(values.get(k, v) != v for k, v in defaults.items())

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        """Close; ask first when typed words would be thrown away (as the capture forms do)."""
        if not self._typed():
            self.dismiss(None)
            return
        from facilitator.tui.screens.confirm import ConfirmScreen

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(
            ConfirmScreen(
                t("new.confirm_discard"), t("capture.discard_yes"), t("capture.discard_no")
            ),
            answered,
        )
