"""Typed text is data in every format: no HTML injection, no broken Markdown table, no CSV
formula, no Word markup, and JSON keeps it exactly."""

from __future__ import annotations

import csv
import io
import json
from html.parser import HTMLParser

import pytest

from facilitator.core import clock as ck
from facilitator.core.programme import parse_programme
from facilitator.export import export_series, export_session
from tests.golden.sample_session import at

SCRIPT = '<script>alert("x")</script>'
IMG = '"><img src=x onerror=alert(1)>'
PIPES = "a | b | c"
LINES = "eerste regel\n# geen kop\n- geen lijst\n1. ook geen lijst\n> geen citaat"
FORMULAS = ['=HYPERLINK("http://evil.example","klik")', "+31 6 12345678", "-2+3", "@SUM(A1:A9)"]
MARKDOWN = "[klik](javascript:alert(1)) **vet** _schuin_ `code` ~~weg~~ &lt;b&gt; \\ ![x](y)"
WORD = "<w:p><w:r><w:t>inject</w:t></w:r></w:p> ]]> {MERGEFIELD naam} \ttab"
HOSTILE = [SCRIPT, IMG, PIPES, LINES, *FORMULAS, MARKDOWN, WORD]

PROGRAMME = """
id = "vijandig"
theme = "Thema <b>vet</b> | pijp"
main_question = "Vraag <script>x()</script>?"
sub_questions = ["Sub | vraag\\n# kop", "=1+1"]

[[blocks]]
kind = "phase"
phase = 1
name = "Fase <i>een</i>"
minutes = 60
work_forms = ["<img src=x>"]
[[blocks]]
kind = "break"
name = "Pauze | één"
minutes = 10
[[blocks]]
kind = "phase"
phase = 2
minutes = 60
[[blocks]]
kind = "phase"
phase = 3
minutes = 60
[[blocks]]
kind = "phase"
phase = 4
minutes = 80
"""


@pytest.fixture
def hostile(store) -> str:
    prog = parse_programme(PROGRAMME, "vijandig.toml", "vijandig")
    assert prog.valid, prog.errors
    sid = store.sessions.create(
        prog,
        "Plaats <u>x</u> | y",
        "2026-03-01",
        facilitators=[SCRIPT],
        expected_participants=3,
        now=at(0),
    )
    store.clock.add(sid, ck.START, at(0), {"key": prog.blocks[0].key})
    n = iter(range(1000))
    key = prog.blocks[0].key

    def add(kind, fields, **kw):
        return store.entries.add(
            sid,
            kind,
            fields,
            entry_id=f"h{next(n):03d}",
            author=IMG,
            block_key=key,
            now=at(next(n)),
            **kw,
        )

    quotes = [add("quote", {"text": h, "speaker": h}).id for h in HOSTILE]
    for h in HOSTILE:
        add("story", {"text": h}, tags=[h[:20]])
        add("emblem", {"title": h, "text": h})
        add("rule", {"text": h, "source": h})
        add("prototype", {"title": h, "text": h, "building_blocks": [h]})
        add("insight", {"text": h})
        add("observation", {"text": h})
        add("advice", {"text": h, "level": "local"}, links=quotes)
        store.remarks.add(sid, "Pauze | één", h)
    store.clock.add(sid, ck.START, at(70), {"key": prog.blocks[1].key})
    return sid


NOW = at(600)


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_data(self, data):
        self.text.append(data)


ALLOWED = {
    "html",
    "head",
    "meta",
    "title",
    "style",
    "body",
    "header",
    "main",
    "h1",
    "h2",
    "h3",
    "h4",
    "p",
    "ul",
    "ol",
    "li",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "strong",
    "em",
    "br",
    "figure",
    "figcaption",
    "svg",
    "line",
    "text",
    "rect",
}


def assert_safe_html(page: str) -> str:
    parser = Tags()
    parser.feed(page)
    names = {t for t, _ in parser.tags}
    assert names <= ALLOWED, names - ALLOWED
    for tag, attrs in parser.tags:
        for name, _ in attrs:
            assert not name.startswith("on"), (tag, name)
        assert tag != "a"
    return "".join(parser.text)


@pytest.mark.parametrize("audience", ["team", "participants"])
def test_html_shows_typed_text_and_runs_none_of_it(store, hostile, audience):
    page = export_session(store, hostile, "html", now=NOW, audience=audience)
    text = assert_safe_html(page)
    for h in (SCRIPT, IMG, PIPES, MARKDOWN):
        assert h in text  # shown, as text
    assert "Thema <b>vet</b> | pijp" in text and "Fase <i>een</i>" in text


def test_series_html_is_safe(store, hostile):
    text = assert_safe_html(export_series(store, "all", "html", now=NOW))
    assert SCRIPT in text


def _markdown_html(md: str) -> str:
    from markdown_it import MarkdownIt

    return (
        MarkdownIt("commonmark", {"html": True}).enable("table").enable("strikethrough").render(md)
    )


