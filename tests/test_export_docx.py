"""The Word draft, re-read with python-docx: real headings, a real recommendations table with the
level cells merged per group, numbered lists that start at 1, A4 and Dutch."""

from __future__ import annotations

import io

import docx
import pytest
from docx.oxml.ns import qn

from facilitator.core.participants import CHARACTERISTICS
from facilitator.export import export_series, export_session
from tests.golden.sample_session import at, build_sample

NOW = at(60 * 24 * 8)


@pytest.fixture
def sample(store):
    return build_sample(store)


def read(data: bytes) -> docx.document.Document:
    return docx.Document(io.BytesIO(data))


def find_table(document, header: list[str]):
    for table in document.tables:
        if [c.text for c in table.rows[0].cells] == header:
            return table
    raise AssertionError(f"no table with header {header}")


def test_real_headings_in_the_report_structure(store, sample):
    document = read(export_session(store, sample, "docx", now=NOW))
    headings = [
        (p.style.name, p.text)
        for p in document.paragraphs
        if p.style.name.startswith(("Heading", "Title"))
    ]
    assert headings[0] == ("Title", "Verslag burgerconsultatie: Spelregels voor de samenleving")
    h1 = [text for style, text in headings if style == "Heading 1"]
    assert h1 == [
        "Overzicht opzet burgerbijeenkomst",
        "Opbrengsten per fase",
        "Belangrijkste inzichten en opbrengsten",
        "Wat zijn de spelregels voor samenleven in Nederland?",
        "Aanbevelingen voor beleid en uitvoering",
        "Observaties (intern)",
        "Anonieme opmerkingen",
        "Feedback uit de validatiesessie",
        "Tijdlijn",
    ]
    h2 = [text for style, text in headings if style == "Heading 2"]
    assert h2[:4] == [
        "Fase 1: De diepte in",
        "Fase 2: Betekenis geven en keuzes maken",
        "Fase 3: Werkplaats",
        "Fase 4: Advies aan beleidsmakers",
    ]
    assert {"Verhalen", "Zinnebeelden", "Citaten", "Ontwerpvragen", "Spelregels", "Prototypes"} <= {
        text for style, text in headings if style == "Heading 3"
    }


def test_recommendations_table_is_a_real_grouped_table(store, sample):
    document = read(export_session(store, sample, "docx", now=NOW))
    table = find_table(
        document, ["Niveau", "Aanbevelingen vanuit burgers", "Illustrerende citaten"]
    )
    assert table.style.name == "Table Grid"
    rows = table.rows[1:]
    levels = [r.cells[0].text for r in rows]
    assert levels == ["Overkoepelend", "Landelijk", "Lokaal", "Lokaal"]
    # The two local recommendations share one merged level cell, as in the report.
    assert rows[2].cells[0]._tc is rows[3].cells[0]._tc
    assert rows[0].cells[0]._tc is not rows[1].cells[0]._tc
    assert rows[0].cells[2].text == "“Ik had gewild dat iemand opstond.” (deelnemer, Utrecht)"
    assert rows[0].cells[2].paragraphs[0].runs[0].italic
    # The header row repeats when the table runs over a page.
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None


def test_numbered_lists_each_start_at_one(store, sample):
    """Two numbered lists (insights of two themes) do not continue each other's numbering."""
    from facilitator.core.programme import find, shipped_dir

    other = find("wederkerigheid", [shipped_dir()])
    sid = store.sessions.create(other, "Groningen", "2026-04-15", now=NOW)
    store.entries.add(sid, "insight", {"text": "Wederkerigheid is geen ruil."}, now=NOW)
    document = read(export_series(store, "all", "docx", now=NOW))
    numbered = [p for p in document.paragraphs if p.style.name == "List Number"]
    num_ids = {p._p.pPr.numPr.numId.val for p in numbered}
    assert len(num_ids) == 3  # Utrecht's insights in two sub-question groups, Groningen's
    numbering = document.part.numbering_part.element
    for num_id in num_ids:
        num = numbering.num_having_numId(num_id)
        assert num.lvlOverride_lst[0].startOverride.val == 1


def test_a4_and_dutch(store, sample):
    document = read(export_session(store, sample, "docx", now=NOW))
    section = document.sections[0]
    assert round(section.page_width.cm, 1) == 21.0 and round(section.page_height.cm, 1) == 29.7
    assert document.core_properties.language == "nl-NL"
    lang = document.styles["Normal"].element.rPr.find(qn("w:lang"))
    assert lang.get(qn("w:val")) == "nl-NL"


def test_series_docx_has_the_participants_table(store, sample):
    document = read(export_series(store, "all", "docx", now=NOW))
    assert any(
        p.style.name == "Heading 1" and p.text == "Bijlage 2: kenmerken deelnemers"
        for p in document.paragraphs
    )
    table = find_table(document, ["Kenmerk", "Categorie", "Totaal aantal respondenten"])
    rows = [[c.text for c in r.cells] for r in table.rows[1:]]
    assert rows[0][2] == "20"
    categories = [r[1] for r in rows[1:]]
    assert categories == [label for c in CHARACTERISTICS.values() for _, label in c.categories]
    assert rows[1] == ["Leeftijd", "Jongeren (18-30)", "5 (25,0%)"]
    assert rows[2][0] == "Leeftijd"  # merged: the same cell as the row above
    assert table.rows[2].cells[0]._tc is table.rows[3].cells[0]._tc


def test_a_long_place_or_theme_fits_the_document_properties(store, programme, clock):
    """Word's title and subject hold 255 characters; a longer place raised a ValueError."""
    sid = store.sessions.create(programme, "Buurthuis " * 40, "2026-03-01", now=clock())
    data = export_session(store, sid, "docx", now=clock())
    document = docx.Document(io.BytesIO(data))
    assert len(document.core_properties.subject) == 255
    assert document.core_properties.subject.startswith("Buurthuis Buurthuis")
    assert document.paragraphs[1].text.count("Buurthuis") == 40  # the page keeps it whole
