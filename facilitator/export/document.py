"""The draft report as a document: headings, paragraphs, lists and tables, built once from the
report model and rendered by the Markdown, HTML and Word writers.

Every string here is plain text (typed text included); each writer escapes it for its format.
The headings and categories are the report's own words ("Belangrijkste inzichten en
opbrengsten", "Niveau | Aanbevelingen vanuit burgers | Illustrerende citaten", ...): a draft
exported from facilitator reads like a chapter of the final report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from facilitator.core import clock as ck
from facilitator.core.clock import BlockState, whole_minutes
from facilitator.core.entries import LEVEL_LABELS_NL, Entry
from facilitator.core.participants import APPENDIX_TITLE, COLUMNS, table
from facilitator.core.programme import PHASE_NAMES
from facilitator.core.report import (
    RESUMED,
    AdviceRow,
    SeriesReport,
    SessionReport,
    ThemeGroup,
    by_building_block,
    by_sub_question,
)
from facilitator.core.timeutil import DEFAULT_ZONE, in_zone

# -- the elements ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Run:
    """A piece of text with its emphasis."""

    text: str
    bold: bool = False
    italic: bool = False


Line = list[Run]  # one paragraph's content


@dataclass
class Heading:
    level: int  # 1 = a chapter section, 2 and 3 below it
    text: str


@dataclass
class Para:
    runs: Line
    style: str = ""  # "" | "note" (an editorial hint to the team) | "intro"


@dataclass
class Items:
    items: list[Line]
    numbered: bool = False
    # A photo path per item ("" for none): a zinnebeeld's or prototype's picture, shown below it
    # (the image itself in HTML and Word when the file is there, a note when it is not).
    photos: list[str] = field(default_factory=list)

    def photo(self, i: int) -> str:
        return self.photos[i] if i < len(self.photos) else ""


@dataclass
class Table:
    """A table; in a grouped table an empty first cell continues the group above (merged in Word,
    a row span in HTML, left empty in Markdown, as the report does)."""

    header: list[str]
    rows: list[list[list[Line]]]  # row -> cell -> paragraphs
    name: str = ""  # for styling: "advice", "programme", "timeline", "profile", ...
    grouped: bool = False


@dataclass
class Chart:
    """The timeline chart: planned against actual time per block (drawn by the HTML writer)."""

    blocks: list[BlockState]
    clock: ck.ClockState
    timezone: str = DEFAULT_ZONE


Element = Heading | Para | Items | Table | Chart


@dataclass
class Document:
    title: str
    subtitle: str
    body: list[Element] = field(default_factory=list)
    lang: str = "nl"
    created: datetime | None = None  # the document's creation date (Word's properties)

    def size(self) -> int:
        """Units of work for a progress bar: list items and table rows count one each."""
        return sum(_size(el) for el in self.body)


def _size(el: Element) -> int:
    if isinstance(el, Items):
        return max(1, len(el.items))
    if isinstance(el, Table):
        return max(1, len(el.rows))
    return 1


class Progress:
    """Counts work done and tells a callback `(done, total)`, at most every 1% of the way."""

    def __init__(self, total: int, callback: Callable[[int, int], None] | None) -> None:
        self.total = max(1, total)
        self.done = 0
        self.callback = callback
        self._every = max(1, self.total // 100)
        self._last = 0

    def step(self, n: int = 1) -> None:
        self.done += n
        if self.callback is not None and (
            self.done - self._last >= self._every or self.done >= self.total
        ):
            self._last = self.done
            self.callback(min(self.done, self.total), self.total)

    def finish(self) -> None:
        if self.callback is not None:
            self.callback(self.total, self.total)


# -- words and formats -----------------------------------------------------------------------

MONTHS = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)
KIND_HEADINGS = {
    "story": "Verhalen",
    "emblem": "Zinnebeelden",
    "quote": "Citaten",
    "design_question": "Ontwerpvragen",
    "rule": "Spelregels",
    "prototype": "Prototypes",
}
TIMELINE_WORDS = {
    ck.START: "Start: {block}",
    RESUMED: "Verder: {block}",
    ck.EXTRA_BREAK: "Extra pauze ingelast: {block} ({minutes} min)",
    ck.PAUSE: "Klok onderbroken",
    ck.RESUME: "Klok loopt weer",
    ck.EXTEND: "{minutes} min extra voor {block}",
    ck.REBALANCE: "Resterende blokken samen {minutes} min ingekort",
    ck.DECLINE: "Voorstel om in te korten afgewezen",
    ck.CLOSE: "Sessie afgesloten",
}
NOTHING = "Nog niets vastgelegd."


# Photos the HTML and Word writers put in the file itself; anything else gets a note.
IMAGE_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
}
MAX_PHOTO_BYTES = 25 * 1024 * 1024


def photo_file(path: str) -> tuple[Path | None, str]:
    """(the file to show, "") for a photo that can be embedded, else (None, a note saying why)."""
    try:
        file = Path(path).expanduser()
        if not file.is_file():
            return None, f"Foto niet gevonden: {path}"
        if file.suffix.lower() not in IMAGE_TYPES:
            return None, f"Foto niet getoond (geen png, jpg of gif): {path}"
        if file.stat().st_size > MAX_PHOTO_BYTES:
            return None, f"Foto niet getoond (groter dan 25 MB): {path}"
    except (OSError, ValueError):  # a path the system cannot even look up
        return None, f"Foto niet gevonden: {path}"
    return file, ""


def photo_note(path: str) -> str:
    """What a text-only format says about a photo: its path, and when it is missing."""
    file, note = photo_file(path)
    return f"Foto: {path}" if file is not None else note


def nl_date(text: str) -> str:
    """2026-03-01 as "1 maart 2026" (the text itself when it is not a date)."""
    try:
        d = date.fromisoformat(text)
    except ValueError:
        return text
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def hhmm(dt: datetime | None, timezone: str | None = DEFAULT_ZONE) -> str:
    """A time on the session's own clock (its time zone), never the exporting laptop's."""
    return in_zone(dt, timezone).strftime("%H:%M") if dt is not None else ""


def minutes(seconds: float | None) -> int:
    return whole_minutes(seconds)


def block_label(b: BlockState) -> str:
    if b.block.kind == "phase" and b.block.phase:
        return f"Fase {b.block.phase}: {b.name}"
    return b.name + (" (ingelast)" if b.inserted else "")


def _elsewhere(counts: dict[str, int]) -> str:
    """Where the advice and insights of a phase are in the draft."""
    parts = []
    if counts.get("advice"):
        n = counts["advice"]
        word = "advies" if n == 1 else "adviezen"
        parts.append(f"{n} {word} (zie Aanbevelingen voor beleid en uitvoering)")
    if counts.get("insight"):
        n = counts["insight"]
        word = "inzicht" if n == 1 else "inzichten"
        parts.append(f"{n} {word} (zie Belangrijkste inzichten en opbrengsten)")
    return "In deze fase vastgelegd: " + " en ".join(parts) + "."


def _lines(*texts: str) -> list[Line]:
    return [[Run(t)] for t in texts if t]


def _quote_line(q: Entry) -> Line:
    line = [Run(f"“{q.text}”", italic=True)]
    if q.speaker:
        line.append(Run(f" ({q.speaker})"))
    return line


def _entry_line(
    e: Entry, *, authors: bool, report: SessionReport | None = None, place: str = ""
) -> Line:
    """How one captured entry reads in a list: an insight with its headline and supporting
    quotes, a rule with the story it came from, `place` (in the series) at the end."""
    if e.kind == "quote":
        line = _quote_line(e)
    elif e.kind in ("emblem", "prototype"):
        line = [Run(e.title, bold=True)]
        if e.text:
            line.append(Run(": " + e.text))
        if e.building_blocks:
            line.append(Run(" Bouwstenen: ", italic=True))
            line.append(Run("; ".join(e.building_blocks)))
    elif e.kind == "insight" and e.title:
        line = [Run(e.title, bold=True)]
        if e.text:
            line.append(Run("\n" + e.text))
    else:
        line = [Run(e.text)]
        if e.kind == "rule":
            story = report.story_of(e) if report is not None else None
            if story is not None:
                line.append(Run(" Uit het verhaal: ", italic=True))
                line.append(Run(f"“{story.text}”"))
            elif e.source:
                line.append(Run(f" ({e.source})"))
    if e.kind == "insight" and report is not None:
        for q in report.linked(e, ("quote",)):
            first, *rest = _quote_line(q)
            line.extend([Run("\n" + first.text, italic=True), *rest])
    if place:
        line.append(Run(f" ({place})", italic=True))
    if authors and e.author:
        line.append(Run(f" [{e.author}]", italic=True))
    return line


def _items(
    entries: list[Entry],
    *,
    authors: bool,
    report: SessionReport | None = None,
    place: str = "",
    numbered: bool = False,
) -> Items:
    """Entries as a list, with the photo of each zinnebeeld and prototype."""
    return Items(
        [_entry_line(e, authors=authors, report=report, place=place) for e in entries],
        numbered=numbered,
        photos=[e.photo if e.kind in ("emblem", "prototype") else "" for e in entries],
    )


def _subq_label(question: str) -> Para:
    if question:
        return Para([Run("Subvraag: ", bold=True), Run(question)])
    return Para([Run("Zonder subvraag", bold=True)])


def _grouped(
    placed: list[tuple[Entry, SessionReport]],
    subs: list[str],
    *,
    authors: bool,
    series: bool = False,
    numbered: bool = False,
) -> list[Element]:
    """Stories, quotes or insights grouped by the sub-question they answer (no grouping when
    none was tied to one)."""
    owner = {id(e): r for e, r in placed}
    entries = [e for e, _ in placed]
    groups = by_sub_question(entries, subs)

    def items(es: list[Entry]) -> Items:
        lines = []
        for e in es:
            r = owner[id(e)]
            place = r.session.place if series else ""
            lines.append(_entry_line(e, authors=authors, report=r, place=place))
        return Items(lines, numbered=numbered)

    if len(groups) == 1 and groups[0][0] == "":
        return [items(groups[0][1])]
    out: list[Element] = []
    for question, es in groups:
        out.append(_subq_label(question))
        out.append(items(es))
    return out


def _prototypes(
    placed: list[tuple[Entry, SessionReport]], *, authors: bool, series: bool = False
) -> list[Element]:
    """Prototypes grouped by building block, with the count, as chapter 5 of the report."""
    owner = {id(e): r for e, r in placed}
    out: list[Element] = []
    pictured: set[str] = set()  # a prototype under two building blocks shows its photo once
    for block, es in by_building_block([e for e, _ in placed]):
        n = len(es)
        label = block or "Zonder bouwsteen"
        out.append(
            Para([Run(label, bold=True), Run(f" ({n} {'prototype' if n == 1 else 'prototypes'})")])
        )
        lines, photos = [], []
        for e in es:
            r = owner[id(e)]
            line = [Run(e.title, bold=True)]
            if e.text:
                line.append(Run(": " + e.text))
            if series:
                line.append(Run(f" ({r.session.place})", italic=True))
            if authors and e.author:
                line.append(Run(f" [{e.author}]", italic=True))
            lines.append(line)
            photos.append("" if e.id in pictured else e.photo)
            pictured.add(e.id)
        out.append(Items(lines, photos=photos))
    return out


def _hidden_note(n: int) -> Para:
    """The team's report counts the remarks hidden, never their text."""
    words = "opmerking is" if n == 1 else "opmerkingen zijn"
    stay = "staat" if n == 1 else "staan"
    return Para(
        [
            Run(
                f"{n} {words} verborgen door de gespreksleider en {stay} niet in dit verslag.",
                italic=True,
            )
        ],
        "note",
    )


