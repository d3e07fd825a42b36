"""JSON export -> import -> export gives the same JSON; the import restores the whole session."""

from __future__ import annotations

import json
import re

import pytest

from facilitator.core import clock as ck
from facilitator.core.timeutil import iso
from facilitator.export import export_session, import_file
from facilitator.export.jsondoc import DocError, from_doc, loads
from facilitator.store import Store, StoreError
from tests.golden.sample_session import at, build_sample

NOW = at(60 * 24 * 8)


@pytest.fixture
def other(tmp_path):
    s = Store.open(tmp_path / "other.db")
    yield s
    s.close()


def roundtrip(store, other, sid, tmp_path):
    first = export_session(store, sid, "json", now=NOW)
    path = tmp_path / "export.json"
    path.write_text(first, encoding="utf-8")
    assert import_file(other, path) == sid
    return first, export_session(other, sid, "json", now=NOW)


def test_export_import_export_is_identical(store, other, tmp_path):
    sid = build_sample(store)
    first, second = roundtrip(store, other, sid, tmp_path)
    assert second == first
    # ... and the import of the import's export too (nothing drifts on the second pass).
    third_db = Store.open(tmp_path / "third.db")
    try:
        path = tmp_path / "again.json"
        path.write_text(second, encoding="utf-8")
        import_file(third_db, path)
        assert export_session(third_db, sid, "json", now=NOW) == first
    finally:
        third_db.close()


def test_import_restores_everything_a_report_needs(store, other, tmp_path):
    sid = build_sample(store)
    roundtrip(store, other, sid, tmp_path)
    a, b = store.sessions.get(sid), other.sessions.get(sid)
    assert (b.place, b.date, b.facilitators, b.expected_participants, b.state, b.created_at) == (
        a.place,
        a.date,
        a.facilitators,
        a.expected_participants,
        a.state,
        a.created_at,
    )
    assert b.programme.to_dict() == {**a.programme.to_dict(), "file": ""}
    assert b.remark_token != a.remark_token  # the participants' URL of the original stays secret
    assert [(e.at, e.kind, e.data) for e in other.clock.events(sid)] == [
        (e.at, e.kind, e.data) for e in store.clock.events(sid)
    ]
    assert other.entries.list(sid) == store.entries.list(sid)
    assert other.entries.revisions("e06") == store.entries.revisions("e06") != []
    assert other.participants.get(sid) == store.participants.get(sid)
    hidden = lambda s: sorted((r["slot"], r["text"], r["hidden"]) for r in s.remarks.list(sid))  # noqa: E731
    assert hidden(other) == hidden(store)
    for fmt in ("md", "html", "csv"):
        assert export_session(other, sid, fmt, now=NOW) == export_session(store, sid, fmt, now=NOW)


def test_contract_shape(store):
    sid = build_sample(store)
    doc = json.loads(export_session(store, sid, "json", now=NOW))
    assert list(doc)[:6] == [
        "format_version",
        "session",
        "blocks",
        "entries",
        "remarks",
        "participants",
    ]
    assert doc["format_version"] == 1
    names = [b["name"] for b in doc["blocks"]]
    # The unplanned break is in the agenda where it happened.
    assert names.index("Extra pauze") == names.index("Werkplaats") + 1
    extra = doc["blocks"][names.index("Extra pauze")]
    assert extra["kind"] == "break" and extra["inserted"] and extra["started_at"]
    by_id = {e["id"]: e for e in doc["entries"]}
    assert "e09" not in by_id  # the deleted entry is not exported
    assert doc["blocks"][by_id["e01"]["block"]]["name"] == "De diepte in"
    assert (
        by_id["e06"]["revisions"] == 1
        and by_id["e06"]["history"][0]["text"] == "Licht je beweegredenen toe"
    )
    advice = by_id["e10"]
    assert (
        advice["kind"] == "advice"
        and advice["level"] == "overarching"
        and advice["links"] == ["e03"]
    )
    assert by_id["e16"]["kind"] == "validation" and by_id["e16"]["block"] is None
    for r in doc["remarks"]:
        assert set(r) == {"slot", "text", "hidden"}  # no id, no time, nothing about the sender
    assert doc["participants"]["gender"] == {"female": 11, "male": 8, "nonbinary": 1}


def test_remarks_order_does_not_follow_arrival(store, other, tmp_path):
    sid = build_sample(store)
    for text in ("zzz laatste", "aaa eerste"):
        store.remarks.add(sid, "Pauze 2", text)
    doc = json.loads(export_session(store, sid, "json", now=NOW))
    pauze2 = [r["text"] for r in doc["remarks"] if r["slot"] == "Pauze 2"]
    assert pauze2 == ["aaa eerste", "zzz laatste"]


def test_import_refuses_a_session_already_there(store, tmp_path):
    sid = build_sample(store)
    path = tmp_path / "x.json"
    path.write_text(export_session(store, sid, "json", now=NOW), encoding="utf-8")
    with pytest.raises(StoreError, match="already in this database"):
        import_file(store, path)


