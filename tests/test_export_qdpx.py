"""The REFI-QDA export (.qdpx): valid against the project schema, every selection cut out of its
source is the entry's text, stable GUIDs, and a golden project.qde."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from facilitator.core.programme import find, shipped_dir
from facilitator.export import export_series, export_session
from facilitator.export.jsondoc import loads
from facilitator.export.qdpx import entry_text, guid
from facilitator.store import Store
from tests.golden.sample_session import at, build_sample
from tests.test_export_golden import NOW, check_golden

XSD = Path(__file__).parent / "data" / "refi-qda" / "Project-mrt2019.xsd"
NS = {"q": "urn:QDA-XML:project:1.0"}
_SCHEMA: list[etree.XMLSchema] = []


def schema() -> etree.XMLSchema:
    if not _SCHEMA:
        _SCHEMA.append(etree.XMLSchema(etree.parse(str(XSD))))
    return _SCHEMA[0]


def check_qdpx(data: bytes) -> tuple[etree._Element, dict[str, str]]:
    """Check a .qdpx as a tool would read it: project.qde at the root, valid against the REFI-QDA
    schema, every internal:// path in the zip, every selection inside its source. Returns the
    parsed project and the source texts by source GUID."""
    zf = zipfile.ZipFile(io.BytesIO(data))
    names = zf.namelist()
    assert "project.qde" in names
    root = etree.fromstring(zf.read("project.qde"))
    assert schema().validate(root), schema().error_log
    texts: dict[str, str] = {}
    for el in root.iter(f"{{{NS['q']}}}TextSource", f"{{{NS['q']}}}Note"):
        path = el.get("plainTextPath")
        assert path and path.startswith("internal://")
        name = "sources/" + path.removeprefix("internal://")
        assert name in names
        texts[el.get("guid")] = zf.read(name).decode("utf-8")
    for source in root.iterfind(".//q:Sources/q:TextSource", NS):
        text = texts[source.get("guid")]
        for sel in source.iterfind("q:PlainTextSelection", NS):
            start, end = int(sel.get("startPosition")), int(sel.get("endPosition"))
            assert 0 <= start <= end <= len(text)
    # Every reference points at something declared.
    declared = {el.get("guid") for el in root.iter() if el.get("guid")}
    for el in root.iter():
        for attr in ("targetGUID", "originGUID", "creatingUser"):
            if el.get(attr):
                assert el.get(attr) in declared, (el.tag, attr)
    return root, texts


def selections(root: etree._Element, texts: dict[str, str]) -> dict[str, str]:
    """Each selection's GUID with the text it covers, cut out of its source."""
    out = {}
    for source in root.iterfind(".//q:Sources/q:TextSource", NS):
        text = texts[source.get("guid")]
        for sel in source.iterfind("q:PlainTextSelection", NS):
            out[sel.get("guid")] = text[int(sel.get("startPosition")) : int(sel.get("endPosition"))]
    return out


@pytest.fixture
def sample(store) -> str:
    return build_sample(store)


@pytest.fixture
def other(tmp_path):
    s = Store.open(tmp_path / "other.db")
    yield s
    s.close()


def test_project_qde_golden(store, sample):
    data = export_session(store, sample, "qdpx", now=NOW)
    root, _ = check_qdpx(data)
    qde = zipfile.ZipFile(io.BytesIO(data)).read("project.qde").decode("utf-8")
    check_golden("session.qde", qde)