def _advice_table(rows: list[AdviceRow], *, with_session: bool = False) -> Table:
    """Niveau | Aanbevelingen vanuit burgers | Illustrerende citaten, grouped by level."""
    out: list[list[list[Line]]] = []
    previous = None
    for row in rows:
        level = LEVEL_LABELS_NL[row.level] if row.level != previous else ""
        previous = row.level
        advice: list[Line] = [[Run(row.advice.text)]]
        if with_session and row.session is not None:
            advice.append([Run(f"{row.session.place}, {nl_date(row.session.date)}", italic=True)])
        quotes = [_quote_line(q) for q in row.quotes]
        out.append([_lines(level), advice, quotes])
    return Table(
        ["Niveau", "Aanbevelingen vanuit burgers", "Illustrerende citaten"],
        out,
        "advice",
        grouped=True,
    )


def _planned_cell(b: BlockState, clock: ck.ClockState, tz: str) -> str:
    text = f"{b.planned_minutes} min"
    if b.planned_minutes != b.block.minutes and not b.inserted:
        text = f"{b.block.minutes} → {b.planned_minutes} min"
    start = clock.planned_start(b.index) if not b.inserted else None
    if start is not None:
        end = start + timedelta(minutes=b.block.minutes)
        return f"{hhmm(start, tz)}–{hhmm(end, tz)} · {text}"
    return text


