"""Small helpers every screen uses: translated key descriptions and typed text shown as text."""

from __future__ import annotations

from dataclasses import replace

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


def plain(text: str) -> Content:
    """Typed text (a quote, a remark, a block name from a file) as content, never as markup."""
    return Content(clean(text))


def plain_line(text: str, limit: int | None = None) -> Content:
    """Typed text flattened to one line, cut at `limit` characters."""
    return Content(one_line(text, limit))
