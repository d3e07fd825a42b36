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

from facilitator.core import clock as ck
from facilitator.core.clock import BlockState, whole_minutes
from facilitator.core.entries import LEVEL_LABELS_NL, Entry
from facilitator.core.participants import APPENDIX_TITLE, COLUMNS, table
from facilitator.core.programme import PHASE_NAMES
from facilitator.core.report import RESUMED, AdviceRow, SeriesReport, SessionReport
from facilitator.core.timeutil import local

# -- the elements ----------------------------------------------------------------------------


@dataclass(frozen=True)
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


Element = Heading | Para | Items | Table | Chart


@dataclass
class Document:
    title: str
    subtitle: str
    body: list[Element] = field(default_factory=list)
    lang: str = "nl"

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


def nl_date(text: str) -> str:
    """2026-03-01 as "1 maart 2026" (the text itself when it is not a date)."""
    try:
        d = date.fromisoformat(text)
    except ValueError:
        return text
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def hhmm(dt: datetime | None) -> str:
    return local(dt).strftime("%H:%M") if dt is not None else ""


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


def _entry_line(e: Entry, *, authors: bool) -> Line:
    """How one captured entry reads in a list."""
    if e.kind == "quote":
        line = _quote_line(e)
    elif e.kind in ("emblem", "prototype"):
        line = [Run(e.title, bold=True)]
        if e.text:
            line.append(Run(": " + e.text))
        if e.building_blocks:
            line.append(Run(" Bouwstenen: ", italic=True))
            line.append(Run("; ".join(e.building_blocks)))
    else:
        line = [Run(e.text)]
        if e.kind == "rule" and e.source:
            line.append(Run(f" ({e.source})"))
    if authors and e.author:
        line.append(Run(f" [{e.author}]", italic=True))
    return line


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


def _planned_cell(b: BlockState, clock: ck.ClockState) -> str:
    text = f"{b.planned_minutes} min"
    if b.planned_minutes != b.block.minutes and not b.inserted:
        text = f"{b.block.minutes} → {b.planned_minutes} min"
    start = clock.planned_start(b.index) if not b.inserted else None
    if start is not None:
        end = start + timedelta(minutes=b.block.minutes)
        return f"{hhmm(start)}–{hhmm(end)} · {text}"
    return text


def _actual_cell(b: BlockState, now: datetime) -> str:
    if b.started_at is None:
        return "—"
    took = minutes(b.actual_seconds(now))
    extra = f" (+{b.extra_minutes} verlengd)" if b.extra_minutes else ""
    # A phase a break interrupted ran in more than one stretch: "09:00–09:40, 09:55–10:15".
    spans = ", ".join(f"{hhmm(start)}–{hhmm(end) if end else ''}" for start, end in b.segments)
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
                _lines(_planned_cell(b, report.clock)),
                _lines(_actual_cell(b, report.clock.now)),
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
    doc = Document(title, f"{s.place}, {nl_date(s.date)}")
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
                body.append(Items([_entry_line(e, authors=team) for e in entries]))

    body.append(Heading(1, "Belangrijkste inzichten en opbrengsten"))
    if report.insights:
        body.append(Items([_entry_line(e, authors=team) for e in report.insights], numbered=True))
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
        body.append(Items([_entry_line(e, authors=True) for e in report.observations]))

    body.append(Heading(1, "Anonieme opmerkingen"))
    slots = report.remarks_by_slot()
    if slots:
        for slot, texts in slots:
            body.append(Heading(2, slot))
            body.append(Items([[Run(t)] for t in texts]))
    else:
        body.append(Para([Run("Geen opmerkingen.", italic=True)], "note"))

    if team and report.validations:
        body.append(Heading(1, "Feedback uit de validatiesessie"))
        body.append(Items([_entry_line(e, authors=True) for e in report.validations]))

    body.append(Heading(1, "Tijdlijn"))
    if clock.started_at is not None:
        body.append(Chart(report.blocks, clock))
    items = report.timeline()
    if items:
        rows = [
            [
                _lines(hhmm(it.at)),
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


def series_document(series: SeriesReport) -> Document:
    """Sessions combined: per theme its sessions, recommendations by level, threads, profile."""
    everything = series.selection.strip().casefold() == "all"
    themes = series.themes()
    title = (
        "Burgerconsultaties"
        if everything or len(themes) != 1
        else f"Burgerconsultaties: {themes[0].theme}"
    )
    n = len(series.reports)
    doc = Document(title, f"{n} {'sessie' if n == 1 else 'sessies'}, {_series_count_text(series)}")
    body = doc.body

    body.append(Heading(1, "Overzicht van de burgerconsultaties"))
    rows = []
    for r in series.reports:
        count, counted = r.participant_count()
        rows.append(
            [
                _lines(r.session.programme.theme),
                _lines(r.session.place),
                _lines(nl_date(r.session.date)),
                _lines("" if count is None else str(count) if counted else f"{count} (verwacht)"),
            ]
        )
    body.append(Table(["Thema", "Plaats", "Datum", "Deelnemers"], rows, "sessions"))

    for group in themes:
        body.append(Heading(1, group.theme))
        body.extend(_questions(group.main_question, group.sub_questions))
        body.append(
            Heading(
                2, "Overzicht opzet burgerbijeenkomst" + ("en" if len(group.reports) > 1 else "")
            )
        )
        body.append(
            Items(
                [
                    [
                        Run(f"{r.session.place}, {nl_date(r.session.date)}: "),
                        Run(f"{_count_text(r)} deelnemers"),
                    ]
                    for r in group.reports
                ]
            )
        )
        body.append(Heading(2, "Belangrijkste inzichten en opbrengsten"))
        insights = [
            [*_entry_line(e, authors=False), Run(f" ({r.session.place})", italic=True)]
            for r in group.reports
            for e in r.insights
        ]
        if insights:
            body.append(Items(insights, numbered=True))
        else:
            body.append(Para([Run(NOTHING, italic=True)], "note"))

    body.append(Heading(1, "Aanbevelingen voor beleid en uitvoering"))
    advice = series.advice_rows()
    if advice:
        body.append(_advice_table(advice, with_session=True))
    else:
        body.append(Para([Run(NOTHING, italic=True)], "note"))

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
