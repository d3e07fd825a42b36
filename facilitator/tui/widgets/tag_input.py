"""A tag field with completion from the tags already used in any session (the later rode draden)."""

from __future__ import annotations

from textual import on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.suggester import Suggester
from textual.widgets import Input, Static

from facilitator.core.entries import last_tag_prefix, normalise_tag
from facilitator.i18n import t
from facilitator.tui.base import PlaceholderFits

MAX_SHOWN = 8


def matching_tags(known: list[tuple[str, int]], typed: str) -> list[tuple[str, int]]:
    """Known tags (most used first) that start with the tag being typed, without those typed."""
    before, current = last_tag_prefix(typed)
    prefix = normalise_tag(current)
    done = {normalise_tag(p) for p in before.replace(";", ",").split(",")}
    return [(tag, n) for tag, n in known if tag.startswith(prefix) and tag not in done]


class TagSuggester(Suggester):
    """Completes the tag being typed (after the last comma) with the most used known tag."""

    def __init__(self, known: list[tuple[str, int]]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.known = known

    async def get_suggestion(self, value: str) -> str | None:
        _, current = last_tag_prefix(value)
        prefix = normalise_tag(current)
        if not prefix:
            return None
        for tag, _n in matching_tags(self.known, value):
            if tag != prefix:
                # Keep what was typed as typed; add the rest of the tag.
                return value + tag[len(prefix) :]
        return None


class TagField(PlaceholderFits, Input):
    """The tag input: Tab (or →) takes the grey completion; without one, Tab moves on."""

    BINDINGS = [Binding("tab", "accept_tag", show=False)]

    def accept_suggestion(self) -> bool:
        """Take the completion shown in grey, ready for the next tag; False when none shows."""
        suggestion = self._suggestion
        if not (suggestion and self.cursor_at_end and len(suggestion) > len(self.value)):
            return False
        self.value = suggestion + ", "
        self.cursor_position = len(self.value)
        return True

    def action_accept_tag(self) -> None:
        if not self.accept_suggestion():
            raise SkipAction()  # no completion showing: Tab moves focus as usual


class TagInput(Vertical):
    """A tag field and, under it, the known tags that match what is being typed."""

    DEFAULT_CSS = """
    TagInput { height: auto; width: 1fr; }
    TagInput #tag-matches {
        height: 1; color: $text-muted; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis;
    }
    """

    def __init__(self, known: list[tuple[str, int]], value: str = "", **kwargs) -> None:
        super().__init__(**kwargs)
        self.known = known
        self._initial = value

    def compose(self) -> ComposeResult:
        field = TagField(
            self._initial,
            placeholder=t("capture.tags_placeholder"),
            suggester=TagSuggester(self.known),
            id="tags",
            compact=True,
            select_on_focus=False,  # Shift+Tab back into the tags continues them
        )
        field.cursor_position = len(self._initial)
        yield field
        yield Static("", id="tag-matches")

    def on_mount(self) -> None:
        self._show_matches(self._initial)

    @property
    def value(self) -> str:
        return self.query_one(TagField).value

    @on(Input.Changed, "#tags")
    def _typed(self, event: Input.Changed) -> None:
        self._show_matches(event.value)

    def _show_matches(self, typed: str) -> None:
        """The matching known tags with how often each was used; tags are shown as text."""
        matches = matching_tags(self.known, typed)[:MAX_SHOWN]
        label = self.query_one("#tag-matches", Static)
        if not matches:
            label.update(Content(t("capture.tags_none") if not self.known else ""))
            return
        parts: list[str | tuple[str, str]] = []
        for i, (tag, n) in enumerate(matches):
            if i:
                parts.append(" · ")
            parts.append((tag, "bold"))
            parts.append(f" {n}")
        label.update(Content.assemble(*parts))