def test_every_selection_is_exactly_its_entry(store, sample):
    data = export_session(store, sample, "qdpx", now=NOW)
    root, texts = check_qdpx(data)
    cut = selections(root, texts)
    entries = store.entries.list(sample, newest_first=False)
    assert entries
    for e in entries:
        assert cut[guid("selection", sample, e.id)] == entry_text(e)
    # The visible remarks are their own source: no user, no time; the hidden one is not there.
    remarks = root.find(".//q:TextSource[@guid='{}']".format(guid("source", sample, "remarks")), NS)
    assert remarks is not None
    assert remarks.get("creatingUser") is None and remarks.get("creationDateTime") is None
    for sel in remarks.iterfind("q:PlainTextSelection", NS):
        assert sel.get("creatingUser") is None and sel.get("creationDateTime") is None
    shown = {cut[sel.get("guid")] for sel in remarks.iterfind("q:PlainTextSelection", NS)}
    assert shown == {
        "Op mijn werk word ik anders behandeld.",
        "Ik durfde het in de groep niet te zeggen.",
    }
    assert b"Dit hoort niet in het verslag" not in b"".join(
        zipfile.ZipFile(io.BytesIO(data)).read(n)
        for n in zipfile.ZipFile(io.BytesIO(data)).namelist()
    )


def test_codes_users_cases_links_and_notes(store, sample):
    root, _ = check_qdpx(export_session(store, sample, "qdpx", now=NOW))
    users = {u.get("name") for u in root.iterfind(".//q:User", NS)}
    assert users == {"AB", "CD"}
    codes = {c.get("name") for c in root.iterfind(".//q:Code", NS)}
    assert {"Citaat", "Fase 1: De diepte in", "Overkoepelend", "#omstanders"} <= codes
    assert "Activiteiten als motor voor verbinding" in codes
    case = root.find(".//q:Case", NS)
    values = {
        root.find(
            ".//q:Variable[@guid='{}']".format(v.find("q:VariableRef", NS).get("targetGUID")), NS
        ).get("name"): v[1].text
        for v in case.iterfind("q:VariableValue", NS)
    }
    assert values["Plaats"] == "Utrecht" and values["Datum"] == "2026-03-01"
    assert values["Deelnemers"] == "20" and values["Thema"] == "Spelregels voor de samenleving"
    # Advice -> quote, insight -> quote, rule -> story.
    links = {
        (lk.get("name"), lk.get("originGUID"), lk.get("targetGUID"))
        for lk in root.iterfind(".//q:Link", NS)
    }
    rule = next(e for e in store.entries.list(sample) if e.kind == "rule" and e.links)
    assert (
        "komt uit het verhaal",
        guid("selection", sample, rule.id),
        guid("selection", sample, rule.links[0]),
    ) in links
    assert any(name == "geïllustreerd door" for name, _, _ in links)
    assert any(name == "onderbouwd door" for name, _, _ in links)
    # The zinnebeeld's photo path is the selection's memo.
    emblem = root.find(
        ".//q:PlainTextSelection[@guid='{}']".format(guid("selection", sample, "e02")), NS
    )
    assert emblem.find("q:Description", NS).text == "Foto: fotos/de-brug.jpg"
    # An observation is a note too, referenced from the session's log.
    notes = root.findall(".//q:Notes/q:Note", NS)
    assert len(notes) == 1 and notes[0].get("creationDateTime")


def test_guids_are_stable_across_exports_and_laptops(store, other, sample):
    first = export_session(store, sample, "qdpx", now=NOW)
    again = export_session(store, sample, "qdpx", now=NOW)
    assert first == again
    # The same session on another laptop (through its JSON export) gives the same project.
    other.transfer.import_session(loads(export_session(store, sample, "json", now=NOW)))
    elsewhere = export_session(other, sample, "qdpx", now=NOW)
    a = zipfile.ZipFile(io.BytesIO(first)).read("project.qde")
    b = zipfile.ZipFile(io.BytesIO(elsewhere)).read("project.qde")
    assert a == b


def test_series_qdpx_holds_every_session(store, sample, clock):
    prog = find("wederkerigheid", [shipped_dir()])
    gron = store.sessions.create(prog, "Groningen", "2026-04-15", now=clock())
    store.entries.add(
        gron, "quote", {"text": "Geven en nemen", "speaker": ""}, author="EF", now=clock()
    )
    store.remarks.add(gron, "Pauze 1", "Niemand groet hier.")
    data = export_series(store, "all", "qdpx", now=NOW)
    root, texts = check_qdpx(data)
    cases = {c.get("name") for c in root.iterfind(".//q:Case", NS)}
    assert cases == {"Utrecht, 2026-03-01", "Groningen, 2026-04-15"}
    assert "Geven en nemen" in selections(root, texts).values()
    assert {u.get("name") for u in root.iterfind(".//q:User", NS)} == {"AB", "CD", "EF"}
    one = export_series(store, "wederkerigheid", "qdpx", now=NOW)
    root, _ = check_qdpx(one)
    assert root.get("name") == "Burgerconsultaties: Wederkerigheid"


