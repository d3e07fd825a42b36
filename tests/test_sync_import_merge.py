"""`facilitator import FILE.json --merge`: two note-takers who each ran `facilitator new` for the
same session bring their logs together on the host."""

from __future__ import annotations

import json
from datetime import timedelta

from click.testing import CliRunner

from facilitator.cli import main
from facilitator.export import export_session
from facilitator.store import Store
from tests.conftest import T0


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _laptop(path, programme, entries, *, sid="utrecht-2026-03-01"):
    s = Store.open(path)
    s.sessions.create(programme, "Utrecht", "2026-03-01", now=T0, session_id=sid)
    made = [
        s.entries.add(sid, "quote", {"text": text}, author=who, now=T0 + timedelta(minutes=i))
        for i, (who, text) in enumerate(entries)
    ]
    return s, made


def _export(store, sid, path):
    path.write_text(export_session(store, sid, "json", now=T0 + timedelta(hours=5)))


def _texts(path, sid="utrecht-2026-03-01"):
    s = Store.open(path)
    try:
        return sorted(
            (e.text, e.author, e.revision) for e in s.entries.list(sid, include_deleted=True)
        )
    finally:
        s.close()


def test_a_second_laptops_log_merges_into_the_host_once(tmp_path, programme):
    host, _ = _laptop(tmp_path / "host.db", programme, [("AB", "op de host")])
    laptop, made = _laptop(tmp_path / "b.db", programme, [("CD", "eerste"), ("CD", "tweede")])
    laptop.entries.update(made[0].id, {"text": "eerste, verbeterd"}, now=T0 + timedelta(hours=1))
    _export(laptop, "utrecht-2026-03-01", tmp_path / "b.json")
    host.close()
    laptop.close()
    host_db = str(tmp_path / "host.db")

    plain = run("import", str(tmp_path / "b.json"), "--db", host_db)
    assert plain.exit_code == 2 and "already in this database" in plain.stderr

    result = run("import", str(tmp_path / "b.json"), "--merge", "--json", "--db", host_db)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {
        "id": "utrecht-2026-03-01",
        "added": 2,
        "changed": 0,
        "unchanged": 0,
    }
    after = _texts(tmp_path / "host.db")
    assert after == [
        ("eerste, verbeterd", "CD", 2),
        ("op de host", "AB", 1),
        ("tweede", "CD", 1),
    ]
    again = run("import", str(tmp_path / "b.json"), "--merge", "--db", host_db)
    assert again.exit_code == 0, again.stderr
    assert "0 nieuw, 0 bijgewerkt, 2 al aanwezig" in again.stderr
    assert _texts(tmp_path / "host.db") == after
    s = Store.open(host_db)
    try:
        edited = [e for e in s.entries.list() if e.text.startswith("eerste")][0]
        assert [v["text"] for v in s.entries.revisions(edited.id)] == ["eerste"]
    finally:
        s.close()


def test_an_edit_on_both_sides_keeps_the_latest_and_the_other_in_history(tmp_path, programme):
    host, made = _laptop(tmp_path / "host.db", programme, [("AB", "begin")])
    _export(host, "utrecht-2026-03-01", tmp_path / "start.json")
    laptop = Store.open(tmp_path / "b.db")
    laptop.transfer.import_session(
        __import__("facilitator.export.jsondoc", fromlist=["loads"]).loads(
            (tmp_path / "start.json").read_text()
        )
    )
    host.entries.update(made[0].id, {"text": "van de host"}, now=T0 + timedelta(minutes=5))
    laptop.entries.update(made[0].id, {"text": "van laptop B"}, now=T0 + timedelta(minutes=7))
    _export(laptop, "utrecht-2026-03-01", tmp_path / "b.json")
    host.close()
    laptop.close()
    result = run("import", str(tmp_path / "b.json"), "--merge", "--db", str(tmp_path / "host.db"))
    assert result.exit_code == 0, result.stderr
    s = Store.open(tmp_path / "host.db")
    try:
        e = s.entries.get(made[0].id)
        assert e.text == "van laptop B" and e.revision == 3
        assert [v["text"] for v in s.entries.revisions(e.id)] == ["begin", "van de host"]
    finally:
        s.close()


def test_another_session_or_another_programme_is_refused_and_nothing_written(tmp_path, programme):
    from facilitator.core.programme import find, shipped_dir

    other_programme = find("verbindende-verhalen", [shipped_dir()])
    host, _ = _laptop(tmp_path / "host.db", programme, [("AB", "op de host")])
    host.close()
    lap, _ = _laptop(tmp_path / "b.db", other_programme, [("CD", "andere")])
    _export(lap, "utrecht-2026-03-01", tmp_path / "prog.json")
    lap.close()
    lap2, _ = _laptop(tmp_path / "c.db", programme, [("CD", "elders")], sid="venlo-2026-03-01")
    _export(lap2, "venlo-2026-03-01", tmp_path / "other.json")
    lap2.close()
    before = _texts(tmp_path / "host.db")
    for name, words in (("prog.json", "programme"), ("other.json", "not in this database")):
        result = run("import", str(tmp_path / name), "--merge", "--db", str(tmp_path / "host.db"))
        assert result.exit_code == 2, result.output
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and words in lines[0] and "Traceback" not in result.stderr
    assert _texts(tmp_path / "host.db") == before
    s = Store.open(tmp_path / "host.db")
    try:
        assert [x.id for x in s.sessions.list()] == ["utrecht-2026-03-01"]
    finally:
        s.close()
