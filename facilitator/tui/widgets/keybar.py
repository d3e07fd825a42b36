"""A one-line key bar: the screen's shown keys and what they do, drawn by one widget.

Textual's Footer builds a widget per key and rebuilds them whenever bindings change; with the
run screen's twenty-odd keys that doubled the time to the first painted screen. The screen's
keys never change, so one Text line does the same job. A click on a key runs its action.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.widget import Widget


class KeyBar(Widget):
    """Shows `key description` for every binding of the screen marked `show`."""

    COMPONENT_CLASSES = {"keybar--key", "keybar--description"}
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        background: $footer-background;
        .keybar--key { color: $footer-key-foreground; background: $footer-key-background; text-style: bold; }
        .keybar--description { color: $footer-description-foreground; }
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._spans: list[tuple[int, int, str]] = []  # start, end, action

    def _items(self) -> list[tuple[str, str, str]]:
        seen: set[str] = set()
        items = []
        for bindings in self.screen._bindings.key_to_bindings.values():
            for b in bindings:
                if not b.show or not b.description or b.action in seen:
                    continue
                seen.add(b.action)
                items.append((self.app.get_key_display(b), b.description, b.action))
        return items

    def render(self) -> Text:
        key_style = self.get_component_rich_style("keybar--key")
        desc_style = self.get_component_rich_style("keybar--description")
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        self._spans = []
        for key, description, action in self._items():
            start = text.cell_len
            text.append(f" {key} ", key_style)
            text.append(f"{description} ", desc_style)
            self._spans.append((start, text.cell_len, action))
        return text

    async def on_click(self, event: events.Click) -> None:
        for start, end, action in self._spans:
            if start <= event.x < end:
                await self.app.run_action(action, self.screen)
                return