def test_import_is_all_or_nothing(store, other, tmp_path):
    """An entry id that exists elsewhere stops the import before anything is written."""
    sid = build_sample(store)
    doc = json.loads(export_session(store, sid, "json", now=NOW))
    other_sid = other.sessions.create(
        store.sessions.get(sid).programme, "Zwolle", "2026-03-02", now=NOW
    )
    other.entries.add(other_sid, "story", {"text": "x"}, entry_id="e05", now=NOW)
    with pytest.raises(StoreError, match="e05"):
        other.transfer.import_session(from_doc(doc))
    assert [s.id for s in other.sessions.list()] == [other_sid]
    assert other.clock.events(sid) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(format_version=99), "newer facilitator"),
        (lambda d: d.pop("session"), "missing 'session'"),
        (lambda d: d["entries"][0].update(kind="poem"), "unknown kind 'poem'"),
        (lambda d: d["entries"][0].update(block=99), "entries[0].block"),
        (lambda d: d["entries"][0].update(created_at="gisteren"), "ISO-8601"),
        (lambda d: d["blocks"][0].update(kind="party"), "blocks[0].kind"),
        (lambda d: d["clock_events"][0].update(kind="explode"), "unknown clock action"),
        (lambda d: d["session"].update(state="paused"), "session.state"),
        (lambda d: d["entries"].append(dict(d["entries"][0])), "used twice"),
        # Clock data the fold would choke on (a traceback at import or at every export later).
        (
            lambda d: d["clock_events"][2]["data"].update(minutes="vijf"),
            "clock_events[2]: an extend",
        ),
        (lambda d: d["clock_events"][2]["data"].update(minutes=None), "clock_events[2]: an extend"),
        (lambda d: d["clock_events"][0]["data"].update(key=["a"]), "clock_events[0]: a start"),
        (
            lambda d: d["clock_events"].insert(
                3,
                {
                    "at": d["clock_events"][3]["at"],
                    "kind": "rebalance",
                    "data": {"minutes": [1, 2]},
                },
            ),
            "clock_events[3]: a rebalance",
        ),  # fmt: skip
        (
            lambda d: d["clock_events"].insert(
                3,
                {
                    "at": d["clock_events"][3]["at"],
                    "kind": "decline_rebalance",
                    "data": {"late": "x"},
                },
            ),
            "clock_events[3]: a declined rebalance",
        ),  # fmt: skip
        (
            lambda d: d["clock_events"].insert(
                3,
                {
                    "at": d["clock_events"][3]["at"],
                    "kind": "extra_break",
                    "data": {"key": "x9", "minutes": 10**20},
                },
            ),
            "clock_events[3]: the minutes of an extra break",
        ),  # fmt: skip
        # Numbers past datetime's or SQLite's range.
        (lambda d: d["blocks"][0].update(minutes=10**20), "blocks[0].minutes"),
        (lambda d: d["session"].update(expected_participants=10**20), "expected_participants"),
        (lambda d: d["entries"][0].update(revisions=10**20), "entries[0].revisions"),
    ],
)
def test_import_names_what_is_wrong(store, change, message):
    sid = build_sample(store)
    doc = json.loads(export_session(store, sid, "json", now=NOW))
    change(doc)
    with pytest.raises(DocError, match=re.escape(message)):
        from_doc(doc)


def test_import_checks_fields_and_profile_in_the_store(store, other):
    sid = build_sample(store)
    doc = json.loads(export_session(store, sid, "json", now=NOW))
    doc["entries"][0]["text"] = ""  # a story needs its text: said with its place
    with pytest.raises(DocError, match=re.escape("entries[0].text: a story needs a text")):
        from_doc(doc)
    doc = json.loads(export_session(store, sid, "json", now=NOW))
    data = from_doc(doc)
    data.entries[0].text = ""  # the store checks again, and says where too
    with pytest.raises(StoreError, match=re.escape("entries[0].text: a story needs a text")):
        other.transfer.import_session(data)
    doc = json.loads(export_session(store, sid, "json", now=NOW))
    doc["participants"]["age"]["18-30"] = -1
    with pytest.raises(StoreError, match="0 or more"):
        other.transfer.import_session(from_doc(doc))


def test_huge_counts_are_refused_in_the_store(store, other):
    sid = build_sample(store)
    doc = json.loads(export_session(store, sid, "json", now=NOW))
    doc["participants"]["age"]["18-30"] = 10**20  # past SQLite's integers: was an OverflowError
    with pytest.raises(StoreError, match="at most"):
        other.transfer.import_session(from_doc(doc))
    assert other.sessions.list() == []


def test_not_json_is_a_clear_error():
    with pytest.raises(DocError, match="not valid JSON"):
        loads("{nope")
    with pytest.raises(DocError, match="expected a JSON object"):
        loads("[]")
    with pytest.raises(DocError, match="nested far too deeply"):  # was a RecursionError
        loads("[" * 100_000 + "]" * 100_000)
    with pytest.raises(DocError, match=re.escape("lone surrogate \\ud800")):  # SQLite refuses it
        loads('{"format_version": 1, "x": "a\\ud800b"}')