def _actual_cell(b: BlockState, now: datetime, tz: str) -> str:
    if b.started_at is None:
        return "—"
    took = minutes(b.actual_seconds(now))
    extra = f" (+{b.extra_minutes} verlengd)" if b.extra_minutes else ""
    # A phase a break interrupted ran in more than one stretch: "09:00–09:40, 09:55–10:15".
    spans = ", ".join(
        f"{hhmm(start, tz)}–{hhmm(end, tz) if end else ''}" for start, end in b.segments
    )
    if b.ended_at is None:
        return f"{spans} · loopt, {took} min{extra}"
    return f"{spans} · {took} min{extra}"


def _programme_table(report: SessionReport) -> Table:
    rows = []
    for b in report.blocks:
        rows.append(
            [
                _lines(block_label(b)),
                _lines(", ".join(b.block.work_forms)),
                _lines(_planned_cell(b, report.clock, report.timezone)),
                _lines(_actual_cell(b, report.clock.now, report.timezone)),
            ]
        )
    return Table(["Onderdeel", "Werkvormen", "Gepland", "Werkelijk"], rows, "programme")


def _questions(main: str, subs: list[str]) -> list[Element]:
    out: list[Element] = [Para([Run("Hoofdvraag: ", bold=True), Run(main)])]
    if subs:
        out.append(Para([Run("Subvragen:", bold=True)]))
        out.append(Items([[Run(q)] for q in subs]))
    return out


