"""A one-line key bar: the screen's shown keys and what they do, drawn by one widget.

Textual's Footer builds a widget per key and rebuilds them whenever bindings change; with the
run screen's twenty-odd keys that doubled the time to the first painted screen. The screen's
keys never change, so one Text line does the same job. A click on a key runs its action.

When the line is too short for every key, the screen's `KEY_PRIORITY` (actions, most important
first; the others follow in their order) decides which stay: the keys are shown in their own
order, the least important left out, and "…" says that `?` lists more. An action in the screen's
`KEY_TERSE` (help) may lose its description when that keeps a more important key on the line.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.widget import Widget

MORE = " …"


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
                if self.screen.check_action(b.action.split("(")[0], ()) is False:
                    continue  # not on this screen now (as Textual's Footer leaves it out)
                seen.add(b.action)
                items.append((self.app.get_key_display(b), b.description, b.action))
        return items

    def _fit(self, items: list[tuple[str, str, str]], width: int) -> tuple[list[int], set[int]]:
        """Which items show (their indexes, in order) and which of them without description."""
        terse_actions = set(getattr(self.screen, "KEY_TERSE", ()))

        def cost(i: int, terse: bool) -> int:
            key, description, _action = items[i]
            return cell_len(key) + 2 + (0 if terse else cell_len(description) + 1)

        if sum(cost(i, False) for i in range(len(items))) <= width:
            return list(range(len(items))), set()
        priority = list(getattr(self.screen, "KEY_PRIORITY", ()))
        order = sorted(
            range(len(items)),
            key=lambda i: (
                priority.index(items[i][2]) if items[i][2] in priority else len(priority),
                i,
            ),
        )
        budget = width - len(MORE)

        def pick(terse: set[int]) -> list[int]:
            used, shown = 0, []
            for i in order:
                if used + cost(i, i in terse) <= budget:
                    used += cost(i, i in terse)
                    shown.append(i)
            return shown

        full = pick(set())
        terse = {i for i, item in enumerate(items) if item[2] in terse_actions}
        short = pick(terse) if terse else full

        # The terse line only when it keeps one of the screen's KEY_PRIORITY keys that the full
        # line leaves out.
        def kept(shown: list[int]) -> list[int]:
            return sorted(r for r in map(order.index, shown) if r < len(priority))

        more, less = kept(short), kept(full)
        if len(more) > len(less) or (len(more) == len(less) and more < less):
            return sorted(short), terse
        return sorted(full), set()

    def render(self) -> Text:
        key_style = self.get_component_rich_style("keybar--key")
        desc_style = self.get_component_rich_style("keybar--description")
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        self._spans = []
        items = self._items()
        shown, terse = self._fit(items, self.size.width)
        for i in shown:
            key, description, action = items[i]
            start = text.cell_len
            text.append(f" {key} ", key_style)
            if i not in terse:
                text.append(f"{description} ", desc_style)
            self._spans.append((start, text.cell_len, action))
        if len(shown) < len(items):
            text.append(MORE, desc_style)  # more keys than fit: ? lists them all
        return text

    async def on_click(self, event: events.Click) -> None:
        for start, end, action in self._spans:
            if start <= event.x < end:
                await self.app.run_action(action, self.screen)
                return