def test_an_export_without_clock_events_still_has_its_times(store, other):
    """A JSON made by another tool (block times, no clock events) imports with its times."""
    sid = build_sample(store)
    doc = json.loads(export_session(store, sid, "json", now=NOW))
    del doc["clock_events"]
    other.transfer.import_session(from_doc(doc))
    again = json.loads(export_session(other, sid, "json", now=NOW))
    planned = [b for b in doc["blocks"] if not b["inserted"]]
    assert [(b["name"], b["started_at"]) for b in again["blocks"]] == [
        (b["name"], b["started_at"]) for b in planned
    ]
    assert again["session"]["state"] == "closed"
    assert [e.kind for e in other.clock.events(sid)][-1] == ck.CLOSE


def test_planned_session_roundtrips(store, other, session_id, tmp_path):
    """A session nobody started yet: no times, no entries."""
    first, second = roundtrip(store, other, session_id, tmp_path)
    assert first == second
    doc = json.loads(first)
    assert doc["session"]["state"] == "planned"
    assert all(b["started_at"] is None for b in doc["blocks"]) and doc["entries"] == []


def test_import_keeps_no_terminal_controls_and_checks_history(store, other):
    """Texts the TUI and the CLI print come in clean; ids that would be printed raw are refused."""
    sid = build_sample(store)
    doc = json.loads(export_session(store, sid, "json", now=NOW))
    doc["session"]["theme"] = "Thema\x1b[2J\x1b]0;pwned\x07"
    doc["blocks"][1]["name"] = "Fase\x9b31m"
    doc["blocks"][1]["prompts"] = ["Vraag\x1b[5m"]
    other.transfer.import_session(from_doc(doc))
    info = other.sessions.get(sid)
    assert info.programme.theme == "Thema[2J]0;pwned"
    assert info.programme.blocks[1].name == "Fase31m"
    assert info.programme.blocks[1].prompts == ("Vraag[5m",)
    for change, message in [
        (lambda d: d["session"].update(id="x\x1b[2J"), "session.id"),
        (lambda d: d["entries"][0].update(id="e\n99"), "entries[0].id"),
        (lambda d: d["remarks"][0].update(hidden="nee"), "remarks[0].hidden"),
        # The history view shows earlier versions: they are checked like the entry.
        (lambda d: d["entries"][5]["history"][0].update(text=["x"]), "history[0].text"),
        (lambda d: d["entries"][5]["history"][0].update(updated_at="x"), "history[0].updated_at"),
    ]:
        doc = json.loads(export_session(store, sid, "json", now=NOW))
        change(doc)
        with pytest.raises(DocError, match=re.escape(message)):
            from_doc(doc)


def test_programme_texts_lose_terminal_controls():
    from facilitator.core.programme import parse_programme
    from tests.test_programme import GOOD

    prog = parse_programme(GOOD.replace('theme = "', 'theme = "\\u001b[31m', 1), "x.toml", "x")
    assert prog.valid and "\x1b" not in prog.theme


def test_import_stores_times_in_utc_so_they_sort(store, other):
    """A file from another tool may write times with an offset; the log sorts them as text."""
    sid = build_sample(store)
    doc = json.loads(export_session(store, sid, "json", now=NOW))
    first, second = doc["entries"][0], doc["entries"][1]  # captured at 09:30 and 09:41 UTC
    first["created_at"] = first["updated_at"] = "2026-03-01T10:30:00+01:00"
    second["created_at"] = second["updated_at"] = "2026-03-01T09:41:00Z"
    other.transfer.import_session(from_doc(doc))
    got = {e.id: e.created_at for e in other.entries.list(sid)}
    assert got[first["id"]] == "2026-03-01T09:30:00.000+00:00"
    assert got[second["id"]] == "2026-03-01T09:41:00.000+00:00"
    newest_first = [e.id for e in other.entries.list(sid) if e.id in (first["id"], second["id"])]
    assert newest_first == [second["id"], first["id"]]


def test_a_phase_a_break_interrupted_survives_the_round_trip_and_reads_well(
    store, other, programme, tmp_path
):
    t0 = at(0)
    sid = store.sessions.create(programme, "Tiel", "2026-03-01", now=t0)

    def ev(minutes, kind, **data):
        store.clock.add(sid, kind, at(minutes), data)

    ev(0, ck.START, key="welkom")
    ev(20, ck.START, key="fase1")
    ev(50, ck.START, key="pauze1", interrupt=True)  # b: the phase goes on after the break
    ev(65, ck.START, key="fase1")
    ev(95, ck.START, key="fase2")
    first, second = roundtrip(store, other, sid, tmp_path)
    assert second == first
    doc = json.loads(first)
    fase1 = next(b for b in doc["blocks"] if b["name"] == "De diepte in")
    # The contract's one start and one end: the first stretch's start, the last one's end.
    assert (fase1["started_at"], fase1["ended_at"]) == (iso(at(20)), iso(at(95)))
    md = export_session(other, sid, "md", now=at(100))
    assert "Verder: De diepte in" in md
    assert "· 60 min" in md  # 30 before the break and 30 after it
    html = export_session(other, sid, "html", now=at(100))
    assert html.count("De diepte in: werkelijk 60 min") == 2  # one bar per stretch
