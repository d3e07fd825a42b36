"""The interface's words: one catalogue per language (locales/<lang>.toml), Dutch by default.

`t("keys.next")` looks a key up in the current language, falls back to Dutch, and formats
`{placeholders}` from keyword arguments. Text a person typed is never passed through here.
"""

from __future__ import annotations

import functools
import os
import tomllib
from pathlib import Path
from typing import Any

LANGUAGES = ("nl", "en")
DEFAULT = "nl"
_current = DEFAULT


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, name + "."))
        else:
            out[name] = str(value)
    return out


@functools.cache
def catalogue(lang: str) -> dict[str, str]:
    """All keys of one language's catalogue, flattened to dotted names."""
    path = Path(__file__).parent / "locales" / f"{lang}.toml"
    return _flatten(tomllib.loads(path.read_text(encoding="utf-8")))


def choose_language(explicit: str | None = None) -> str:
    """--lang, else FACILITATOR_LANG, else the settings file, else Dutch."""
    if explicit:
        return explicit
    env = os.environ.get("FACILITATOR_LANG")
    if env in LANGUAGES:
        return env
    from facilitator.paths import read_settings

    lang = read_settings().get("lang")
    return lang if lang in LANGUAGES else DEFAULT


def set_language(lang: str) -> None:
    global _current
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r} (known: {', '.join(LANGUAGES)})")
    _current = lang


def current_language() -> str:
    return _current


def t(key: str, /, **values: Any) -> str:
    """The text for `key` in the current language, with {placeholders} filled in."""
    text = catalogue(_current).get(key)
    if text is None:
        text = catalogue(DEFAULT).get(key, key)
    return text.format(**values) if values else text
