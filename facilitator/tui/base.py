"""Small helpers every screen uses: translated key descriptions and typed text shown as text."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Generator
from dataclasses import replace
from typing import Any

from rich.cells import cell_len, set_cell_size
from textual import events
from textual.await_complete import AwaitComplete
from textual.content import Content
from textual.dom import DOMNode

from facilitator.core.text import clean, one_line
from facilitator.i18n import t


def translate_bindings(node: DOMNode) -> None:
    """Replace catalogue keys ("keys.next") in a node's binding descriptions by their text.

    BINDINGS are merged when the class is created, before a language is chosen; translating per
    instance keeps one class for both languages.
    """
    bmap = node._bindings
    for key, bindings in bmap.key_to_bindings.items():
        bmap.key_to_bindings[key] = [
            replace(
                b,
                description=t(b.description) if "." in b.description else b.description,
                tooltip=t(b.tooltip) if "." in b.tooltip and " " not in b.tooltip else b.tooltip,
            )
            for b in bindings
        ]


class Translated:
    """Mixin for screens and widgets whose BINDINGS name catalogue keys."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        translate_bindings(self)  # type: ignore[arg-type]


class DismissOnce:
    """Mixin for modal screens: dismiss only while on top of the stack.

    Textual's dismiss pops whatever screen is on top. A second Enter that reached a dialog's
    Input before the dialog closed is handled after it closed, and would pop the screen under
    it (the run screen), leaving a blank app.
    """

    def dismiss(self, result=None) -> AwaitComplete:  # type: ignore[no-untyped-def]
        if self.app.screen is not self:  # type: ignore[attr-defined]
            return AwaitComplete.nothing()
        return super().dismiss(result)  # type: ignore[misc,no-any-return]


def preset_breakpoints(screen) -> None:
    """Give a new screen its breakpoint classes before it is first styled.

    Textual adds them on the first resize event, which restyles every widget once more; set
    here, that resize changes nothing and the first paint comes sooner.
    """
    app = screen.app
    width, height = app.size
    horizontal = (
        app.HORIZONTAL_BREAKPOINTS
        if screen.HORIZONTAL_BREAKPOINTS is None
        else screen.HORIZONTAL_BREAKPOINTS
    ) or []
    vertical = (
        app.VERTICAL_BREAKPOINTS
        if screen.VERTICAL_BREAKPOINTS is None
        else screen.VERTICAL_BREAKPOINTS
    ) or []
    classes = screen._get_breakpoint_classes(width, horizontal) | screen._get_breakpoint_classes(
        height, vertical
    )
    if classes:
        screen.add_class(*classes, update=False)


def plain(text: str) -> Content:
    """Typed text (a quote, a remark, a block name from a file) as content, never as markup."""
    return Content(clean(text))


def plain_line(text: str, limit: int | None = None) -> Content:
    """Typed text flattened to one line, cut at `limit` characters."""
    return Content(one_line(text, limit))


def ellipsize(text: str, width: int) -> str:
    """`text` cut to `width` cells, ending in "…" when it was cut."""
    if cell_len(text) <= width:
        return text
    return set_cell_size(text, max(0, width - 1)) + "…" if width > 0 else ""


class PlaceholderFits:
    """Mixin for an Input: a placeholder longer than the field is cut with "…" at its end."""

    _whole_placeholder: str | None = None

    def on_resize(self, _event: events.Resize) -> None:
        whole = self._whole_placeholder
        if whole is None:
            whole = self._whole_placeholder = str(getattr(self, "placeholder", ""))
        width = getattr(self, "content_region").width  # noqa: B009  (a mixin: Widget has it)
        if width > 0:
            self.placeholder = ellipsize(whole, width - 1)


SHORT_BELOW = 30  # lines: the app's "-short" breakpoint


class CompactWhenShort:
    """Mixin for a dialog screen: on a short terminal its fields and buttons lose their borders
    (one line each instead of three), so the whole form, its hint and buttons fit in view."""

    def on_resize(self, event: events.Resize) -> None:
        from textual.widgets import Button, Input, Select

        short = event.size.height < SHORT_BELOW
        for widget in self.query("Input, Select, Button"):  # type: ignore[attr-defined]
            if isinstance(widget, Input | Select | Button) and widget.compact != short:
                widget.compact = short


class Deferred(Awaitable[None]):
    """A worker's work whose coroutine is made only when the worker awaits it.

    A worker that a newer exclusive one cancels before it started, or one asked for as the app
    closes, never awaits its work: a coroutine made beforehand was dropped unawaited ("coroutine
    'RunScreen._show_recent' was never awaited" at teardown). Textual takes a coroutine function
    too, but mypy cannot type that call; an awaitable it can.
    """

    def __init__(self, make: Callable[[], Coroutine[Any, Any, None]]) -> None:
        self.make = make

    def __await__(self) -> Generator[Any, None, None]:
        return self.make().__await__()
