"""Typed text is data: strip what a terminal would act on, keep everything a person wrote."""

from __future__ import annotations

import re

# C0 controls except tab and newline, DEL, and C1 controls (ESC sequences start with \x1b or \x9b).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Bidi embeddings, overrides and isolates (U+202A-202E, U+2066-2069) make text display in another
# order than it was typed: "U+202E gnirts" shows as "string", so a remark could pass for
# something else. They go; Arabic and other right-to-left text needs none of them (the marks
# U+200E/200F stay). The line separators U+2028/2029 become plain newlines.
_BIDI_CONTROLS = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
_LINE_SEPS = re.compile(r"[\u2028\u2029]")


def clean(text: str) -> str:
    """Text as typed, minus control characters a terminal would act on and bidi overrides that
    would show it in another order; CRLF becomes LF."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _LINE_SEPS.sub("\n", text)
    text = _BIDI_CONTROLS.sub("", text)
    return _CONTROL.sub("", text)


def one_line(text: str, limit: int | None = None) -> str:
    """A single display line: newlines and tabs become spaces, cut with an ellipsis at `limit`."""
    flat = " ".join(clean(text).split())
    if limit is not None and len(flat) > limit:
        return flat[: max(0, limit - 1)] + "…"
    return flat
