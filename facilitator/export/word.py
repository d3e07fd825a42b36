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
from datetime import UTC, datetime

import docx
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from lxml.etree import SubElement

from facilitator.export.document import (
    Chart,
    Document,
    Heading,
    Items,
    Line,
    Para,
    Progress,
    Run,
    Table,
    photo_file,
)

# XML 1.0 cannot hold these (C0 controls but tab/newline/CR, lone surrogates, U+FFFE/FFFF).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
MUTED = "5F6368"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
PARAGRAPH_STYLES = (
    "Title",
    "Subtitle",
    "Heading 1",
    "Heading 2",
    "Heading 3",
    "List Bullet",
    "List Number",
    "Intense Quote",
    "TOC Heading",
)


def xml_safe(text: str) -> str:
    return _NOT_XML.sub("", text)


def _property(text: str) -> str:
    """A document property (title, subject): one line, cut to Word's 255 characters."""
    flat = " ".join(xml_safe(text).split())
    return flat if len(flat) <= 255 else flat[:254] + "…"


# Letters of the right-to-left scripts (Hebrew, Arabic, Syriac, Thaana, N'Ko, their presentation
# forms): a paragraph whose first strong letter is one of them reads right to left.
_RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")
_STRONG = re.compile(r"[^\W\d_]")  # a letter (strong direction): digits and marks are neutral


def rtl_text(text: str) -> bool:
    """True when `text` reads right to left: its first letter is Arabic, Hebrew, ... (as the
    browser's dir="auto" decides)."""
    if not _RTL.search(text):
        return False
    first = _STRONG.search(text)
    return first is not None and bool(_RTL.match(first.group()))


# <w:pPr> children that come after <w:bidi> in the schema's order.
_AFTER_BIDI = tuple(
    f"w:{name}"
    for name in (
        "adjustRightInd",
        "snapToGrid",
        "spacing",
        "ind",
        "contextualSpacing",
        "mirrorIndents",
        "suppressOverlap",
        "jc",
        "textDirection",
        "textAlignment",
        "textboxTightWrap",
        "outlineLvl",
        "divId",
        "cnfStyle",
        "rPr",
        "sectPr",
        "pPrChange",
    )
)


def _bidi(p) -> None:  # noqa: ANN001
    """A right-to-left paragraph (Word's "Right-to-left" paragraph direction)."""
    ppr = p.get_or_add_pPr()
    ppr.insert_element_before(OxmlElement("w:bidi"), *_AFTER_BIDI)


def _add_runs(p, runs: Line, *, muted: bool = False) -> None:  # noqa: ANN001
    """Runs written straight into a <w:p> (python-docx's own run API costs ~10x more per run):
    text only ever lands in <w:t> elements, newlines become <w:br/>, tabs <w:tab/>. A paragraph
    that reads right to left gets <w:bidi/>, and a run in a right-to-left script <w:rtl/>."""
    if rtl_text("".join(r.text for r in runs)):
        _bidi(p)
    for r in runs:
        run = SubElement(p, qn("w:r"))
        rtl = bool(_RTL.search(r.text))
        if r.bold or r.italic or muted or rtl:
            rpr = SubElement(run, qn("w:rPr"))  # children in the schema's order: b, i, color, rtl
            if r.bold:
                SubElement(rpr, qn("w:b"))
                if rtl:
                    SubElement(rpr, qn("w:bCs"))
            if r.italic:
                SubElement(rpr, qn("w:i"))
                if rtl:
                    SubElement(rpr, qn("w:iCs"))
            if muted:
                SubElement(rpr, qn("w:color")).set(qn("w:val"), MUTED)
            if rtl:
                SubElement(rpr, qn("w:rtl"))
        for i, line in enumerate(xml_safe(r.text).split("\n")):
            if i:
                SubElement(run, qn("w:br"))
            for j, part in enumerate(line.split("\t")):
                if j:
                    SubElement(run, qn("w:tab"))
                if part:
                    t = SubElement(run, qn("w:t"))
                    t.text = part
                    t.set(XML_SPACE, "preserve")


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
    def apply(p, num_id: int) -> None:  # noqa: ANN001
        num_pr = p.get_or_add_pPr().get_or_add_numPr()
        num_pr.get_or_add_ilvl().val = 0
        num_pr.get_or_add_numId().val = num_id


def _repeat_header(row) -> None:  # noqa: ANN001
    """The header row repeats on every page the table runs over."""
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
                _add_runs(paragraph._p, runs)
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


def _field(p, instruction: str, placeholder: str) -> None:  # noqa: ANN001
    """A Word field (PAGE, TOC, ...) in paragraph `p`, showing `placeholder` until Word updates
    it."""

    def char(kind: str) -> None:
        run = SubElement(p, qn("w:r"))
        mark = SubElement(run, qn("w:fldChar"))
        mark.set(qn("w:fldCharType"), kind)
        if kind == "begin":
            mark.set(qn("w:dirty"), "true")  # Word fills it in when it opens the file

    char("begin")
    run = SubElement(p, qn("w:r"))
    instr = SubElement(run, qn("w:instrText"))
    instr.text = f" {instruction} "
    instr.set(XML_SPACE, "preserve")
    char("separate")
    _add_runs(p, [Run(placeholder)])
    char("end")


