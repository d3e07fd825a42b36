"""Issue 11: the series report as the report's skeleton (a chapter per theme), the entries'
new fields in every format, the series spreadsheet, hidden remarks counted, DOCX for Word and
paper, times on the session's own clock."""

from __future__ import annotations

import base64
import csv
import io
import zipfile

import docx
import pytest
from docx.oxml.ns import qn

from facilitator.core import clock as ck
from facilitator.core.programme import find, shipped_dir
from facilitator.export import export_series, export_session
from tests.golden.sample_session import at, build_sample
from tests.test_export_golden import NOW, check_golden, docx_outline

# A 1x1 PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
ARABIC = "نحن نحتاج إلى مكان للقاء"


def build_series_sample(store, tmp_path) -> list[str]:
    """The sample session plus two more: Den Bosch (same theme) and Amersfoort (Verbindende
    plekken, with prototypes, photos, a hidden remark and validation feedback)."""
    utrecht = build_sample(store)
    spel = find("spelregels", [shipped_dir()])
    plek = find("verbindende-plekken", [shipped_dir()])
    bosch = store.sessions.create(
        spel, "Den Bosch", "2026-04-12", expected_participants=14, now=at(60 * 24 * 40)
    )
    ev = store.clock.add
    t0 = at(60 * 24 * 42)
    ev(bosch, ck.START, t0, {"key": "fase1"})
    story = store.entries.add(
        bosch,
        "story",
        {"text": "Op de markt hielp een omstander mij.", "sub_question": spel.sub_questions[1]},
        author="GH",
        block_key="fase1",
        tags=["omstanders"],
        now=t0,
        entry_id="b01",
    )
    store.entries.add(
        bosch,
        "quote",
        {
            "text": "Zij zei gewoon: stop.",
            "speaker": "deelnemer",
            "sub_question": spel.sub_questions[1],
        },
        author="GH",
        block_key="fase1",
        now=t0,
        entry_id="b02",
    )
    store.entries.add(
        bosch,
        "rule",
        {"text": "Spreek een omstander aan."},
        links=[story.id],
        author="GH",
        block_key="fase1",
        now=t0,
        entry_id="b03",
    )
    store.entries.add(
        bosch,
        "advice",
        {"text": "Train omstanders in de wijk.", "level": "local"},
        links=["b02"],
        author="GH",
        now=t0,
        entry_id="b04",
    )
    photo = tmp_path / "bankje.png"
    photo.write_bytes(PNG)
    amers = store.sessions.create(plek, "Amersfoort", "2026-05-20", now=at(60 * 24 * 70))
    t1 = at(60 * 24 * 80)
    ev(amers, ck.START, t1, {"key": "fase3"})
    store.entries.add(
        amers,
        "prototype",
        {
            "title": "De huiskamer",
            "text": "Koffie, een leestafel en een stille hoek.",
            "building_blocks": [
                "Een plek met meerdere functies en sociale ingangen",
                "Activiteiten als motor voor verbinding",
            ],
            "photo": str(photo),
        },
        author="IJ",
        block_key="fase3",
        now=t1,
        entry_id="p01",
    )
    store.entries.add(
        amers,
        "prototype",
        {
            "title": "Het buurtplein",
            "text": "Bankjes en een jeu-de-boulesbaan.",
            "building_blocks": ["Activiteiten als motor voor verbinding"],
            "photo": "fotos/niet-hier.jpg",
        },
        author="IJ",
        block_key="fase3",
        now=t1,
        entry_id="p02",
    )
    store.entries.add(
        amers,
        "insight",
        {
            "title": "Ontmoeten vraagt een reden",
            "text": "Mensen komen voor een activiteit en blijven voor elkaar.",
            "sub_question": plek.sub_questions[0],
        },
        author="IJ",
        now=t1,
        entry_id="p03",
    )
    store.entries.add(
        amers, "validation", {"text": "Klopt, maar mis de jongeren."}, now=t1, entry_id="p04"
    )
    store.remarks.add(amers, "Pauze 1", ARABIC)
    hidden = store.remarks.add(amers, "Pauze 1", "Verborgen tekst die nergens mag staan.")
    store.remarks.set_hidden(amers, hidden, True)
    return [utrecht, bosch, amers]