def _count_text(report: SessionReport) -> str:
    n, counted = report.participant_count()
    if n is None:
        return "onbekend"
    return str(n) if counted else f"{n} (verwacht)"


# -- the session draft -----------------------------------------------------------------------


def session_document(report: SessionReport) -> Document:
    """The draft report of one session, in the report's own structure."""
    s = report.session
    prog = s.programme
    team = not report.concept
    clock = report.clock
    title = (
        "Conceptverslag" if report.concept else "Verslag"
    ) + f" burgerconsultatie: {prog.theme}"
    doc = Document(title, f"{s.place}, {nl_date(s.date)}", created=report.now)
    body = doc.body
    if report.concept:
        body.append(
            Para(
                [
                    Run(
                        "Dit is het conceptverslag van de bijeenkomst. In de validatiesessie "
                        "vragen we je: klopt dit, mist er iets, moet er iets anders? "
                        "Er staan geen namen in."
                    )
                ],
                "intro",
            )
        )

    body.append(Heading(1, "Overzicht opzet burgerbijeenkomst"))
    facts = [
        [Run("Plaats: ", bold=True), Run(s.place)],
        [Run("Datum: ", bold=True), Run(nl_date(s.date))],
        [Run("Aantal deelnemers: ", bold=True), Run(_count_text(report))],
    ]
    if clock.started_at is not None:
        took = minutes(clock.session_elapsed)
        state = "" if clock.state == "closed" else " (nog bezig)"
        facts.append(
            [
                Run("Duur: ", bold=True),
                Run(f"gepland {clock.planned_total_minutes} min, werkelijk {took} min{state}"),
            ]
        )
    else:
        facts.append([Run("Duur: ", bold=True), Run(f"gepland {clock.planned_total_minutes} min")])
    if team and s.facilitators:
        facts.append([Run("Gespreksleiders: ", bold=True), Run(", ".join(s.facilitators))])
    body.append(Items(facts))
    body.append(_programme_table(report))
    body.extend(_questions(prog.main_question, list(prog.sub_questions)))

    body.append(Heading(1, "Opbrengsten per fase"))
    for out in report.phase_outputs():
        name = (
            f"Fase {out.phase}: {out.name or PHASE_NAMES.get(out.phase, '')}"
            if out.phase
            else "Buiten de fases"
        )
        body.append(Heading(2, name))
        forms = [f for b in out.blocks for f in b.block.work_forms]
        if forms and out.phase:
            body.append(
                Para([Run("Werkvormen: ", italic=True), Run(", ".join(dict.fromkeys(forms)))])
            )
        if out.elsewhere:
            body.append(Para([Run(_elsewhere(out.elsewhere), italic=True)], "note"))
        elif out.empty:
            body.append(Para([Run(NOTHING, italic=True)], "note"))
        for kind, entries in out.by_kind.items():
            if entries:
                body.append(Heading(3, KIND_HEADINGS[kind]))
                body.extend(
                    _kind_elements(
                        kind,
                        [(e, report) for e in entries],
                        authors=team,
                        subs=list(prog.sub_questions),
                    )
                )

    body.append(Heading(1, "Belangrijkste inzichten en opbrengsten"))
    if report.insights:
        body.extend(
            _grouped(
                [(e, report) for e in report.insights],
                list(prog.sub_questions),
                authors=team,
                numbered=True,
            )
        )
    else:
        body.append(Para([Run(NOTHING, italic=True)], "note"))

    body.append(Heading(1, prog.main_question))
    body.append(
        Para(
            [
                Run(
                    "Het antwoord op de hoofdvraag schrijft het onderzoeksteam, op basis van de "
                    "inzichten hierboven en de validatiesessie.",
                    italic=True,
                )
            ],
            "note",
        )
    )

    body.append(Heading(1, "Aanbevelingen voor beleid en uitvoering"))
    advice = report.advice_rows()
    if advice:
        body.append(_advice_table(advice))
    else:
        body.append(Para([Run(NOTHING, italic=True)], "note"))

    if team and report.observations:
        body.append(Heading(1, "Observaties (intern)"))
        body.append(_items(report.observations, authors=True, report=report))

    body.append(Heading(1, "Anonieme opmerkingen"))
    slots = report.remarks_by_slot()
    if slots:
        for slot, texts in slots:
            body.append(Heading(2, slot))
            body.append(Items([[Run(t)] for t in texts]))
    else:
        body.append(Para([Run("Geen opmerkingen.", italic=True)], "note"))
    if team and report.hidden_remarks():
        body.append(_hidden_note(report.hidden_remarks()))

    if team and report.validations:
        body.append(Heading(1, "Feedback uit de validatiesessie"))
        body.append(_items(report.validations, authors=True, report=report))

    body.append(Heading(1, "Tijdlijn"))
    if clock.started_at is not None:
        body.append(Chart(report.blocks, clock, report.timezone))
    items = report.timeline()
    if items:
        rows = [
            [
                _lines(hhmm(it.at, report.timezone)),
                _lines(TIMELINE_WORDS[it.kind].format(block=it.block, minutes=it.minutes)),
            ]
            for it in items
        ]
        body.append(Table(["Tijd", "Gebeurtenis"], rows, "timeline"))
    else:
        body.append(Para([Run("De sessie is nog niet begonnen.", italic=True)], "note"))
    return doc


