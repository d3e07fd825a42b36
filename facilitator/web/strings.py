"""The participant page's words, one catalogue per language in web/locales (Dutch first).

The language a participant picks travels only in the page's URL (`?lang=ar`); it is never stored,
logged or put in a cookie.
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