@pytest.fixture
def series(store, tmp_path):
    return build_series_sample(store, tmp_path)


def test_series_layout_golden(store, series, tmp_path):
    md = export_series(store, "all", "md", now=NOW)
    from facilitator.export.markdown import escape

    check_golden("series_themes.md", md.replace(escape(str(tmp_path)), "TMP"))


def test_a_chapter_per_theme_with_what_the_issue_lists(store, series):
    md = export_series(store, "all", "md", now=NOW)
    # Two theme chapters, numbered, with their sessions and the total.
    assert "## 1\\. Spelregels voor de samenleving" in md
    assert "## 2\\. Verbindende plekken" in md
    assert "### Overzicht opzet burgerbijeenkomst 1 en 2" in md
    assert "De consultaties vonden plaats in Utrecht en Den Bosch met in totaal 34 deelnemers" in md
    assert "### Overzicht opzet burgerbijeenkomst 3" in md
    # Grouped by sub-question; a rule with the story it came from; prototypes by building block.
    assert "**Subvraag:** Welke opties hadden de personen" in md
    assert (
        "Spreek een omstander aan. *Uit het verhaal:* “Op de markt hielp een omstander mij.”" in md
    )
    assert "**Activiteiten als motor voor verbinding** (2 prototypes)" in md
    assert "**Een plek met meerdere functies en sociale ingangen** (1 prototype)" in md
    # A recommendations table per theme, with place and date.
    assert md.count("| Niveau | Aanbevelingen vanuit burgers | Illustrerende citaten |") == 1
    assert "Train omstanders in de wijk.<br>*Den Bosch, 12 april 2026*" in md
    # The validation round in the set-up chapter; the hidden remark counted, never shown.
    setup = md.split("## 1\\.")[0]
    assert "### Online validatiesessies" in setup and "Klopt, maar mis de jongeren." in setup
    assert "1 opmerking is verborgen" in md
    assert "Verborgen tekst" not in md
    # Then the rode draden and appendix 2.
    assert md.index("## Rode draden") > md.index("## 2\\. Verbindende plekken")
    assert md.index("## Bijlage 2") > md.index("## Rode draden")


def test_hidden_remarks_counted_for_the_team_not_for_participants(store, series):
    amers = series[2]
    team = export_session(store, amers, "md", now=NOW)
    assert "1 opmerking is verborgen" in team and "Verborgen tekst" not in team
    for fmt in ("md", "html"):
        concept = export_session(store, amers, fmt, now=NOW, audience="participants")
        assert "verborgen" not in concept.lower()


def test_photos_embedded_when_there_and_a_note_when_not(store, series, tmp_path):
    html = export_series(store, "all", "html", now=NOW)
    assert "data:image/png;base64," + base64.b64encode(PNG).decode() in html
    assert "Foto niet gevonden: fotos/niet-hier.jpg" in html
    md = export_series(store, "all", "md", now=NOW)
    assert f"*Foto: {tmp_path}/bankje.png*".replace("_", "\\_") in md or "Foto: " in md
    assert "Foto niet gevonden: fotos/niet-hier.jpg" in md
    document = docx.Document(io.BytesIO(export_series(store, "all", "docx", now=NOW)))
    assert len(document.inline_shapes) == 1
    assert any("Foto niet gevonden: fotos/niet-hier.jpg" in p.text for p in document.paragraphs)


def test_series_csv_is_one_table_with_where_and_when(store, series):
    text = export_series(store, "all", "csv", now=NOW)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text[1:])))
    assert {r["place"] for r in rows} == {"Utrecht", "Den Bosch", "Amersfoort"}
    assert all(r["theme"] and r["date"] for r in rows)
    remarks = [r for r in rows if r["kind"] == "remark"]
    assert {(r["place"], r["block_name"], r["text"]) for r in remarks} >= {
        ("Amersfoort", "Pauze 1", ARABIC),
        ("Utrecht", "Pauze 1", "Op mijn werk word ik anders behandeld."),
    }
    assert "Verborgen tekst" not in text and "Dit hoort niet in het verslag" not in text
    assert {r["id"] for r in rows if r["place"] == "Den Bosch"} == {"b01", "b02", "b03", "b04"}
    one = export_series(store, "verbindende-plekken", "csv", now=NOW, delimiter=";")
    assert {r["place"] for r in csv.DictReader(io.StringIO(one[1:]), delimiter=";")} == {
        "Amersfoort"
    }


