"""The draft report as a Word document (python-docx), for the team to edit.

Real Word headings (the Title and Heading 1-3 styles, so the navigation pane and a table of
contents work), real numbered and bulleted lists, and real tables ("Table Grid") with the level
cells of the recommendations table merged per group, as in the report. Typed text only ever goes
into a run's text, which Word shows as text; characters XML cannot hold are dropped.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable

from facilitator.export.document import (
    Chart,
    Document,
    Heading,
    Items,
    Line,
    Para,
    Progress,
    Table,
)

# XML 1.0 cannot hold these (C0 controls but tab/newline/CR, lone surrogates, U+FFFE/FFFF).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
MUTED = (0x5F, 0x63, 0x68)


def xml_safe(text: str) -> str:
    return _NOT_XML.sub("", text)


def _add_runs(paragraph, runs: Line, *, muted: bool = False) -> None:  # noqa: ANN001
    from docx.shared import RGBColor

    for r in runs:
        run = paragraph.add_run(xml_safe(r.text))
        if r.bold:
            run.bold = True
        if r.italic:
            run.italic = True
        if muted:
            run.font.color.rgb = RGBColor(*MUTED)


class _Numbering:
    """Each numbered list starts again at 1: a new <w:num> over the "List Number" definition."""

    def __init__(self, document) -> None:  # noqa: ANN001
        style = document.styles["List Number"]
        self.numbering = document.part.numbering_part.numbering_definitions._numbering
        num_id = style.element.pPr.numPr.numId.val
        self.abstract = self.numbering.num_having_numId(num_id).abstractNumId.val

    def new_list(self) -> int:
        num = self.numbering.add_num(self.abstract)
        num.add_lvlOverride(ilvl=0).add_startOverride(1)
        return int(num.numId)

    @staticmethod
    def apply(paragraph, num_id: int) -> None:  # noqa: ANN001
        num_pr = paragraph._p.get_or_add_pPr().get_or_add_numPr()
        num_pr.get_or_add_ilvl().val = 0
        num_pr.get_or_add_numId().val = num_id


def _repeat_header(row) -> None:  # noqa: ANN001
    """The header row repeats on every page the table runs over."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tr_pr = row._tr.get_or_add_trPr()
    mark = OxmlElement("w:tblHeader")
    mark.set(qn("w:val"), "true")
    tr_pr.append(mark)


def _table(document, el: Table, counter: Progress) -> None:  # noqa: ANN001
    table = document.add_table(rows=1, cols=len(el.header))
    table.style = "Table Grid"
    head = table.rows[0]
    for cell, text in zip(head.cells, el.header, strict=True):
        cell.paragraphs[0].add_run(xml_safe(text)).bold = True
    _repeat_header(head)
    group_top = None
    group_end = None
    for row in el.rows:
        cells = table.add_row().cells
        for j, (cell, paragraphs) in enumerate(zip(cells, row, strict=True)):
            filled = [p for p in paragraphs if p]
            for k, runs in enumerate(filled):
                paragraph = cell.paragraphs[0] if k == 0 else cell.add_paragraph()
                _add_runs(paragraph, runs)
            if el.grouped and j == 0:
                if filled or group_top is None:
                    if group_top is not None and group_end is not group_top:
                        group_top.merge(group_end)
                    group_top = group_end = cell
                else:
                    group_end = cell
        counter.step()
    if el.grouped and group_top is not None and group_end is not group_top:
        group_top.merge(group_end)


def build(doc: Document, progress: Callable[[int, int], None] | None = None):  # noqa: ANN201
    """The python-docx Document for `doc`."""
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    counter = Progress(doc.size(), progress)
    document = docx.Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)  # A4
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2.2))
    normal = document.styles["Normal"]
    normal.font.size = Pt(10.5)
    # Dutch for Word's spelling check.
    rpr = normal.element.get_or_add_rPr()
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "nl-NL")
    rpr.append(lang)
    props = document.core_properties
    props.title = xml_safe(doc.title)
    props.subject = xml_safe(doc.subtitle)
    props.language = "nl-NL"
    props.author = "facilitator"

    numbering = _Numbering(document)
    document.add_heading(xml_safe(doc.title), 0)
    document.add_paragraph(xml_safe(doc.subtitle), style="Subtitle")
    for el in doc.body:
        if isinstance(el, Heading):
            document.add_heading(xml_safe(" ".join(el.text.split())), min(9, el.level))
            counter.step()
        elif isinstance(el, Para):
            style = "Intense Quote" if el.style == "intro" else None
            _add_runs(document.add_paragraph(style=style), el.runs, muted=el.style == "note")
            counter.step()
        elif isinstance(el, Items):
            num_id = numbering.new_list() if el.numbered else None
            for item in el.items:
                paragraph = document.add_paragraph(style="List Number" if el.numbered else "List Bullet")
                if num_id is not None:
                    numbering.apply(paragraph, num_id)
                _add_runs(paragraph, item)
                counter.step()
        elif isinstance(el, Table):
            _table(document, el, counter)
            document.add_paragraph()
        elif isinstance(el, Chart):
            counter.step()  # the timeline table right after it carries the same times
    counter.finish()
    return document


def render(doc: Document, progress: Callable[[int, int], None] | None = None) -> bytes:
    """The document as .docx bytes."""
    buffer = io.BytesIO()
    build(doc, progress).save(buffer)
    return buffer.getvalue()
