"""The anonymous profile of the group: counts per age band, gender, education, migration
background and living area (the report's appendix 2). Returns the profile; the run screen's
action saves it."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from facilitator.core.participants import (
    CHARACTERISTICS,
    Profile,
    implausible,
    over_expected,
    sums,
    total,
    uneven,
)
from facilitator.i18n import t
from facilitator.tui.base import CompactWhenShort, DismissOnce, Translated


def _input_id(char: str, index: int) -> str:
    return f"n-{char}-{index}"


def doubts(profile: Profile, expected: int | None) -> str:
    """What to look at again, in words ("" when nothing): characteristics adding up to more than
    the expected participants, and counts too large for one session. The numbers are kept."""
    per = sums(profile)
    parts = [
        t(
            "participants.more_than_expected",
            characteristic=t(f"participants.characteristic.{key}"),
            n=per[key],
            expected=expected,
        )
        for key in over_expected(profile, expected)
    ]
    parts += [
        t(
            "participants.very_large",
            n=profile[key][cat],
            category=t(f"participants.category.{key}.{cat}"),
        )
        for key, cat in implausible(profile)
    ]
    return "; ".join(parts)


class ParticipantsScreen(CompactWhenShort, DismissOnce, Translated, ModalScreen[Profile | None]):
    """Returns the profile typed in (possibly {}), or None when cancelled. Does no I/O itself."""

    CSS_PATH = "export.tcss"
    BINDINGS = [
        Binding("escape", "cancel", "keys.cancel"),
        Binding("ctrl+s", "save", "participants.save"),
    ]

    def __init__(self, profile: Profile, expected: int | None = None) -> None:
        super().__init__()
        self.profile = profile
        self.expected = expected

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog form-dialog participants-dialog"):
            yield Static(Content(t("participants.title")), classes="dialog-title")
            yield Static(Content(t("participants.intro")), classes="hint")
            if self.expected is not None:
                yield Static(Content(t("participants.expected", n=self.expected)), classes="hint")
            for char in CHARACTERISTICS.values():
                counts = self.profile.get(char.key)
                with Horizontal(classes="participants-head"):
                    yield Static(
                        Content(t(f"participants.characteristic.{char.key}")),
                        classes="participants-char",
                    )
                    yield Static("", id=f"total-{char.key}", classes="participants-total")
                for i, (cat, _label) in enumerate(char.categories):
                    value = "" if counts is None else str(counts.get(cat, 0))
                    with Horizontal(classes="participants-row"):
                        yield Label(Content(t(f"participants.category.{char.key}.{cat}")))
                        yield Input(
                            value,
                            placeholder="–",
                            id=_input_id(char.key, i),
                            type="integer",
                            max_length=5,
                            select_on_focus=True,
                        )
            yield Static("", id="uneven")
            yield Static("", id="doubts")
            yield Static("", id="form-error", classes="error")
            yield Static(Content(t("participants.hint")), classes="hint")
            with Horizontal(classes="dialog-buttons"):
                yield Button(Content(t("participants.save")), variant="primary", id="save")
                yield Button(Content(t("keys.cancel")), id="cancel")

    def on_mount(self) -> None:
        self._show_totals()
        self.query_one(f"#{_input_id('age', 0)}", Input).focus()

    def read(self) -> tuple[Profile, str | None]:
        """The profile typed in, and an error naming the first box that is wrong (that box
        counts as 0 in the profile, so the totals still show while the person corrects it)."""
        profile: Profile = {}
        error: str | None = None
        for char in CHARACTERISTICS.values():
            raw = [
                self.query_one(f"#{_input_id(char.key, i)}", Input).value.strip()
                for i in range(len(char.categories))
            ]
            if not any(raw):
                continue  # left wholly empty: not recorded
            counts: dict[str, int] = {}
            for (cat, _), text in zip(char.categories, raw, strict=True):
                try:
                    n = int(text) if text else 0
                except ValueError:
                    n = -1
                if n < 0:
                    if error is None:
                        field = t(f"participants.category.{char.key}.{cat}")
                        error = t("participants.err_count", field=field)
                    n = 0
                counts[cat] = n
            profile[char.key] = counts
        return profile, error

    def _show_totals(self) -> None:
        profile, _ = self.read()
        per = sums(profile)
        too_many = set(over_expected(profile, self.expected))
        too_many.update(key for key, _ in implausible(profile))
        for key in CHARACTERISTICS:
            text = t("participants.total", n=per[key]) if key in profile else t("participants.none")
            total_widget = self.query_one(f"#total-{key}", Static)
            total_widget.update(Content(text))
            total_widget.set_class(key in too_many, "-doubtful")
        odd = uneven(profile)
        note = self.query_one("#uneven", Static)
        if odd:
            n = total(profile)
            detail = ", ".join(f"{t(f'participants.characteristic.{k}')} {per[k]}/{n}" for k in odd)
            note.update(Content(t("participants.uneven", detail=detail)))
        else:
            note.update("")
        detail = doubts(profile, self.expected)
        check = self.query_one("#doubts", Static)
        check.update(Content(t("participants.check", detail=detail)) if detail else "")
        check.display = bool(detail)

    @on(Input.Changed)
    def _changed(self) -> None:
        self.query_one("#form-error", Static).update("")
        self._show_totals()

    @on(Input.Submitted)
    def _next(self) -> None:
        self.focus_next()

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        profile, error = self.read()
        if error:
            self.query_one("#form-error", Static).update(Content(error))
            return
        self.dismiss(profile)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