def test_series_csv_keeps_the_formula_guard(store, clock, programme):
    sid = store.sessions.create(programme, "=cmd|' /C calc'!A0", "2026-03-01", now=clock())
    store.entries.add(sid, "quote", {"text": "@SUM(1)", "sub_question": "+1"}, now=clock())
    store.remarks.add(sid, "-slot", "=HYPERLINK(1)")
    rows = list(csv.reader(io.StringIO(export_series(store, "all", "csv", now=NOW)[1:])))
    cells = [c for row in rows[1:] for c in row if c]
    assert "'=cmd|' /C calc'!A0" in cells and "'@SUM(1)" in cells and "'+1" in cells
    assert "'=HYPERLINK(1)" in cells and "'-slot" in cells


def test_docx_reads_right_in_word_and_on_paper(store, series):
    data = export_series(store, "all", "docx", now=NOW)
    document = docx.Document(io.BytesIO(data))
    # Right-to-left: the Arabic remark's paragraph and its run.
    arabic = [p for p in document.paragraphs if ARABIC in p.text]
    assert arabic
    for p in arabic:
        assert p._p.pPr.find(qn("w:bidi")) is not None
        run = next(r for r in p.runs if ARABIC in r.text)
        assert run._r.rPr.find(qn("w:rtl")) is not None
    dutch = next(
        p
        for p in document.paragraphs
        if p.text.startswith("Train omstanders") or "Spreek" in p.text
    )
    assert dutch._p.pPr is None or dutch._p.pPr.find(qn("w:bidi")) is None
    # Every chapter on a new page.
    chapters = [p for p in document.paragraphs if p.style.name == "Heading 1"]
    assert len(chapters) >= 5 and all(p.paragraph_format.page_break_before for p in chapters)
    # Page numbers in the footer, a table of contents field, Word updates fields on opening.
    footer = document.sections[0].footer._element
    assert any(" PAGE " in (t.text or "") for t in footer.iter(qn("w:instrText")))
    body = document.element.body
    assert any((t.text or "").strip().startswith("TOC ") for t in body.iter(qn("w:instrText")))
    assert document.settings.element.find(qn("w:updateFields")) is not None
    # Real document properties: the title, created when exported (not the template's 2013).
    props = document.core_properties
    assert props.title == "Burgerconsultaties"
    # The export's moment (never before the last clock event of the sessions in it).
    assert props.created.year == 2026 and props.created.replace(tzinfo=None) >= NOW.replace(
        tzinfo=None
    )
    assert props.modified == props.created
    assert props.last_printed is None
    assert props.revision == 1
    assert "[Heading 1] 1. Spelregels voor de samenleving" in docx_outline(data)


def test_html_prints_chapters_on_new_pages(store, series):
    html = export_series(store, "all", "html", now=NOW)
    assert (
        "main > h2:not(:first-of-type) { break-before: page; page-break-before: always; }" in html
    )
    assert f'dir="auto">{ARABIC}' in html


def test_times_on_the_sessions_own_clock(store, programme, clock, monkeypatch):
    tokyo = store.sessions.create(
        programme, "Tokio", "2026-03-01", now=clock(), timezone="Asia/Tokyo"
    )
    ams = store.sessions.create(programme, "Utrecht", "2026-07-01", now=clock())
    store.clock.add(tokyo, ck.START, at(0), {"key": "welkom"})
    store.clock.add(ams, ck.START, at(60 * 24 * 122), {"key": "welkom"})  # summer time
    # 09:00 UTC is 18:00 in Tokyo.
    assert "| 18:00 | Start: Welkom en kennismaking |" in export_session(
        store, tokyo, "md", now=at(60)
    )
    summer = export_session(store, ams, "md", now=at(60 * 24 * 123))
    assert "| 11:00 | Start: Welkom en kennismaking |" in summer
    # The exporting laptop's own zone changes nothing.
    import time

    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    assert export_session(store, ams, "md", now=at(60 * 24 * 123)) == summer


