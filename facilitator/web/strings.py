"""The participant page's words, one catalogue per language in web/locales (Dutch first).

The language a participant picks travels only in the page's URL (`?lang=ar`); it is never stored,
logged or put in a cookie. Without one, the phone's own choice (Accept-Language) picks the first
page's language, read for that answer and forgotten.
"""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path

LANGUAGES = ("nl", "en", "ar", "tr", "uk")
DEFAULT = "nl"


@functools.cache
def catalogue(lang: str) -> dict[str, str]:
    """All strings of one language (Dutch for an unknown one)."""
    if lang not in LANGUAGES:
        lang = DEFAULT
    path = Path(__file__).parent / "locales" / f"{lang}.toml"
    return {k: str(v) for k, v in tomllib.loads(path.read_text(encoding="utf-8")).items()}


def pick(lang: str | None) -> str:
    """A known language code, Dutch when `lang` is missing or unknown."""
    return lang if lang in LANGUAGES else DEFAULT


def from_accept_language(header: str | None) -> str | None:
    """The first of our languages the phone asks for (by its q-values), or None.

    "tr-TR,tr;q=0.9,en;q=0.8" gives "tr"; "de,fr" gives None. Only the first 20 entries of at
    most 500 characters are read.
    """
    if not header:
        return None
    wanted: list[tuple[float, int, str]] = []
    for i, item in enumerate(header[:500].split(",")[:20]):
        tag, _, params = item.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        primary = tag.strip().split("-")[0].lower()
        if q > 0 and primary in LANGUAGES:
            wanted.append((-q, i, primary))
    return min(wanted)[2] if wanted else None
