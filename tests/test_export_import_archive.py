"""Bad input for `import` (file, entry index and field in every refusal, unknown fields, a size
limit) and the archive as Datasette reads it (the FTS table it recognises)."""

from __future__ import annotations

import json
import sqlite3

import pytest
from click.testing import CliRunner

from facilitator.cli import main
from facilitator.export import export_session, import_file, jsondoc, read_import
from facilitator.export.jsondoc import DocError
from facilitator.store import Store, StoreError
from facilitator.store.schema import MIGRATIONS
from tests.golden.sample_session import build_sample
from tests.test_export_golden import NOW


@pytest.fixture
def exported(store, tmp_path):
    sid = build_sample(store)
    doc = json.loads(export_session(store, sid, "json", now=NOW))
    return doc, tmp_path


def write(tmp_path, doc, name="sessie.json"):
    path = tmp_path / name
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (
            lambda d: d["entries"][2].update(mood="blij"),
            "entries[2].mood: a quote has no field 'mood'",
        ),
        (lambda d: d["entries"][0].update(text=""), "entries[0].text: a story needs a text"),
        (lambda d: d["entries"][1].update(title=" "), "entries[1].title: an emblem needs a title"),
        (
            lambda d: d["entries"][0].update(sub_question=7),
            "entries[0].sub_question: expected text",
        ),
        (lambda d: d["entries"][2].update(author=["AB"]), "entries[2].author: expected text"),
        (
            lambda d: d["session"].update(timezone="Mars/Base"),
            "session.timezone: unknown time zone",
        ),
    ],
)
def test_every_refusal_names_file_entry_and_field(exported, change, says):
    doc, tmp_path = exported
    change(doc)
    path = write(tmp_path, doc)
    with pytest.raises(DocError) as err:
        read_import(path)
    assert str(err.value).startswith(f"{path}: ") and says in str(err.value)
    result = run("import", str(path), "--db", str(tmp_path / "other.db"))
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0] and str(path) in lines[0]


def test_store_refusals_name_file_and_entry_too(exported, store):
    doc, tmp_path = exported
    doc["session"]["id"] = "een-andere-sessie"  # the entry ids are already in `store`
    path = write(tmp_path, doc)
    with pytest.raises(StoreError) as err:
        import_file(store, path)
    assert str(err.value).startswith(f"{path}: entries[0].id: entry 'e01' is already")
    store.close()
    result = run("import", str(path), "--db", str(tmp_path / "facilitator.db"))
    assert result.exit_code == 2 and "entries[0].id" in result.stderr and str(path) in result.stderr


def test_a_file_over_the_limit_is_refused_before_it_is_read(tmp_path):
    """101 MiB (sparse: no disk used) is refused by its size, with next to no memory used."""
    import tracemalloc

    path = tmp_path / "huge.json"
    with open(path, "wb") as fh:
        fh.truncate(jsondoc.MAX_IMPORT_BYTES + 1024 * 1024)
    tracemalloc.start()
    try:
        with pytest.raises(DocError, match="more than an import takes"):
            read_import(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1024 * 1024
    result = run("import", str(path), "--db", str(tmp_path / "x.db"))
    assert result.exit_code == 2 and "(100 MiB)" in result.stderr and str(path) in result.stderr


def test_the_limit_is_stated_and_sensible():
    assert jsondoc.MAX_IMPORT_BYTES == 100 * 1024 * 1024


def test_not_a_file_and_not_utf8(tmp_path):
    with pytest.raises(DocError, match="no file"):
        read_import(tmp_path / "missing.json")
    with pytest.raises(DocError, match="is a folder"):
        read_import(tmp_path)
    bad = tmp_path / "bad.json"
    bad.write_bytes(b"\xff\xfe{")
    with pytest.raises(DocError, match="not UTF-8"):
        read_import(bad)


# -- the archive in Datasette ---------------------------------------------------------------

# Datasette's own test for "this table has a full-text index" (datasette.utils.detect_fts_sql).
DATASETTE_DETECT = """
select name from sqlite_master
    where rootpage = 0
    and (
        sql like '%VIRTUAL TABLE%USING FTS%content="{table}"%'
        or sql like '%VIRTUAL TABLE%USING FTS%content=[{table}]%'
        or (
            tbl_name = "{table}"
            and sql like '%VIRTUAL TABLE%USING FTS%'
        )
    )
"""


def test_datasette_recognises_the_entries_fts_table(store, clock):
    build_sample(store)
    found = store.query(DATASETTE_DETECT.format(table="entries"))
    assert [r["name"] for r in found] == ["entries_fts"]


def test_an_old_database_is_upgraded_with_its_index_rebuilt(tmp_path):
    """A database made by the first schema: the migration re-creates the FTS table (quoted
    content table) and rebuilds the index over the entries already there."""
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    from facilitator.store.schema import _split_sql

    for statement in _split_sql(MIGRATIONS[0]):
        conn.execute(statement)
    from facilitator.core.programme import find, shipped_dir

    frozen = json.dumps(find("spelregels", [shipped_dir()]).to_dict())
    conn.execute(
        "INSERT INTO sessions (id, programme_id, programme, place, date, created_at, remark_token) "
        "VALUES ('s', 'p', ?, 'Utrecht', '2026-03-01', '2026-03-01T09:00:00.000+00:00', 't')",
        (frozen,),
    )
    conn.execute(
        "INSERT INTO entries (id, session_id, kind, created_at, updated_at, text) VALUES "
        "('e1', 's', 'quote', '2026-03-01T09:00:00.000+00:00', '2026-03-01T09:00:00.000+00:00', "
        "'Buurthuizen verbinden mensen')"
    )
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    store = Store.open(path)
    try:
        assert store.query(DATASETTE_DETECT.format(table="entries"))
        rows = store.query(
            "SELECT e.id FROM entries_fts JOIN entries e ON e.rowid = entries_fts.rowid "
            "WHERE entries_fts MATCH 'buurthuizen'"
        )
        assert [r["id"] for r in rows] == ["e1"]
        s = store.sessions.get("s")
        assert s.timezone == "Europe/Amsterdam"
        assert store.entries.get("e1").sub_question == ""
    finally:
        store.close()


def test_new_takes_a_time_zone_and_refuses_an_unknown_one(tmp_path):
    db = str(tmp_path / "tz.db")
    ok = run("new", "--programme", "spelregels", "--place", "Tokio", "--date", "2026-03-01",
             "--timezone", "Asia/Tokyo", "--db", db)  # fmt: skip
    assert ok.exit_code == 0, ok.output
    store = Store.open(tmp_path / "tz.db")
    try:
        assert store.sessions.get(ok.stdout.strip()).timezone == "Asia/Tokyo"
    finally:
        store.close()
    bad = run("new", "--programme", "spelregels", "--place", "X", "--timezone", "Mars/Base",
              "--db", db)  # fmt: skip
    assert bad.exit_code == 2 and "onbekende tijdzone 'Mars/Base'" in bad.stderr  # Dutch by default
    assert len(bad.stderr.strip().splitlines()) == 1
