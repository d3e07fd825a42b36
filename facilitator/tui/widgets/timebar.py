"""A one-line bar of how much of the block has gone: drawn as text, one widget, no children."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget


class TimeBar(Widget):
    """`fraction` of the width filled; the colour follows the widget's CSS `color`."""

    DEFAULT_CSS = """
    TimeBar { height: 1; width: 1fr; color: $primary; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.fraction = 0.0

    def update(self, fraction: float) -> None:
        fraction = min(1.0, max(0.0, fraction))
        if int(fraction * 1000) != int(self.fraction * 1000):
            self.fraction = fraction
            self.refresh()

    def render(self) -> Text:
        width = self.size.width
        done = round(self.fraction * width)
        return Text.assemble(("━" * done, ""), ("━" * (width - done), "dim"))