# -- the series report -----------------------------------------------------------------------


def profile_table(profile: dict[str, dict[str, int]]) -> Table:
    """Bijlage 2: counts with percentages to one decimal, the total on the first row."""
    n, rows = table(profile)
    out = [[[], [], _lines(str(n))]]
    for r in rows:
        out.append([_lines(r.characteristic), _lines(r.category), _lines(r.cell)])
    return Table(list(COLUMNS), out, "profile", grouped=True)


def _kind_elements(
    kind: str,
    placed: list[tuple[Entry, SessionReport]],
    *,
    authors: bool,
    subs: list[str],
    series: bool = False,
) -> list[Element]:
    """One kind's entries of a phase: stories and quotes by sub-question, prototypes by
    building block, the rest as a list (zinnebeelden with their photos)."""
    if kind in ("story", "quote"):
        return _grouped(placed, subs, authors=authors, series=series)
    if kind == "prototype":
        return _prototypes(placed, authors=authors, series=series)
    lines, photos = [], []
    for e, r in placed:
        place = r.session.place if series else ""
        lines.append(_entry_line(e, authors=authors, report=r, place=place))
        photos.append(e.photo if e.kind in ("emblem", "prototype") else "")
    return [Items(lines, photos=photos)]


def _and(names: list[str]) -> str:
    """ "Amsterdam en Zwolle", "1, 2 en 3"."""
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " en " + names[-1]


