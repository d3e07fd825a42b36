"""The capture form: one compact form per kind of entry, docked at the bottom of the screen.

Keyboard only: Enter in a one-line field saves, Ctrl+S saves from anywhere (a multi-line field
keeps Enter for new lines), Tab moves on, Esc cancels (asking first when something was typed).
The form does no I/O: the action that opened it hands in `submit` (queues the entry's commit)
and `on_change` (keeps a draft). The form closes once the commit is made, or CLOSE_WAIT after
Enter when it is not (a slow or locked database never holds the form longer): the commit takes
a few milliseconds, and closing the form and repainting the screen under it at the same time
took the interpreter and a core from the database thread, which made the slowest commits twice
as slow. The keys typed meanwhile wait for the form to close (tui/keys.py runs the next key
once this one's action is done) and go where the typist means them to (the run screen, the
next form). The action says "saved" only once the commit is done, and the next form shows
"opslaan…" while earlier ones still wait (`pending`).
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Awaitable, Callable
from typing import Any

from textual import on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widget import Widget
from textual.widgets import Input, Label, RadioButton, RadioSet, SelectionList, Static, TextArea
from textual.widgets.selection_list import Selection

from facilitator.core.entries import (
    BUILDING_BLOCKS,
    LEVELS,
    MAX_TAG,
    Capture,
    Entry,
    too_long_tags,
)
from facilitator.core.text import one_line
from facilitator.i18n import t
from facilitator.tui.base import DismissOnce, PlaceholderFits, Translated, plain_line
from facilitator.tui.widgets.tag_input import TagField, TagInput

# Each kind's form, in the order Tab walks it: (field, widget).
#   line: one-line Input (Enter saves)      lines: multi-line TextArea (Ctrl+S saves)
#   speaker: Input completing earlier labels   photo: Input for a path
#   level: the three advice levels           blocks: building blocks list plus free text
#   links: quotes of this session to illustrate an advice (or support an insight)
#   story: the story of this session a rule came from (a link)
#   subq: the sub-question of the session's programme it answers (0 for none)
FORMS: dict[str, tuple[tuple[str, str], ...]] = {
    "story": (("text", "lines"), ("sub_question", "subq")),
    "quote": (("text", "line"), ("speaker", "speaker"), ("sub_question", "subq")),
    "emblem": (("title", "line"), ("text", "lines"), ("photo", "photo")),
    "design_question": (("text", "line"),),
    # A rule links to its story; a rule typed before that keeps its `source` text (not shown
    # in the form, kept when the rule is edited).
    "rule": (("text", "line"), ("links", "story")),
    "prototype": (
        ("title", "line"),
        ("text", "lines"),
        ("building_blocks", "blocks"),
        ("photo", "photo"),
    ),
    "advice": (("text", "lines"), ("level", "level"), ("links", "links")),
    "insight": (
        ("text", "lines"),
        ("title", "line"),
        ("sub_question", "subq"),
        ("links", "links"),
    ),
    "observation": (("text", "lines"),),
    "validation": (("text", "lines"),),
}

# Optional fields that come after the tags, so the quick path stays words, Tab, (label, Tab,)
# tags: the sub-question, and an insight's headline and supporting quotes.
AFTER_TAGS = {
    ("story", "sub_question"),
    ("quote", "sub_question"),
    ("insight", "title"),
    ("insight", "sub_question"),
    ("insight", "links"),
}

# submit(capture, initials): queues the commit; initials is what the form asked for, or None.
# It may return an awaitable that ends once the commit is made (or has failed): the form closes
# then, or after CLOSE_WAIT at the latest.
Submit = Callable[[Capture, str | None], Awaitable[Any] | None]
# Seconds the form stays after Enter, at most, while its commit is being made (a commit takes a
# few milliseconds; a locked database is not waited for: the form closes and the commit goes on).
CLOSE_WAIT = 0.05
MAX_INITIALS = 8


class LevelChoice(RadioSet):
    """The advice level: arrows and Enter, or 1, 2, 3 straight away."""

    BINDINGS = [
        Binding("1", "choose(0)", show=False),
        Binding("2", "choose(1)", show=False),
        Binding("3", "choose(2)", show=False),
    ]

    def action_choose(self, index: int) -> None:
        buttons = list(self.query(RadioButton))
        if 0 <= index < len(buttons):
            buttons[index].value = True


class SubQuestionChoice(RadioSet):
    """The sub-question an entry answers: arrows and Enter, or 0 (none), 1, 2, ... straight away."""

    BINDINGS = [Binding(str(n), f"choose({n})", show=False) for n in range(10)]

    def action_choose(self, index: int) -> None:
        buttons = list(self.query(RadioButton))
        if 0 <= index < len(buttons):
            buttons[index].value = True


class FieldInput(PlaceholderFits, Input):
    """A form's one-line field; its hint (placeholder) ends in "…" when the field is narrow."""


