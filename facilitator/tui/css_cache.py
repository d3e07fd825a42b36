"""Textual's parsed style sheets, kept from one start to the next (~10 ms of the first paint).

Textual parses the CSS (app.tcss and every widget's DEFAULT_CSS) on every start: ~12 ms before
the first screen could be styled, the largest cost of the start besides the screen's own
widgets. For the length of a run it keeps what it parsed in `Stylesheet._parse_cache`, keyed
by the CSS text itself (with where it was read from, its priority and scope). This module keeps
those entries in the user's cache folder (pickled) and hands them to the next start's style
sheet before it parses anything: it then finds its CSS parsed already (~1.5 ms to load).

Only ever the same result as parsing:
- an entry is found only for the very same CSS text (an edited sheet is another key, parsed);
- the file is used only with the same theme variables (their values are put in while parsing),
  the same installed Textual (its css package's files, by modification time and size) and the
  same Python;
- a file that cannot be read, or holds anything else, is no cache: Textual parses as always.
It relies on one private attribute of Textual's, `_parse_cache`, which the exact pin of textual
in pyproject.toml keeps as it is; tests/test_css_cache.py checks that a screen styled from the
cache is the same as one styled from parsing.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import sys
from pathlib import Path
from typing import Any

FORMAT = 1  # bump when what is kept changes shape

Entries = list[tuple[tuple[Any, ...], Any]]


def _identity(stylesheet: Any) -> tuple[Any, ...]:
    """What the kept entries are only good for: this Textual, this Python, these variables."""
    import textual.css

    css_package = Path(textual.css.__file__).parent
    files = []
    for name in ("model.py", "styles.py", "parse.py", "tokenize.py", "types.py"):
        stat = (css_package / name).stat()
        files.append((name, stat.st_mtime_ns, stat.st_size))
    return (
        FORMAT,
        str(css_package),
        tuple(files),
        sys.version_info[:2],
        tuple(sorted(stylesheet._variables.items())),
    )


def cache_file(sheet_path: Path) -> Path:
    """Where the parsed sheets of the app whose own sheet is `sheet_path` are kept (one file
    per installed copy, so two copies do not keep rewriting one file)."""
    import zlib

    from platformdirs import user_cache_dir

    where = zlib.crc32(str(sheet_path).encode("utf-8", "surrogateescape"))
    return Path(user_cache_dir("facilitator", appauthor=False)) / f"styles-{where:08x}"


def preload(stylesheet: Any, file: Path) -> frozenset[tuple[Any, ...]]:
    """Put the kept entries into `stylesheet`'s parse cache; the keys of those put in."""
    try:
        identity, entries = pickle.loads(file.read_bytes())
        if identity != _identity(stylesheet):
            return frozenset()
        cache = stylesheet._parse_cache
        for key, rules in entries:
            cache[key] = rules
        return frozenset(key for key, _rules in entries)
    except Exception:  # missing, unreadable, damaged, from another version: parse as always
        return frozenset()


def parsed(stylesheet: Any, known: frozenset[tuple[Any, ...]]) -> tuple[Any, Entries] | None:
    """What to keep, when the sheet parsed something `known` did not hold (else None): taken on
    the event loop, as the sheet's cache may change while another thread pickles it."""
    cache = stylesheet._parse_cache
    keys = list(cache.keys())
    if set(keys) <= known:
        return None
    try:
        return _identity(stylesheet), [(key, cache[key]) for key in keys]
    except Exception:
        return None


def keep(what: tuple[Any, Entries], file: Path) -> None:
    """Write what `parsed` gave, whole or not at all (best effort: no cache is no error)."""
    try:
        data = pickle.dumps(what, protocol=pickle.HIGHEST_PROTOCOL)
        file.parent.mkdir(parents=True, exist_ok=True)
    except Exception:
        return
    part = file.with_name(f".{file.name}.{os.getpid()}.part")
    try:
        part.write_bytes(data)
        os.replace(part, file)
    except Exception:
        with contextlib.suppress(OSError):
            part.unlink(missing_ok=True)
