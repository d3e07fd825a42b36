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


# Qualified names looked up once (qn() splits and maps a prefix on every call).
W_R, W_RPR, W_B, W_BCS, W_I, W_ICS, W_COLOR, W_VAL, W_RTL, W_BR, W_TAB, W_T = (
    qn(f"w:{n}")
    for n in ("r", "rPr", "b", "bCs", "i", "iCs", "color", "val", "rtl", "br", "tab", "t")
)
W_P, W_PPR, W_PSTYLE = qn("w:p"), qn("w:pPr"), qn("w:pStyle")


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
        run = SubElement(p, W_R)
        rtl = bool(_RTL.search(r.text))
        if r.bold or r.italic or muted or rtl:
            rpr = SubElement(run, W_RPR)  # children in the schema's order: b, i, color, rtl
            if r.bold:
                SubElement(rpr, W_B)
                if rtl:
                    SubElement(rpr, W_BCS)
            if r.italic:
                SubElement(rpr, W_I)
                if rtl:
                    SubElement(rpr, W_ICS)
            if muted:
                SubElement(rpr, W_COLOR).set(W_VAL, MUTED)
            if rtl:
                SubElement(rpr, W_RTL)
        for i, line in enumerate(xml_safe(r.text).split("\n")):
            if i:
                SubElement(run, W_BR)
            for j, part in enumerate(line.split("\t")):
                if j:
                    SubElement(run, W_TAB)
                if part:
                    t = SubElement(run, W_T)
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
        """The list's numbering on a paragraph whose <w:pPr> holds only its style so far."""
        ppr = p.find(W_PPR)
        num_pr = SubElement(ppr, qn("w:numPr"))  # after <w:pStyle>, as the schema orders them
        SubElement(num_pr, qn("w:ilvl")).set(W_VAL, "0")
        SubElement(num_pr, qn("w:numId")).set(W_VAL, str(num_id))


def _table(end, style_id: str, width: int, el: Table, counter: Progress) -> None:  # noqa: ANN001
    """A table written as WordprocessingML before `end` (python-docx's add_row and merge cost
    a second per few hundred rows): the "Table Grid" style, equal columns over `width` twips,
    a header row repeated on every page, and in a grouped table the first column's cells of a
    group merged (vMerge), as the report does."""
    tbl = OxmlElement("w:tbl")
    tbl_pr = SubElement(tbl, qn("w:tblPr"))
    SubElement(tbl_pr, qn("w:tblStyle")).set(W_VAL, style_id)
    tbl_w = SubElement(tbl_pr, qn("w:tblW"))
    tbl_w.set(qn("w:type"), "auto")
    tbl_w.set(qn("w:w"), "0")
    look = SubElement(tbl_pr, qn("w:tblLook"))
    look.set(W_VAL, "04A0")
    for name, value in (
        ("firstRow", "1"),
        ("lastRow", "0"),
        ("firstColumn", "1"),
        ("lastColumn", "0"),
        ("noHBand", "0"),
        ("noVBand", "1"),
    ):
        look.set(qn(f"w:{name}"), value)
    grid = SubElement(tbl, qn("w:tblGrid"))
    col = str(width // max(1, len(el.header)))
    for _ in el.header:
        SubElement(grid, qn("w:gridCol")).set(qn("w:w"), col)
    w_tr, w_tc, w_tcpr, w_tcw, w_vmerge, w_type, w_w = (
        qn("w:tr"),
        qn("w:tc"),
        qn("w:tcPr"),
        qn("w:tcW"),
        qn("w:vMerge"),
        qn("w:type"),
        qn("w:w"),
    )

    def cell(tr, merge: str | None = None):  # noqa: ANN001, ANN202
        tc = SubElement(tr, w_tc)
        tc_pr = SubElement(tc, w_tcpr)
        tc_w = SubElement(tc_pr, w_tcw)
        tc_w.set(w_type, "dxa")
        tc_w.set(w_w, col)
        if merge is not None:
            mark = SubElement(tc_pr, w_vmerge)
            if merge:
                mark.set(W_VAL, merge)
        return tc

    head = SubElement(tbl, w_tr)
    mark = SubElement(SubElement(head, qn("w:trPr")), qn("w:tblHeader"))
    mark.set(W_VAL, "true")
    for text in el.header:
        _add_runs(SubElement(cell(head), W_P), [Run(text, bold=True)])
    # A grouped table: which rows start a group, and whether the group runs over several rows.
    starts = [i == 0 or bool(row[0]) for i, row in enumerate(el.rows)] if el.grouped else []
    for i, row in enumerate(el.rows):
        tr = SubElement(tbl, w_tr)
        for j, paragraphs in enumerate(row):
            merge = None
            if el.grouped and j == 0:
                last = i + 1 >= len(el.rows) or starts[i + 1]
                if not starts[i]:
                    merge = ""  # continues the group above
                elif not last:
                    merge = "restart"
            tc = cell(tr, merge)
            filled = [p for p in paragraphs if p] if merge != "" else []
            for runs in filled:
                _add_runs(SubElement(tc, W_P), runs)
            if not filled:
                SubElement(tc, W_P)  # every cell holds a paragraph
        counter.step()
    end.addprevious(tbl)


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
    # In the schema's order: before the first of the elements that follow it (in the default
    # template that is <w:compat>, after <w:savePreviewPicture>).
    for child in settings:
        if child.tag in _AFTER_UPDATE_FIELDS:
            child.addprevious(update)
            return
    settings.append(update)


_AFTER_UPDATE_FIELDS = {
    qn(f"w:{name}")
    for name in (
        "hdrShapeDefaults",
        "footnotePr",
        "endnotePr",
        "compat",
        "docVars",
        "rsids",
        "mathPr",
        "attachedSchema",
        "themeFontLang",
        "clrSchemeMapping",
        "doNotIncludeSubdocsInStats",
        "doNotAutoCompressPictures",
        "forceUpgrade",
        "captions",
        "readModeInkLockDown",
        "smartTagType",
        "schemaLibrary",
        "shapeDefaults",
        "doNotEmbedSmartTags",
        "decimalSymbol",
        "listSeparator",
    )
}


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
    table_style = document.styles["Table Grid"].style_id
    table_width = int((Cm(21.0) - 2 * Cm(2.2)) / 635)  # A4 between the margins, in twips

    body = document.element.body
    end = body.sectPr  # paragraphs go before the section properties, which stay last

    def paragraph(style: str | None = None):  # noqa: ANN202
        """A new <w:p> at the end of the body (python-docx searches the whole body each time)."""
        p = OxmlElement("w:p")
        if style is not None:
            # <w:pPr><w:pStyle/></w:pPr> made directly: python-docx's setter searches the
            # schema's order of every pPr child for each paragraph.
            SubElement(SubElement(p, W_PPR), W_PSTYLE).set(W_VAL, ids[style])
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
            _table(end, table_style, table_width, el, counter)
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