HOSTILE = (
    '</PlainTextSelection><Code guid="x"/>& "quotes" \'apos\' <b>',
    '=HYPERLINK("http://x")',
    "مرحبا بالعالم\nسطر ثان",
    "emoji 👩🏽‍🚀 and combining é and \ufeff bom",
    "]]><!-- -->\ufffe\uffff",
    "\t tab and trailing space ",
)


def test_hostile_text_in_every_new_field_stays_valid_and_exact(store, clock):
    prog = find("spelregels", [shipped_dir()])
    sid = store.sessions.create(prog, HOSTILE[2].split("\n")[0], "2026-03-01", now=clock())
    quote = store.entries.add(
        sid,
        "quote",
        {"text": HOSTILE[0], "speaker": HOSTILE[1], "sub_question": HOSTILE[4]},
        author="<x>",
        tags=[HOSTILE[0]],
        now=clock(),
    )
    story = store.entries.add(
        sid, "story", {"text": HOSTILE[3], "sub_question": prog.sub_questions[0]}, now=clock()
    )
    store.entries.add(
        sid,
        "insight",
        {"title": HOSTILE[0], "text": HOSTILE[2], "sub_question": HOSTILE[5]},
        links=[quote.id],
        now=clock(),
    )
    store.entries.add(sid, "rule", {"text": HOSTILE[1]}, links=[story.id], now=clock())
    store.entries.add(
        sid,
        "prototype",
        {
            "title": HOSTILE[4],
            "text": HOSTILE[5],
            "photo": HOSTILE[0],
            "building_blocks": [HOSTILE[0]],
        },
        now=clock(),
    )
    store.entries.add(sid, "emblem", {"title": HOSTILE[2], "photo": HOSTILE[4]}, now=clock())
    store.entries.add(sid, "observation", {"text": HOSTILE[0]}, author="AB", now=clock())
    store.remarks.add(sid, HOSTILE[0], HOSTILE[4])
    for data in (
        export_session(store, sid, "qdpx", now=NOW),
        export_series(store, "all", "qdpx", now=NOW),
    ):
        root, texts = check_qdpx(data)
        cut = selections(root, texts)
        for e in store.entries.list(sid):
            assert cut[guid("selection", sid, e.id)] == entry_text(e)
    # The JSON export carries the new fields and comes back the same.
    doc = export_session(store, sid, "json", now=NOW)
    assert json.loads(doc)["entries"][2]["title"] == HOSTILE[0].strip()


def test_qdpx_has_no_participant_version(store, sample):
    from facilitator.export import ExportError

    with pytest.raises(ExportError):
        export_session(store, sample, "qdpx", now=at(0), audience="participants")


def test_every_code_name_is_used_once(store, sample, clock):
    """QualCoder keeps one code per name: a tag or slot named like a level stays apart."""
    sid = store.sessions.create(
        find("spelregels", [shipped_dir()]), "Venlo", "2026-05-01", now=clock()
    )
    store.entries.add(sid, "quote", {"text": "x"}, tags=["Lokaal"], now=clock())
    store.remarks.add(sid, "Lokaal", "y")
    store.remarks.add(sid, "Citaat", "z")
    root, _ = check_qdpx(export_series(store, "all", "qdpx", now=NOW))
    names = [c.get("name") for c in root.iterfind(".//q:Code", NS) if c.get("isCodable") == "true"]
    assert len(names) == len(set(names))
    assert "Lokaal (Anonieme opmerkingen)" in names and "Citaat (Anonieme opmerkingen)" in names