def _session_count(report: SessionReport) -> str:
    n, counted = report.participant_count()
    if n is None:
        return "aantal deelnemers onbekend"
    word = "deelnemer" if n == 1 else "deelnemers"
    return f"{n} {word}" if counted else f"{n} {word} (verwacht)"


def _theme_chapter(series: SeriesReport, number: int, group: ThemeGroup) -> list[Element]:
    """One theme as a chapter of the report: its sessions, questions, key insights, what each
    phase produced, the remarks, and the recommendations table."""
    body: list[Element] = [Heading(1, f"{number}. {group.theme}")]
    reports = group.reports
    numbers = [str(series.number(r)) for r in reports]
    body.append(Heading(2, "Overzicht opzet burgerbijeenkomst " + _and(numbers)))
    places = _and(list(dict.fromkeys(r.session.place for r in reports)))
    counts = [r.participant_count() for r in reports]
    known = [n for n, _ in counts if n is not None]
    total = sum(known)
    if len(reports) == 1:
        sentence = f"De consultatie vond plaats in {places}"
    else:
        sentence = f"De consultaties vonden plaats in {places}"
    if known:
        sentence += f" met in totaal {total} {'deelnemer' if total == 1 else 'deelnemers'}"
        if len(known) < len(reports):
            sentence += " (niet alle sessies geteld)"
        elif not all(counted for _, counted in counts):
            sentence += " (deels verwacht aantal)"
    body.append(Para([Run(sentence + ".")]))
    body.append(
        Items(
            [
                [
                    Run(f"Burgerbijeenkomst {series.number(r)}: ", bold=True),
                    Run(f"{r.session.place}, {nl_date(r.session.date)}, {_session_count(r)}"),
                ]
                for r in reports
            ]
        )
    )
    body.extend(_questions(group.main_question, group.sub_questions))

    body.append(Heading(2, "Belangrijkste inzichten en opbrengsten"))
    insights = [(e, r) for r in reports for e in r.insights]
    if insights:
        body.extend(
            _grouped(insights, group.sub_questions, authors=False, series=True, numbered=True)
        )
    else:
        body.append(Para([Run(NOTHING, italic=True)], "note"))

    # What the phases produced, over the theme's sessions.
    outputs = [(r, r.phase_outputs()) for r in reports]
    for phase in sorted(PHASE_NAMES):
        by_kind: dict[str, list[tuple[Entry, SessionReport]]] = {k: [] for k in KIND_HEADINGS}
        for r, outs in outputs:
            for out in outs:
                if out.phase == phase:
                    for kind, entries in out.by_kind.items():
                        by_kind[kind].extend((e, r) for e in entries)
        if not any(by_kind.values()):
            continue
        body.append(Heading(2, f"Fase {phase}: {PHASE_NAMES[phase]}"))
        for kind, placed in by_kind.items():
            if placed:
                body.append(Heading(3, KIND_HEADINGS[kind]))
                body.extend(
                    _kind_elements(
                        kind, placed, authors=False, subs=group.sub_questions, series=True
                    )
                )
    outside: dict[str, list[tuple[Entry, SessionReport]]] = {k: [] for k in KIND_HEADINGS}
    for r, outs in outputs:
        for out in outs:
            if out.phase is None:
                for kind, entries in out.by_kind.items():
                    outside[kind].extend((e, r) for e in entries)
    if any(outside.values()):
        body.append(Heading(2, "Buiten de fases"))
        for kind, placed in outside.items():
            if placed:
                body.append(Heading(3, KIND_HEADINGS[kind]))
                body.extend(
                    _kind_elements(
                        kind, placed, authors=False, subs=group.sub_questions, series=True
                    )
                )

    body.append(Heading(2, "Anonieme opmerkingen"))
    any_remarks = False
    for r in reports:
        slots = r.remarks_by_slot()
        hidden = r.hidden_remarks()
        if not slots and not hidden:
            continue
        any_remarks = True
        body.append(Heading(3, f"{r.session.place}, {nl_date(r.session.date)}"))
        for slot, texts in slots:
            body.append(Para([Run(slot, bold=True)]))
            body.append(Items([[Run(t)] for t in texts]))
        if hidden:
            body.append(_hidden_note(hidden))
    if not any_remarks:
        body.append(Para([Run("Geen opmerkingen.", italic=True)], "note"))

    body.append(Heading(2, "Aanbevelingen voor beleid en uitvoering"))
    advice = series.theme_advice_rows(group)
    if advice:
        body.append(_advice_table(advice, with_session=True))
    else:
        body.append(Para([Run(NOTHING, italic=True)], "note"))
    return body


