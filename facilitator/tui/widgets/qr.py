"""A QR code drawn with half blocks, black on white whatever the theme, quiet zone included."""

from __future__ import annotations

import math

from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.widget import Widget

DARK = "#000000"
LIGHT = "#ffffff"
# Explicit colours for both halves of every cell: a dark theme must not invert the code.
_STYLES = {
    (top, bottom): Style(color=DARK if top else LIGHT, bgcolor=DARK if bottom else LIGHT)
    for top in (False, True)
    for bottom in (False, True)
}


def half_block_text(matrix: list[list[bool]], scale: int = 1) -> Text:
    """The matrix as text: each module `scale` columns wide and `scale` half-rows high ("▀")."""
    pixels = [[v for v in row for _ in range(scale)] for row in matrix for _ in range(scale)]
    if len(pixels) % 2:
        pixels.append([False] * len(pixels[0]))
    text = Text(no_wrap=True, overflow="crop", end="")
    for r in range(0, len(pixels), 2):
        if r:
            text.append("\n")
        pairs = list(zip(pixels[r], pixels[r + 1], strict=True))
        start = 0
        for i in range(1, len(pairs) + 1):
            if i == len(pairs) or pairs[i] != pairs[start]:
                text.append("▀" * (i - start), _STYLES[pairs[start]])
                start = i
    return text


def fit_scale(modules: int, width: int, height: int, max_scale: int = 6) -> int:
    """The largest whole scale (at least 1) at which the code fits `width` x `height` cells."""
    scale = 1
    while (
        scale < max_scale
        and modules * (scale + 1) <= width
        and math.ceil(modules * (scale + 1) / 2) <= height
    ):
        scale += 1
    return scale


class QRCode(Widget):
    """The QR code of a URL; `large` lets it grow to a share of the screen (the room clock)."""

    DEFAULT_CSS = """
    QRCode { width: auto; height: auto; }
    """

    def __init__(self, url: str, *, large: bool = False, reserve_rows: int = 6, **kwargs) -> None:
        super().__init__(**kwargs)
        from facilitator.web.qr import qr_matrix

        self.url = url
        self.large = large
        self.reserve_rows = reserve_rows
        self.matrix = qr_matrix(url)

    def scale_for(self, viewport: Size) -> int:
        if not self.large:
            return 1
        return fit_scale(
            len(self.matrix), int(viewport.width * 0.6), viewport.height - self.reserve_rows
        )

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return len(self.matrix) * self.scale_for(viewport)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return math.ceil(len(self.matrix) * self.scale_for(viewport) / 2)

    def render(self) -> Text:
        return half_block_text(self.matrix, self.scale_for(self.app.size))