def _page_numbers(section) -> None:  # noqa: ANN001
    """Page numbers centred in the footer: "Pagina 3"."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _add_runs(paragraph._p, [Run("Pagina ")])
    _field(paragraph._p, "PAGE", "1")


def _update_fields_on_open(document) -> None:  # noqa: ANN001
    """Word asks to update the fields (the table of contents) when it opens the file."""
    settings = document.settings.element
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    # After the elements the schema puts before it; appending is accepted by Word when the
    # settings part has none of the later ones, so insert it early enough to be safe.
    anchor = settings.find(qn("w:defaultTabStop"))
    if anchor is not None:
        anchor.addprevious(update)
    else:
        settings.append(update)


def _photo(document, paragraph, path: str) -> None:  # noqa: ANN001
    """The photo below its list item, 10 cm wide, or a note naming the missing file."""
    from docx.shared import Cm

    file, note = photo_file(path)
    if file is not None:
        try:
            p = paragraph()
            run = SubElement(p, qn("w:r"))
            from docx.text.run import Run as DocxRun

            DocxRun(run, document._body).add_picture(str(file), width=Cm(10))
            return
        except Exception:  # noqa: BLE001 - a file that is no image python-docx can read
            p.getparent().remove(p)
            note = f"Foto niet getoond (geen afbeelding die Word kan lezen): {path}"
    _add_runs(paragraph(), [Run(note, italic=True)], muted=True)


def build(doc: Document, progress: Callable[[int, int], None] | None = None):  # noqa: ANN201
    """The python-docx Document for `doc`."""
    from docx.enum.section import WD_ORIENT
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
    # Word's document properties hold at most 255 characters (python-docx raises past that).
    props.title = _property(doc.title)
    props.subject = _property(doc.subtitle)
    props.language = "nl-NL"
    props.author = "facilitator"
    props.last_modified_by = "facilitator"
    props.comments = ""
    props.keywords = "burgerconsultatie"
    props.category = "Verslag"
    props.revision = 1
    # The template's own dates (2013) are no part of this document: created is the export.
    created = (doc.created or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)
    props.created = created
    props.modified = created
    for stale in props._element.findall(qn("cp:lastPrinted")):  # the template's, from 2013
        props._element.remove(stale)
    _page_numbers(section)
    _update_fields_on_open(document)

    numbering = _Numbering(document)
    # python-docx looks a style up by name on every paragraph, scanning all styles each time;
    # resolving the ids once makes a 10,000-entry draft take seconds instead of minutes.
    ids = {name: document.styles[name].style_id for name in PARAGRAPH_STYLES}

    body = document.element.body
    end = body.sectPr  # paragraphs go before the section properties, which stay last

    def paragraph(style: str | None = None):  # noqa: ANN202
        """A new <w:p> at the end of the body (python-docx searches the whole body each time)."""
        p = OxmlElement("w:p")
        if style is not None:
            p.get_or_add_pPr().style = ids[style]
        end.addprevious(p)
        return p

    _add_runs(paragraph("Title"), [Run(doc.title)])
    _add_runs(paragraph("Subtitle"), [Run(doc.subtitle)])
    _add_runs(paragraph("TOC Heading"), [Run("Inhoud")])
    _field(
        paragraph(),
        'TOC \\o "1-3" \\h \\z \\u',
        "Klik met de rechtermuisknop en kies Veld bijwerken om de inhoudsopgave te tonen.",
    )
    for el in doc.body:
        if isinstance(el, Heading):
            heading = f"Heading {min(9, el.level)}"
            p = paragraph(heading)
            if el.level == 1:
                p.get_or_add_pPr().pageBreakBefore_val = True  # a chapter starts a new page
            _add_runs(p, [Run(" ".join(el.text.split()))])
            counter.step()
        elif isinstance(el, Para):
            style = "Intense Quote" if el.style == "intro" else None
            _add_runs(paragraph(style), el.runs, muted=el.style == "note")
            counter.step()
        elif isinstance(el, Items):
            num_id = numbering.new_list() if el.numbered else None
            for i, item in enumerate(el.items):
                p = paragraph("List Number" if el.numbered else "List Bullet")
                if num_id is not None:
                    numbering.apply(p, num_id)
                _add_runs(p, item)
                if el.photo(i):
                    _photo(document, paragraph, el.photo(i))
                counter.step()
        elif isinstance(el, Table):
            _table(document, el, counter)
            paragraph()  # Word needs a paragraph between two tables
        elif isinstance(el, Chart):
            counter.step()  # the timeline table right after it carries the same times
    counter.finish()
    return document


def render(doc: Document, progress: Callable[[int, int], None] | None = None) -> bytes:
    """The document as .docx bytes."""
    buffer = io.BytesIO()
    build(doc, progress).save(buffer)
    return buffer.getvalue()