def series_document(series: SeriesReport) -> Document:
    """The series as the report's skeleton: the set-up (with the validation round), one chapter
    per theme, the rode draden, and appendix 2."""
    everything = series.selection.strip().casefold() == "all"
    themes = series.themes()
    title = (
        "Burgerconsultaties"
        if everything or len(themes) != 1
        else f"Burgerconsultaties: {themes[0].theme}"
    )
    n = len(series.reports)
    doc = Document(
        title,
        f"{n} {'sessie' if n == 1 else 'sessies'}, {_series_count_text(series)}",
        created=series.now,
    )
    body = doc.body

    body.append(Heading(1, "Overzicht van de burgerconsultaties"))
    rows = []
    for r in series.reports:
        count, counted = r.participant_count()
        rows.append(
            [
                _lines(str(series.number(r))),
                _lines(r.session.programme.theme),
                _lines(r.session.place),
                _lines(nl_date(r.session.date)),
                _lines("" if count is None else str(count) if counted else f"{count} (verwacht)"),
            ]
        )
    body.append(Table(["Nr.", "Thema", "Plaats", "Datum", "Deelnemers"], rows, "sessions"))

    body.append(Heading(2, "Online validatiesessies"))
    validated = [r for r in series.reports if r.validations]
    if validated:
        body.append(
            Para(
                [
                    Run(
                        f"Feedback uit de validatieronde is vastgelegd bij {len(validated)} van "
                        f"de {n} {'sessie' if n == 1 else 'sessies'}."
                    )
                ]
            )
        )
        for r in validated:
            body.append(
                Heading(
                    3,
                    f"Burgerbijeenkomst {series.number(r)}: "
                    f"{r.session.place}, {nl_date(r.session.date)}",
                )
            )
            body.append(_items(r.validations, authors=False, report=r))
    else:
        body.append(
            Para([Run("Nog geen feedback uit de validatieronde vastgelegd.", italic=True)], "note")
        )

    for number, group in enumerate(themes, 1):
        body.extend(_theme_chapter(series, number, group))

    body.append(Heading(1, "Rode draden"))
    body.append(
        Para(
            [
                Run(
                    "De tags van de notulisten, geteld over de sessies. Een tag die in meer "
                    "sessies terugkomt, is een kandidaat voor een rode draad: een dwarsverband "
                    "of themaoverstijgend inzicht.",
                    italic=True,
                )
            ],
            "note",
        )
    )
    threads = series.threads()
    if threads:
        body.append(
            Table(
                ["Tag", "Sessies", "Keer gebruikt", "Waar"],
                [
                    [
                        _lines("#" + th.tag),
                        _lines(str(len(th.sessions))),
                        _lines(str(th.entries)),
                        _lines(", ".join(s.place for s in th.sessions)),
                    ]
                    for th in threads
                ],
                "threads",
            )
        )
    else:
        body.append(Para([Run("Nog geen tags gebruikt.", italic=True)], "note"))

    body.append(Heading(1, APPENDIX_TITLE))
    missing = series.without_profile()
    if len(missing) == len(series.reports):
        body.append(Para([Run(NO_PROFILE, italic=True)], "note"))
    else:
        body.append(profile_table(series.participants()))
        if missing:
            where = ", ".join(f"{s.place} ({nl_date(s.date)})" for s in missing)
            body.append(
                Para(
                    [Run(f"Zonder deelnemersprofiel, niet in de tabel: {where}.", italic=True)],
                    "note",
                )
            )
    return doc


NO_PROFILE = (
    "Nog geen deelnemersprofiel vastgelegd. Leg het per sessie vast in facilitator "
    "(toets d op het scherm van de sessie)."
)


def _series_count_text(series: SeriesReport) -> str:
    """ "43 deelnemers", honest about sessions that were not counted or only expected."""
    if len(series.uncounted()) == len(series.reports):
        return "aantal deelnemers onbekend"
    text = f"{series.participant_total()} deelnemers"
    if series.uncounted():
        text = "ten minste " + text
    if series.only_expected():
        text += " (deels verwacht aantal)"
    return text
