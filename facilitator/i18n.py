"""The interface's words: one catalogue per language (locales/<lang>.toml), Dutch by default.

`t("keys.next")` looks a key up in the current language, falls back to Dutch, and formats
`{placeholders}` from keyword arguments. Text a person typed is never passed through here.
"""

from __future__ import annotations

import contextlib
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
    return read_catalogue(Path(__file__).parent / "locales" / f"{lang}.toml", lang)


def read_catalogue(path: Path, lang: str) -> dict[str, str]:
    """The catalogue in `path`, flattened: as kept in the cache (below) while the file is the
    same, else parsed (and kept)."""
    try:
        stat = path.stat()
    except OSError:
        stat = None
    key = (str(path), stat.st_mtime_ns, stat.st_size) if stat is not None else None
    kept = _cached(lang, key)
    if kept is not None:
        return kept
    table = _flatten(tomllib.loads(path.read_text(encoding="utf-8")))
    _keep(lang, key, table)
    return table


# -- the catalogues as read last time ----------------------------------------------------------
# Parsing a catalogue's TOML took ~4 ms of every start (the first screen needs its words before
# it can paint). The flattened catalogue is kept in the user's cache folder, marshalled, with the
# TOML file's path, modification time and size: a catalogue that changed (an upgrade, an edit)
# is read again, as Python does with its byte-code. A cache that cannot be read or written is
# no cache (the TOML is read), never an error.


def _cache_file(lang: str, key: tuple[str, int, int]) -> Path:
    import zlib

    from platformdirs import user_cache_dir

    where = zlib.crc32(key[0].encode("utf-8", "surrogateescape"))  # one per installed copy
    return Path(user_cache_dir("facilitator", appauthor=False)) / f"catalogue-{lang}-{where:08x}"


def _cached(lang: str, key: tuple[str, int, int] | None) -> dict[str, str] | None:
    if key is None:
        return None
    import marshal

    try:
        kept_key, table = marshal.loads(_cache_file(lang, key).read_bytes())
    except Exception:  # missing, unreadable, from another Python, damaged: read the TOML
        return None
    if kept_key != key or not isinstance(table, dict):
        return None
    return table


def _keep(lang: str, key: tuple[str, int, int] | None, table: dict[str, str]) -> None:
    if key is None:
        return
    import marshal

    try:
        file = _cache_file(lang, key)
        file.parent.mkdir(parents=True, exist_ok=True)
    except Exception:  # no cache folder to be had: no cache this time
        return
    part = file.with_name(f".{file.name}.{os.getpid()}.part")
    try:
        part.write_bytes(marshal.dumps((key, table)))
        os.replace(part, file)  # whole or not at all, whoever reads it meanwhile
    except Exception:  # a read-only folder, a full disk: no cache this time
        with contextlib.suppress(OSError):
            part.unlink(missing_ok=True)


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


