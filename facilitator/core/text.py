"""Typed text is data: strip what a terminal would act on, keep everything a person wrote."""

from __future__ import annotations

import re

# C0 controls except tab and newline, DEL, and C1 controls (ESC sequences start with \x1b or \x9b).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Bidi overrides and isolates can make text display in a different order than it was typed in a
# log line; they are kept (Arabic needs none of them to show correctly), but the line-level
# ones that could hide text (U+2028/2029) become plain newlines.
_LINE_SEPS = re.compile(r"[\u2028\u2029]")


def clean(text: str) -> str:
    """Text as typed, minus control characters a terminal would act on; CRLF becomes LF."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _LINE_SEPS.sub("\n", text)
    return _CONTROL.sub("", text)


def one_line(text: str, limit: int | None = None) -> str:
    """A single display line: newlines and tabs become spaces, cut with an ellipsis at `limit`."""
    flat = " ".join(clean(text).split())
    if limit is not None and len(flat) > limit:
        return flat[: max(0, limit - 1)] + "…"
    return flat