def line_input(value: str = "", **kwargs: Any) -> Input:
    """A one-line field that keeps its text on focus: a draft taken back, or a field reached
    again with Shift+Tab, is continued at its end, never replaced by the next key."""
    field = FieldInput(value, select_on_focus=False, compact=True, **kwargs)
    field.cursor_position = len(value)
    return field


class CaptureScreen(DismissOnce, Translated, ModalScreen[Capture | None]):
    """Capture (or edit) one entry; dismisses with what it handed to `submit`, or None."""

    CSS_PATH = "../capture.tcss"
    # Below 75 columns the advice levels go one under the other (see capture.tcss).
    HORIZONTAL_BREAKPOINTS = [(0, "-tiny"), (75, "-narrow"), (100, "-wide")]
    BINDINGS = [
        Binding("ctrl+s", "save", "capture.key_save", priority=True),
        # Enter in a one-line field saves; handled before the field's own binding, so the form
        # is closed before the next key is given to anyone (tui/keys.py).
        Binding("enter", "save_line", show=False, priority=True),
        Binding("escape", "cancel", "keys.cancel"),
        # Priority: focus moves the moment Tab arrives, so fast typing after it (or a paste)
        # lands in the next field, not in the one being left.
        Binding("tab", "next_field", show=False, priority=True),
        Binding("shift+tab", "previous_field", show=False, priority=True),
    ]

    def __init__(
        self,
        capture: Capture,
        *,
        context: str,
        submit: Submit,
        on_change: Callable[[Capture], None] | None = None,
        known_tags: list[tuple[str, int]] | None = None,
        speakers: list[str] | None = None,
        quotes: list[Entry] | None = None,
        editing: bool = False,
        ask_initials: str | None = None,
        sub_questions: list[str] | None = None,
        pending: Callable[[], int] | None = None,
    ) -> None:
        super().__init__()
        self.capture = capture
        self.kind = capture.kind
        self.context = context
        self._submit = submit
        self._on_change = on_change
        # The capturer's own list, filled in place: a form opened before the tags were read
        # (a key pressed right at the start) completes from them once they are.
        self.known_tags = known_tags if known_tags is not None else []
        self.speakers = speakers or []
        self.quotes = quotes or []  # this session's quotes and stories, to link to
        self.sub_questions = list(sub_questions or [])
        self.editing = editing
        self.ask_initials = ask_initials  # the first capture of an app asks, prefilled
        self._pending = pending  # how many earlier entries still wait for their commit
        self._saving_shown = 0
        self._finished = False  # saved or cancelled: keys still queued for the form do nothing
        self._result: Capture | None = None
        self._confirm: ModalScreen[bool] | None = None  # the discard question, while it shows
        self._ready = False
        self._error = ""
        self._error_capture: Capture | None = None

    # -- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        f = self.capture.fields
        with Vertical(id="capture-form", classes=f"capture-{self.kind}"):
            title = t(
                "capture.edit_title" if self.editing else "capture.new_title",
                kind=t(f"capture.kind_{self.kind}"),
            )
            with Horizontal(id="capture-head"):
                yield Static(Content(title), id="capture-title")
                yield Static(plain_line(self.context), id="capture-context")
                yield Static("", id="capture-saving")
            rows = [r for r in FORMS[self.kind] if (self.kind, r[0]) not in AFTER_TAGS]
            for name, widget in rows:
                with Horizontal(classes=f"field-row row-{widget}"):
                    yield Label(
                        Content(t(f"capture.label_{self.kind}_{name}")), classes="field-label"
                    )
                    yield self._field(name, widget, f.get(name))
            with Horizontal(classes="field-row row-tags"):
                yield Label(Content(t("capture.label_tags")), classes="field-label")
                yield TagInput(self.known_tags, self.capture.tag_text, id="tag-input")
            for name, widget in FORMS[self.kind]:
                if (self.kind, name) in AFTER_TAGS:
                    with Horizontal(classes=f"field-row row-{widget}"):
                        yield Label(
                            Content(t(f"capture.label_{self.kind}_{name}")),
                            classes="field-label",
                        )
                        yield self._field(name, widget, f.get(name))
            if self.ask_initials is not None:
                # Asked in the form, not before it: words typed straight after the capture key
                # land in the text, never in a question in between.
                with Horizontal(classes="field-row row-initials"):
                    yield Label(Content(t("capture.label_initials")), classes="field-label")
                    yield line_input(
                        self.ask_initials,
                        placeholder=t("capture.placeholder_initials"),
                        max_length=MAX_INITIALS,
                        id="f-initials",
                    )
            yield Static("", id="capture-error")
            yield Static(Content(self._hint()), id="capture-hint")

    def _hint(self) -> str:
        multiline = any(w == "lines" for _, w in FORMS[self.kind])
        return t("capture.hint_lines" if multiline else "capture.hint_line")

    def _field(self, name: str, widget: str, value: Any) -> Widget:
        fid = f"f-{name}"
        placeholder = t(f"capture.placeholder_{self.kind}_{name}")
        if widget == "line":
            return line_input(str(value or ""), placeholder=placeholder, id=fid)
        if widget == "speaker":
            return line_input(
                str(value or ""),
                placeholder=placeholder,
                suggester=SuggestFromList(self.speakers, case_sensitive=False),
                id=fid,
            )
        if widget == "photo":
            return line_input(str(value or ""), placeholder=placeholder, id=fid)
        if widget == "lines":
            return TextArea(
                str(value or ""),
                id=fid,
                soft_wrap=True,
                show_line_numbers=False,
                placeholder=Content(placeholder),
                compact=True,
            )
        if widget == "level":
            return LevelChoice(
                *(
                    RadioButton(
                        Content(f"{i}  {t('capture.level_' + level)}"),
                        value=(value == level),
                        name=level,
                    )
                    for i, level in enumerate(LEVELS, start=1)
                ),
                id=fid,
                compact=True,
            )
        if widget == "blocks":
            chosen = [str(b) for b in value or []]
            others = [b for b in chosen if b not in BUILDING_BLOCKS]
            box = Vertical(
                SelectionList[str](
                    *(Selection(Content(b), b, b in chosen) for b in BUILDING_BLOCKS),
                    id="f-blocks",
                    compact=True,
                ),
                line_input(", ".join(others), placeholder=placeholder, id="f-other-blocks"),
                id=fid,
                classes="blocks-box",
            )
            return box
        if widget in ("links", "story"):
            linked = set(self.capture.links)
            quotes = self._candidates(widget)
            if not quotes:
                empty = "capture.no_quotes" if widget == "links" else "capture.no_stories"
                return Static(Content(t(empty)), id=fid, classes="muted")
            return SelectionList[str](
                *(Selection(plain_line(_quote_line(q), 110), q.id, q.id in linked) for q in quotes),
                id=fid,
                compact=True,
            )
        if widget == "subq":
            if not self.sub_questions:
                return Static(Content(t("capture.no_sub_questions")), id=fid, classes="muted")
            picked = str(value or "")
            options: list[tuple[str, str]] = [("", t("capture.sub_question_none"))]
            options += [(q, q) for q in self.sub_questions]
            if picked and picked not in self.sub_questions:
                options.append((picked, picked))  # an edit keeps what the entry had
            return SubQuestionChoice(
                *(
                    RadioButton(
                        plain_line(f"{i}  {label}", 110), value=(q == picked), name=f"subq-{i}"
                    )
                    for i, (q, label) in enumerate(options)
                ),
                id=fid,
                compact=True,
            )
        raise ValueError(f"unknown form widget {widget!r}")

    def _candidates(self, widget: str) -> list[Entry]:
        """What a links field offers: quotes (an advice, an insight), stories (a rule)."""
        kind = "story" if widget == "story" else "quote"
        return [q for q in self.quotes if q.kind == kind]

    def on_mount(self) -> None:
        from facilitator.tui.toasts import keep_toasts_clear

        keep_toasts_clear(self, "#capture-form")  # "saved" of the entry before never hides a field
        first = self.query(".field-row Input, .field-row TextArea, .field-row RadioSet").first()
        first.focus()
        if isinstance(first, TextArea):
            first.move_cursor(first.document.end)
        self.call_after_refresh(self._set_ready)
        if self._pending is not None:
            self._show_saving()
            self.set_interval(0.25, self._show_saving)

    def _show_saving(self) -> None:
        """ "opslaan…" while entries typed before this form still wait for their commit."""
        n = self._pending() if self._pending is not None else 0
        if n != self._saving_shown:
            self._saving_shown = n
            text = t("saving.pending", n=n) if n else ""
            self.query_one("#capture-saving", Static).update(Content(text))

    def _set_ready(self) -> None:
        # Widgets post Changed for their initial values; only what is typed after that is a draft.
        self._ready = True
        # Keys typed in one go with the capture key reach the fields before this point (the key
        # router hands them over as soon as the form has focus); their Changed came too early to
        # count, so what they typed is kept now, not only at the next key.
        if self._on_change is not None and not self._finished:
            values = self.collect()
            if not values.equivalent(self.capture):
                self._on_change(values)

    def action_next_field(self) -> None:
        focused = self.focused
        if isinstance(focused, TagField) and focused.accept_suggestion():
            return
        self.focus_next()

    def action_previous_field(self) -> None:
        self.focus_previous()

    # -- reading the form ----------------------------------------------------------------------

    def collect(self) -> Capture:
        """What the form holds now."""
        # Fields the form does not show (a rule's old `source` text) stay as they were.
        fields: dict[str, Any] = dict(self.capture.fields)
        links = list(self.capture.links)
        for name, widget in FORMS[self.kind]:
            if widget in ("line", "speaker", "photo"):
                fields[name] = self.query_one(f"#f-{name}", Input).value
            elif widget == "lines":
                fields[name] = self.query_one(f"#f-{name}", TextArea).text
            elif widget == "level":
                pressed = self.query_one(LevelChoice).pressed_button
                fields[name] = pressed.name if pressed is not None else None
            elif widget == "blocks":
                blocks = list(self.query_one("#f-blocks", SelectionList).selected)
                other = self.query_one("#f-other-blocks", Input).value
                fields[name] = blocks + [b for b in (x.strip() for x in other.split(",")) if b]
            elif widget in ("links", "story"):
                for chosen in self.query(f"#f-{name}").results(SelectionList):
                    # Links to quotes not listed here (another session's) are kept as they were.
                    shown = {q.id for q in self._candidates(widget)}
                    links = [x for x in links if x not in shown] + list(chosen.selected)
            elif widget == "subq":
                fields[name] = ""
                for choice in self.query(f"#f-{name}").results(SubQuestionChoice):
                    pressed = choice.pressed_button
                    if pressed is not None and pressed.name:
                        index = int(pressed.name.removeprefix("subq-"))
                        options = ["", *self.sub_questions]
                        kept = str(self.capture.fields.get(name) or "")
                        if kept and kept not in self.sub_questions:
                            options.append(kept)
                        fields[name] = options[index] if index < len(options) else ""
        return Capture(self.kind, fields, self.query_one(TagInput).value, links)

    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(SelectionList.SelectedChanged)
    @on(RadioSet.Changed)
    def _changed(self, event: Message) -> None:
        # A change notice of a key typed before Enter may arrive after the error Enter showed:
        # only a change since then clears it.
        if self._error and self.collect() != self._error_capture:
            self._show_error("")
        if getattr(event, "input", None) is not None and event.input.id == "f-photo":  # type: ignore[attr-defined]
            self._check_photo(event.input)  # type: ignore[attr-defined]
        if self._ready and self._on_change is not None and not self._finished:
            self._on_change(self.collect())

    def _show_error(self, text: str) -> None:
        """The line under the form; updated only when it changes (an update re-lays the form)."""
        self._error_capture = self.collect() if text else None
        if text != self._error:
            self._error = text
            self.query_one("#capture-error", Static).update(Content(text))

    def _check_photo(self, widget: Input) -> None:
        """A gentle word when the photo path does not exist (it is kept anyway)."""
        path = widget.value.strip()
        missing = bool(path) and not os.path.exists(os.path.expanduser(path))
        if missing != widget.has_class("-missing"):
            widget.set_class(missing, "-missing")
            widget.tooltip = t("capture.photo_missing") if missing else None

    # -- saving and cancelling -------------------------------------------------------------------

    async def action_save_line(self) -> None:
        """Enter: save from a one-line field; elsewhere (a text area, a list) Enter is theirs."""
        if not isinstance(self.focused, Input):
            raise SkipAction()
        await self.action_save()

    async def action_save(self) -> None:
        """Check the required fields, hand the entry over to be committed, and close once it is
        made (CLOSE_WAIT at most: see the module docstring)."""
        if self._finished:
            return
        capture = self.collect()
        missing = capture.missing()
        if missing:
            name = missing[0]
            self._show_error(t("capture.missing", field=t(f"capture.label_{self.kind}_{name}")))
            for widget in self.query(f"#f-{name}"):
                widget.focus()
            return
        too_long = too_long_tags(capture.tag_text)
        if too_long:
            self._show_error(t("capture.tag_too_long", max=MAX_TAG, tag=one_line(too_long[0], 30)))
            self.query_one(TagField).focus()
            return
        initials = None
        if self.ask_initials is not None:
            initials = one_line(self.query_one("#f-initials", Input).value).strip()
            # Initials, not a name or a sentence typed in the wrong field: letters, no spaces.
            if not initials or not re.fullmatch(r"[^\W\d_][\w.\-]*", initials):
                self._show_error(t("capture.initials_empty"))
                self.query_one("#f-initials", Input).focus()
                return
        made = self._submit(capture, initials)
        self._finished, self._result = True, capture  # no second save, nor a draft from now on
        if made is not None:
            try:
                await asyncio.wait_for(asyncio.shield(made), CLOSE_WAIT)
            except Exception:  # noqa: BLE001  (a timeout: the commit goes on, and says when it is
                pass  # made or has failed; the form goes now)
        self._dismiss_finished()

    def _close(self, result: Capture | None) -> None:
        """Dismiss once: a second Enter must not save again, nor dismiss (pop) the screen under
        the form. A discard question over the form goes too."""
        if self._finished:
            return
        self._finished, self._result = True, result
        self._dismiss_finished()

    def _dismiss_finished(self) -> None:
        confirm = self._confirm
        if confirm is not None and self.app.screen is confirm:
            confirm.dismiss(False)
        if self.app.screen is self:
            self.dismiss(self._result)
        # Otherwise another screen is over the form: it closes when it is on top again.

    def on_screen_resume(self) -> None:
        if self._finished and self.app.screen is self:
            self.dismiss(self._result)

    def action_cancel(self) -> None:
        """Close; ask first when typed words would be thrown away."""
        if self._finished:
            return
        capture = self.collect()
        unchanged = capture.equivalent(self.capture) if self.editing else capture.is_blank()
        if unchanged:
            self._close(None)
            return
        from facilitator.tui.screens.confirm import ConfirmScreen

        def answered(discard: bool | None) -> None:
            self._confirm = None
            if discard:
                self._close(None)

        self._confirm = ConfirmScreen(
            t("capture.confirm_discard"), t("capture.discard_yes"), t("capture.discard_no")
        )
        self.app.push_screen(self._confirm, answered)


def _quote_line(quote: Entry) -> str:
    text = f"“{quote.text}”"
    return f"{text} — {quote.speaker}" if quote.speaker.strip() else text
