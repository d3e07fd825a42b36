"""Large digits for the room clock, scaled to the space they get, readable from the back of a room."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

# A 5-row font: digits, colon, plus and minus. '#' is a filled cell.
FONT = {
    "0": ["###", "# #", "# #", "# #", "###"],
    "1": [" # ", "## ", " # ", " # ", "###"],
    "2": ["###", "  #", "###", "#  ", "###"],
    "3": ["###", "  #", "###", "  #", "###"],
    "4": ["# #", "# #", "###", "  #", "  #"],
    "5": ["###", "#  ", "###", "  #", "###"],
    "6": ["###", "#  ", "###", "# #", "###"],
    "7": ["###", "  #", "  #", "  #", "  #"],
    "8": ["###", "# #", "###", "# #", "###"],
    "9": ["###", "# #", "###", "  #", "###"],
    ":": [" ", "#", " ", "#", " "],
    "+": ["   ", " # ", "###", " # ", "   "],
    "-": ["   ", "   ", "###", "   ", "   "],
    " ": [" ", " ", " ", " ", " "],
}


def render_big(text: str, scale: int = 1) -> list[str]:
    """The text in the block font, each cell `scale` rows high and 2*`scale` columns wide."""
    rows = []
    for r in range(5):
        parts = []
        for ch in text:
            glyph = FONT.get(ch, FONT[" "])
            parts.append(glyph[r].replace("#", "█" * 2 * scale).replace(" ", " " * 2 * scale))
        line = (" " * scale).join(parts)
        rows.extend([line] * scale)
    return rows


class BigClock(Widget):
    """Shows a short time string (e.g. 12:34 or +1:05) as large as the widget allows."""

    DEFAULT_CSS = """
    BigClock { width: 1fr; height: 1fr; content-align: center middle; }
    """

    def __init__(
        self, value: str = "", *, max_scale: int = 4, center: bool = True, **kwargs
    ) -> None:
        super().__init__(**kwargs)
        self.value = value
        self.max_scale = max_scale
        self.center = center

    def update(self, value: str) -> None:
        if value != self.value:
            relayout = len(value) != len(self.value)
            self.value = value
            self.refresh(layout=relayout)

    def get_content_width(self, container, viewport) -> int:
        lines = render_big(self.value, 1)
        return len(lines[0]) if lines and self.value else 0

    def get_content_height(self, container, viewport, width: int) -> int:
        return 5

    def render(self) -> Text:
        width, height = self.size.width, self.size.height
        scale = 1
        for candidate in range(self.max_scale, 0, -1):
            lines = render_big(self.value, candidate)
            if lines and len(lines[0]) <= width and len(lines) <= height:
                scale = candidate
                break
        lines = render_big(self.value, scale)
        if not lines or len(lines[0]) > width or len(lines) > height:
            return Text(self.value, justify="center")
        pad_top = max(0, (height - len(lines)) // 2) if self.center else 0
        body = "\n" * pad_top + "\n".join(
            line.center(width) if self.center else line for line in lines
        )
        return Text(body)