def test_markdown_tables_and_blocks_survive_hostile_text(store, hostile):
    md = export_session(store, hostile, "md", now=NOW)
    html = _markdown_html(md)
    # Rendered by a real Markdown parser with raw HTML allowed, nothing typed becomes markup.
    text = assert_safe_html(f"<html><body>{html}</body></html>")
    for h in (SCRIPT, IMG, "[klik](javascript:alert(1)) **vet** _schuin_ `code` ~~weg~~"):
        assert h in text
    assert "&lt;b&gt;" in text  # an entity typed stays the characters typed
    # Every row of the recommendations table still has its three cells.
    start = html.index("<th>Niveau</th>")
    table = html[start : html.index("</table>", start)]
    rows = table.split("<tr>")[1:]
    assert len(rows) == len(HOSTILE)
    for row in rows:
        assert row.count("<td") == 3, row
    # ... and each advice is whole in its cell, pipes and all.
    cells = Tags()
    cells.feed(table)
    table_text = "".join(cells.text)
    for h in (PIPES, SCRIPT, IMG, *FORMULAS):
        assert h in table_text, h
    assert "eerste regel# geen kop- geen lijst1. ook geen lijst> geen citaat" in table_text
    # The typed lines that look like blocks stay inside their list item.
    assert "<h1>geen kop" not in html and "<h2>geen kop" not in html
    assert "<blockquote>" not in html
    headings = [line for line in md.splitlines() if line.startswith("#")]
    assert not [h for h in headings if "geen kop" in h]


def test_markdown_participant_version_is_safe_too(store, hostile):
    html = _markdown_html(export_session(store, hostile, "md", now=NOW, audience="participants"))
    assert_safe_html(f"<html><body>{html}</body></html>")


def test_csv_neutralises_formulas_and_keeps_cells_whole(store, hostile):
    text = export_session(store, hostile, "csv", now=NOW)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    header, body = rows[0], rows[1:]
    assert len(body) == len(store.entries.list(hostile))
    for row in body:
        assert len(row) == len(header)
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    texts = [row[header.index("text")] for row in body]
    for f in FORMULAS:
        assert "'" + f in texts
    assert LINES in texts  # the newlines stay inside one cell
    assert PIPES in texts


def test_docx_holds_typed_text_as_text(store, hostile):
    import docx

    data = export_session(store, hostile, "docx", now=NOW)
    document = docx.Document(io.BytesIO(data))
    body = "\n".join(p.text for p in document.paragraphs)
    cells = "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    for h in (SCRIPT, IMG, WORD.replace("\t", "\t"), MARKDOWN):
        assert h in body or h in cells
    # Typed XML stays text: no paragraph or table appeared from it.
    assert "inject" not in {p.text for p in document.paragraphs}
    assert len(document.tables) == 3  # programme, recommendations, timeline
    assert {p.style.name for p in document.paragraphs} <= {
        "Title",
        "Subtitle",
        "TOC Heading",
        "Heading 1",
        "Heading 2",
        "Heading 3",
        "Normal",
        "List Bullet",
        "List Number",
        "Intense Quote",
    }


def test_docx_drops_what_xml_cannot_hold(store, session_id, clock):
    """Characters XML 1.0 forbids never reach python-docx (it would refuse the document)."""
    from facilitator.export.word import xml_safe

    assert xml_safe("a\x01b\ufffec\uffffd\x0be") == "abcde"
    assert xml_safe("tab\tnewline\n") == "tab\tnewline\n"


def test_json_keeps_typed_text_exactly(store, hostile):
    doc = json.loads(export_session(store, hostile, "json", now=NOW))
    texts = {e.get("text") for e in doc["entries"]}
    for h in HOSTILE:
        assert h in texts
    assert doc["session"]["facilitators"] == [SCRIPT]


def test_markdown_title_subtitle_and_headings_keep_typed_lines_and_hashes(store, clock):
    prog = parse_programme(
        PROGRAMME.replace('name = "Pauze | één"', 'name = "Pauze #"').replace(
            'theme = "Thema <b>vet</b> | pijp"', 'theme = "Thema ##"'
        ),
        "vijandig.toml",
        "vijandig",
    )
    sid = store.sessions.create(prog, "Zwolle\n# Gehackt\n- lijst", "2026-03-01", now=at(0))
    store.clock.add(sid, ck.START, at(0), {"key": prog.blocks[1].key})
    store.remarks.add(sid, "Pauze #", "hoi")
    store.remarks.release(sid)
    md = export_session(store, sid, "md", now=NOW)
    html = _markdown_html(md)
    # The place typed over three lines stays in the subtitle: no heading, no list.
    assert html.count("<h1>") == 1 and "<li>lijst" not in html
    assert "<h1>Gehackt" not in html and "<h2>Gehackt" not in html
    assert "<h1>Verslag burgerconsultatie: Thema ##</h1>" in html  # no closing sequence eaten
    assert "<h3>Pauze #</h3>" in html