# -- messages of the store, the core and the system, in the interface's words ------------------
# The store and the core raise in English (their messages are also the JSON contract's and the
# tests'); whatever shows one to a person (the command line, a toast) passes it through
# `speak`, which says the known ones in the interface language (catalogue section [cli_errors])
# and lets unknown ones through as they are. `os_reason` does the same for the system's errors
# (strerror is English whatever the interface says).
_KNOWN_MESSAGES = (
    (r"no session (?P<session>'.*') in this database", "no_session"),
    (r"no sessions for (?P<theme>'.*')", "no_sessions_for"),
    (r"no entry (?P<entry>'.*')", "no_entry"),
    (r"no remark (?P<remark>'.*') in session (?P<session>'.*')", "no_remark"),
    (r"session (?P<session>'.*') is already in this database", "session_exists"),
    (r"the place is empty", "place_empty"),
    (r"session (?P<session>'.*'): the place is empty", "session_place_empty"),
    (r"session (?P<session>'.*') has no blocks", "session_no_blocks"),
    (r"the remark is empty", "remark_empty"),
    (r"the batch size cannot be negative", "batch_negative"),
    (r"unknown entry kind (?P<kind>'.*?') \(known: (?P<known>.*)\)", "unknown_kind_known"),
    (r"unknown entry kind (?P<kind>'.*')", "unknown_kind"),
    (r"programme (?P<programme>.+) has errors and cannot be used", "programme_has_errors"),
    (r"no database at (?P<path>.+): check the --db path", "no_database"),
    (r"no database at (?P<path>.+)", "no_database"),
    (r"(?P<path>.+) is a folder, not a database file", "is_folder"),
    (r"cannot read (?P<path>.+): fix its permissions", "cannot_read"),
    (r"(?P<path>.+) is not a facilitator database \(or it is damaged\)", "not_a_database"),
    (r"(?P<path>.+) holds no facilitator data yet", "no_data_yet"),
    (r"(?P<text>'.*') is not a date as YYYY-MM-DD", "bad_date"),
    (r"the expected number of participants cannot be negative", "participants_negative"),
    (
        r"the expected number of participants is at most (?P<most>\d+), not (?P<n>-?\d+)",
        "participants_too_many",
    ),
    (r"unknown time zone (?P<zone>'.*') \(for example: (?P<example>.+)\)", "unknown_zone"),
    (r"cannot write in (?P<path>.+): choose another --db path", "cannot_write_folder"),
    (
        r"cannot write in (?P<path>.+) \(SQLite needs it for its journal\): choose another "
        r"--db path",
        "cannot_write_journal",
    ),
    (
        r"cannot write to (?P<path>.+): choose another --db path or fix its permissions",
        "cannot_write_file",
    ),
    (r"cannot create the folder (?P<path>.+): (?P<error>.+)", "cannot_create_folder"),
    (
        r"(?P<path>.+) was written by a newer facilitator \(database version (?P<version>\d+), "
        r"this one knows up to (?P<known>\d+)\); upgrade facilitator to open it",
        "newer_database",
    ),
    (
        r"(?P<path>.+) is from an older facilitator: open it once with `facilitator` \(or any "
        r"command that writes\) to bring it up to date",
        "older_database",
    ),
    (
        r"(?P<path>.+) is an SQLite database of another program, not facilitator's",
        "other_program",
    ),
)


@functools.cache
def _known_messages() -> list[tuple[Any, str]]:
    import re

    return [(re.compile(pattern), key) for pattern, key in _KNOWN_MESSAGES]


def speak(message: str) -> str:
    """A known English message of the store or core in the interface language."""
    for pattern, key in _known_messages():
        match = pattern.fullmatch(message)
        if match:
            return t(f"cli_errors.{key}", **match.groupdict())
    return message


_ERRNO_KEYS = {  # errno name -> catalogue key in [os_errors]
    "ENOSPC": "disk_full",
    "EDQUOT": "disk_full",
    "EACCES": "no_permission",
    "EPERM": "no_permission",
    "EROFS": "read_only",
    "ENOENT": "not_found",
    "ENOTDIR": "not_found",
    "EISDIR": "is_folder",
    "EEXIST": "exists",
    "EADDRINUSE": "port_in_use",
    "EADDRNOTAVAIL": "address_not_here",
    "EMFILE": "too_many_files",
    "ENFILE": "too_many_files",
    "ECONNREFUSED": "refused",
    "ETIMEDOUT": "timed_out",
    "EHOSTUNREACH": "unreachable",
    "ENETUNREACH": "unreachable",
    "EIO": "io_error",
}


def os_reason(exc: BaseException) -> str:
    """Why a system call failed, in the interface language (strerror is always English)."""
    import errno

    code = getattr(exc, "errno", None)
    name = errno.errorcode.get(code) if isinstance(code, int) else None
    key = _ERRNO_KEYS.get(name or "")
    if key is not None:
        return t(f"os_errors.{key}")
    return speak(getattr(exc, "strerror", None) or str(exc))
