"""Golden files: every export format of one fixed sample session (fixed clock, fixed ids).

A change to a writer shows up here as a diff against tests/golden/. After reading the diff and
agreeing with it, regenerate with:
    UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_export_golden.py
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from facilitator.export import export_series, export_session
from tests.golden.sample_session import at, build_sample

GOLDEN = Path(__file__).parent / "golden"
NOW = at(60 * 24 * 8)  # a week after the session: the validation feedback is in


def docx_outline(data: bytes) -> str:
    """A Word file as text: each paragraph with its style, each table row by row (merged cells
    show their text once, then "〃")."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = docx.Document(io.BytesIO(data))
    out = []
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            p = Paragraph(child, document)
            if p.text.strip():
                out.append(f"[{p.style.name}] {p.text}")
        elif tag == "tbl":
            table = Table(child, document)
            out.append(f"<table {table.style.name}>")
            above: list = []
            for row in table.rows:
                cells = row.cells
                texts = [
                    "〃"
                    if i < len(above) and c._tc is above[i]._tc
                    else c.text.replace("\n", " / ")
                    for i, c in enumerate(cells)
                ]
                above = cells
                out.append("| " + " | ".join(texts) + " |")
            out.append("</table>")
    return "\n".join(out) + "\n"


def _text(content: str | bytes, fmt: str) -> str:
    if fmt == "docx":
        assert isinstance(content, bytes)
        return docx_outline(content)
    assert isinstance(content, str)
    return content


CASES = [
    ("session.md", "md", "team"),
    ("session.html", "html", "team"),
    ("session.json", "json", "team"),
    ("session.csv", "csv", "team"),
    ("session.docx.txt", "docx", "team"),
    ("concept.md", "md", "participants"),
    ("concept.docx.txt", "docx", "participants"),
]


@pytest.fixture
def sample(store) -> str:
    return build_sample(store)


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_bytes(text.encode("utf-8"))
    expected = path.read_bytes().decode("utf-8")
    assert text == expected, f"{name} differs from the golden file (UPDATE_GOLDEN=1 after review)"


@pytest.mark.parametrize(("name", "fmt", "audience"), CASES)
def test_session_golden(store, sample, name, fmt, audience):
    content = export_session(store, sample, fmt, now=NOW, audience=audience)
    check_golden(name, _text(content, fmt))


@pytest.mark.parametrize(
    ("name", "fmt"), [("series.md", "md"), ("series.html", "html"), ("series.docx.txt", "docx")]
)
def test_series_golden(store, sample, name, fmt):
    content = export_series(store, "all", fmt, now=NOW)
    check_golden(name, _text(content, fmt))


def test_export_does_not_depend_on_when_it_runs(store, sample):
    """A closed session reads the same whenever it is exported (JSON and the report alike)."""
    for fmt in ("json", "md", "csv"):
        assert export_session(store, sample, fmt, now=NOW) == export_session(
            store, sample, fmt, now=at(60 * 24 * 400)
        )