def test_amsterdam_time_without_the_systems_time_zone_data(store, programme, clock, monkeypatch):
    import zoneinfo

    from facilitator.core import timeutil

    def missing(name):
        raise zoneinfo.ZoneInfoNotFoundError(name)

    monkeypatch.setattr(zoneinfo, "ZoneInfo", missing)
    monkeypatch.setattr(timeutil, "_ZONES", {})  # nothing looked up before this test counts
    assert "without tzdata" in repr(timeutil.zone("Europe/Amsterdam"))
    sid = store.sessions.create(programme, "Utrecht", "2026-07-01", now=clock())
    store.clock.add(sid, ck.START, at(60 * 24 * 122), {"key": "welkom"})
    md = export_session(store, sid, "md", now=at(60 * 24 * 123))
    assert "| 11:00 | Start: Welkom en kennismaking |" in md
    with pytest.raises(Exception, match="unknown time zone"):
        store.sessions.create(programme, "X", "2026-07-01", now=clock(), timezone="Mars/Base")


def test_new_fields_round_trip_through_json(store, other_store, series):
    from facilitator.export.jsondoc import loads

    for sid in series:
        text = export_session(store, sid, "json", now=NOW)
        other_store.transfer.import_session(loads(text))
        assert export_session(other_store, sid, "json", now=NOW) == text


@pytest.fixture
def other_store(tmp_path):
    from facilitator.store import Store

    s = Store.open(tmp_path / "other.db")
    yield s
    s.close()


def test_qdpx_of_the_series_is_valid(store, series):
    from tests.test_export_qdpx import check_qdpx

    data = export_series(store, "all", "qdpx", now=NOW)
    check_qdpx(data)
    assert "project.qde" in zipfile.ZipFile(io.BytesIO(data)).namelist()


HOSTILE = "<script>alert(1)</script> [x](javascript:1) # kop\n| a | b |\n=cmd\u202e"


def test_hostile_text_in_every_new_field_stays_text(store, clock, programme, tmp_path):
    sid = store.sessions.create(programme, "Utrecht", "2026-03-01", now=clock())
    quote = store.entries.add(
        sid, "quote", {"text": "citaat", "sub_question": HOSTILE}, author="AB", now=clock()
    )
    story = store.entries.add(sid, "story", {"text": HOSTILE, "sub_question": HOSTILE}, now=clock())
    store.entries.add(
        sid,
        "insight",
        {"title": HOSTILE, "text": HOSTILE, "sub_question": HOSTILE},
        links=[quote.id],
        now=clock(),
    )
    store.entries.add(sid, "rule", {"text": "regel"}, links=[story.id], now=clock())
    store.entries.add(
        sid,
        "prototype",
        {"title": "p", "building_blocks": [HOSTILE], "photo": HOSTILE},
        now=clock(),
    )
    store.entries.add(
        sid, "emblem", {"title": "z", "photo": str(tmp_path / "<img src=x>.png")}, now=clock()
    )
    for fmt in ("md", "html"):
        for content in (
            export_session(store, sid, fmt, now=NOW),
            export_series(store, "all", fmt, now=NOW),
        ):
            assert "<script>" not in content and "<img src=x>" not in content
            assert "\u202e" not in content  # the override is gone (stored cleaned)
    md = export_series(store, "all", "md", now=NOW)
    assert "\\<script\\>" in md and "\\[x\\](javascript:1)" in md
    assert "\n# kop" not in md and "\n| a | b |" not in md
    html = export_series(store, "all", "html", now=NOW)
    assert "&lt;script&gt;" in html and "&lt;img src=x&gt;.png" in html
    document = docx.Document(io.BytesIO(export_series(store, "all", "docx", now=NOW)))
    assert any("<script>alert(1)</script>" in p.text for p in document.paragraphs)
    text = export_series(store, "all", "csv", now=NOW)
    rows = list(csv.DictReader(io.StringIO(text[1:])))
    assert {r["sub_question"] for r in rows if r["kind"] == "quote"} == {
        HOSTILE.replace("\u202e", "")
    }
