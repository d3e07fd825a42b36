"""One catalogue per language: the same keys in each, and every key the code names exists."""

from __future__ import annotations

import re
from pathlib import Path

from facilitator import i18n

PKG = Path(i18n.__file__).parent
# t("run.next"), t('run.next', ...), and binding descriptions/tooltips such as "keys.next".
T_CALL = re.compile(r"""\bt\(\s*["']([a-z_]+(?:\.[a-z0-9_]+)+)["']\s*[,)]""")
BINDING_KEY = re.compile(r"""["']((?:keys|help)\.[a-z0-9_]+)["'](?!\s*\+)""")


def test_languages_have_the_same_keys():
    nl, en = i18n.catalogue("nl"), i18n.catalogue("en")
    assert sorted(set(nl) - set(en)) == []
    assert sorted(set(en) - set(nl)) == []


def test_placeholders_match_between_languages():
    nl, en = i18n.catalogue("nl"), i18n.catalogue("en")
    field = re.compile(r"\{(\w+)\}")
    for key in nl:
        assert set(field.findall(nl[key])) == set(field.findall(en[key])), key


def test_every_key_named_in_the_code_exists():
    known = set(i18n.catalogue("nl"))
    missing = []
    for path in PKG.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for key in T_CALL.findall(text) + BINDING_KEY.findall(text):
            if key not in known:
                missing.append(f"{path.relative_to(PKG)}: {key}")
    assert missing == []


def test_english_on_request_and_dutch_by_default(monkeypatch):
    assert i18n.choose_language(None) == "nl"
    monkeypatch.setenv("FACILITATOR_LANG", "en")
    assert i18n.choose_language(None) == "en"
    assert i18n.choose_language("nl") == "nl"
    i18n.set_language("en")
    assert i18n.t("keys.next") == "Next block"
    i18n.set_language("nl")
    assert i18n.t("keys.next") == "Volgend blok"


def test_a_settings_file_chooses_the_language(monkeypatch, tmp_path):
    from facilitator.paths import settings_file

    path = settings_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('lang = "en"\n', encoding="utf-8")
    assert i18n.choose_language(None) == "en"
    path.write_text("lang = [broken\n", encoding="utf-8")
    assert i18n.choose_language(None) == "nl"


def test_the_stores_and_the_systems_messages_are_said_in_the_interface_language():
    """What the store or the system says in English reaches a person in the interface's words:
    the command line and the app's toasts pass it through `speak` / `os_reason`."""
    import errno

    from facilitator import i18n

    messages = [
        "no session 'x' in this database",
        "no sessions for 'verbindende-plekken'",
        "the remark is empty",
        "session 'x' has no blocks",
        "unknown entry kind 'poem' (known: quote, story)",
        "the expected number of participants is at most 500, not 900",
        "/tmp/a.db was written by a newer facilitator (database version 9, this one knows up "
        "to 3); upgrade facilitator to open it",
        "/tmp/a.db is from an older facilitator: open it once with `facilitator` (or any "
        "command that writes) to bring it up to date",
        "cannot write to /tmp/a.db: choose another --db path or fix its permissions",
    ]
    try:
        i18n.set_language("nl")
        dutch = [i18n.speak(m) for m in messages]
        system = [i18n.os_reason(OSError(e, "English")) for e in (errno.ENOSPC, errno.EACCES)]
        i18n.set_language("en")
        english = [i18n.speak(m) for m in messages]
    finally:
        i18n.set_language("nl")
    assert english == messages  # the English catalogue says them as the store does
    assert all(d != m for d, m in zip(dutch, messages, strict=True)), dutch
    assert "/tmp/a.db" in dutch[6] and "9" in dutch[6]  # what was named stays named
    assert system == [
        "de schijf is vol",
        "geen toestemming (pas de rechten aan of kies een andere plek)",
    ]
    assert i18n.speak("something new") == "something new"  # unknown: as it is, never lost


# -- the catalogues are kept, parsed, in the user's cache folder --------------------------------


def _catalogue_copy(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    path = tmp_path / "locales" / "nl.toml"
    path.parent.mkdir()
    path.write_text('[run]\nagenda = "Agenda"\n', encoding="utf-8")
    return path


def _kept(tmp_path):
    return sorted((tmp_path / "cache" / "facilitator").glob("catalogue-nl-*"))


def test_a_catalogue_is_parsed_once_and_kept_until_its_file_changes(tmp_path, monkeypatch):
    import os
    import tomllib

    path = _catalogue_copy(tmp_path, monkeypatch)
    assert i18n.read_catalogue(path, "nl") == {"run.agenda": "Agenda"}
    assert len(_kept(tmp_path)) == 1
    parsed = []
    real = tomllib.loads
    monkeypatch.setattr(tomllib, "loads", lambda text: parsed.append(text) or real(text))
    assert i18n.read_catalogue(path, "nl") == {"run.agenda": "Agenda"}
    assert parsed == []  # from the cache
    path.write_text('[run]\nagenda = "Programma"\n', encoding="utf-8")  # an upgrade, an edit
    os.utime(path, ns=(1, 1))
    assert i18n.read_catalogue(path, "nl") == {"run.agenda": "Programma"}
    assert len(parsed) == 1
    assert i18n.read_catalogue(path, "nl") == {"run.agenda": "Programma"}
    assert len(parsed) == 1 and len(_kept(tmp_path)) == 1


def test_a_damaged_or_unwritable_cache_is_no_cache(tmp_path, monkeypatch):
    path = _catalogue_copy(tmp_path, monkeypatch)
    i18n.read_catalogue(path, "nl")
    (kept,) = _kept(tmp_path)
    kept.write_bytes(b"\x00garbage")
    assert i18n.read_catalogue(path, "nl") == {"run.agenda": "Agenda"}
    assert i18n.read_catalogue(path, "nl") == {"run.agenda": "Agenda"}  # written whole again
    # No folder to keep it in (a file in its way; a read-only home is the same to the code).
    kept.unlink()
    kept.parent.rmdir()
    kept.parent.write_text("not a folder")
    assert i18n.read_catalogue(path, "nl") == {"run.agenda": "Agenda"}
    assert kept.parent.read_text() == "not a folder"


def test_the_shipped_catalogues_read_from_the_cache_are_the_files(tmp_path, monkeypatch):
    import tomllib

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    for lang in i18n.LANGUAGES:
        path = PKG / "locales" / f"{lang}.toml"
        parsed = i18n._flatten(tomllib.loads(path.read_text(encoding="utf-8")))
        assert i18n.read_catalogue(path, lang) == parsed  # parsed, and kept
        assert i18n.read_catalogue(path, lang) == parsed  # from the cache
