"""One report model, built from a session's loaded data, for every export format.

`build(data, now)` takes everything about a session (`core.session.SessionData`, which the store
loads with `store.transfer.load(id)` and a JSON import reads); `SessionReport` adds the clock
computed from the stored events and the views a draft report needs (outputs per phase, key
insights, the recommendations table, remarks by slot, the timeline). `for_participants` strips
what the participant version ("conceptverslag") must not show. `build_series` combines sessions
for the series report. No Textual, no aiohttp, no database here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime

from facilitator.core import clock as ck
from facilitator.core.clock import BlockState, ClockState, compute
from facilitator.core.entries import LEVELS, Entry
from facilitator.core.participants import Profile, combine
from facilitator.core.session import SessionData, SessionInfo

FORMAT_VERSION = 1
AUDIENCES = ("team", "participants")

# What each phase typically produces, in the order the draft lists it.
PHASE_KINDS = ("story", "emblem", "quote", "design_question", "rule", "prototype")
# Internal working material: never in the participant version.
INTERNAL_KINDS = ("observation", "validation")


def for_participants(data: SessionData) -> SessionData:
    """The participant version: no internal observations or validation notes, no hidden remarks,
    no names of facilitators or note-takers."""
    return replace(
        data,
        session=replace(data.session, facilitators=[]),
        entries=[replace(e, author="") for e in data.entries if e.kind not in INTERNAL_KINDS],
        history={},
        remarks=[r for r in data.remarks if not r.hidden],
    )


@dataclass(frozen=True)
class AdviceRow:
    """One recommendation with the quotes linked to it (either way round)."""

    level: str
    advice: Entry
    quotes: list[Entry]
    session: SessionInfo | None = None  # set in the series report


@dataclass(frozen=True)
class PhaseOutput:
    """What one phase (or the blocks outside the phases) produced, by kind."""

    phase: int | None
    name: str
    blocks: list[BlockState]
    by_kind: dict[str, list[Entry]]
    elsewhere: dict[str, int]  # kinds captured here that the report shows in their own section

    @property
    def empty(self) -> bool:
        return not any(self.by_kind.values())


RESUMED = "resumed"  # a timeline item (not a stored action): an interrupted phase going on


@dataclass(frozen=True)
class TimelineItem:
    """A clock action still in force, for the session timeline."""

    at: datetime
    kind: str
    block: str  # the block it concerns (started, extended) or the one running
    minutes: int | None = None


@dataclass
class SessionReport:
    """A session's data with its clock computed at `now` and the views a draft report needs."""

    data: SessionData
    now: datetime
    audience: str = "team"
    clock: ClockState = field(init=False)

    def __post_init__(self) -> None:
        if self.audience not in AUDIENCES:
            raise ValueError(f"audience must be one of {', '.join(AUDIENCES)}")
        # An event stamped ahead of this laptop's clock still counts: the report never depends on
        # which machine's clock runs behind.
        self.now = max([self.now, *(ev.at for ev in self.data.clock_events)])
        self.clock = compute(self.data.session.programme.blocks, self.data.clock_events, self.now)
        self._by_key = {b.key: b for b in self.clock.blocks}
        self._by_id = {e.id: e for e in self.data.entries}
        self._linked_from: dict[str, list[str]] | None = None  # built when first asked

    @property
    def session(self) -> SessionInfo:
        return self.data.session

    @property
    def concept(self) -> bool:
        """The participant version ("conceptverslag")."""
        return self.audience == "participants"

    @property
    def blocks(self) -> list[BlockState]:
        """The agenda as it ran: unplanned breaks inserted where they happened."""
        return self.clock.blocks

    def block_of(self, entry: Entry) -> BlockState | None:
        return self._by_key.get(entry.block_key or "")

    def block_index(self, entry: Entry) -> int | None:
        block = self.block_of(entry)
        return block.index if block is not None else None

    def entry(self, entry_id: str) -> Entry | None:
        return self._by_id.get(entry_id)

    def of_kind(self, kind: str) -> list[Entry]:
        return [e for e in self.data.entries if e.kind == kind]

    @property
    def insights(self) -> list[Entry]:
        return self.of_kind("insight")

    @property
    def observations(self) -> list[Entry]:
        return self.of_kind("observation")

    @property
    def validations(self) -> list[Entry]:
        return self.of_kind("validation")

    def participant_count(self) -> tuple[int | None, bool]:
        """(number, counted): the profile's total when recorded, else the expected number."""
        from facilitator.core.participants import total

        if self.data.participants:
            return total(self.data.participants), True
        return self.session.expected_participants, False

    def phase_outputs(self) -> list[PhaseOutput]:
        """Stories, zinnebeelden, quotes, design questions, rules and prototypes per phase;
        what was captured outside the four phases comes last."""
        groups: dict[int | None, list[BlockState]] = {}
        for b in self.blocks:
            groups.setdefault(b.block.phase if b.block.kind == "phase" else None, []).append(b)
        keys = sorted(k for k in groups if k is not None)
        outputs = []
        for phase in [*keys, None]:
            blocks = groups.get(phase, [])
            block_keys = {b.key for b in blocks}
            by_kind: dict[str, list[Entry]] = {k: [] for k in PHASE_KINDS}
            elsewhere: Counter[str] = Counter()
            for e in self.data.entries:
                inside = e.block_key in block_keys
                if phase is None:
                    inside = inside or e.block_key not in self._by_key
                if not inside:
                    continue
                if e.kind in by_kind:
                    by_kind[e.kind].append(e)
                elif e.kind in ("advice", "insight"):
                    elsewhere[e.kind] += 1
            name = blocks[0].name if phase is not None and blocks else ""
            outputs.append(PhaseOutput(phase, name, blocks, by_kind, dict(elsewhere)))
        return [o for o in outputs if o.phase is not None or not o.empty]

    def advice_rows(self) -> list[AdviceRow]:
        """Recommendations grouped Overkoepelend, Landelijk, Lokaal, each with its linked quotes."""
        quoted_by: dict[str, list[str]] = {}
        for e in self.data.entries:
            if e.kind == "quote":
                for target in e.links:
                    quoted_by.setdefault(target, []).append(e.id)
        rows = []
        for level in LEVELS:
            for advice in self.of_kind("advice"):
                if advice.level != level:
                    continue
                ids = list(dict.fromkeys([*advice.links, *quoted_by.get(advice.id, [])]))
                quotes = [
                    q for q in (self.entry(i) for i in ids) if q is not None and q.kind == "quote"
                ]
                quotes.sort(key=lambda q: (q.created_at, q.id))
                rows.append(AdviceRow(level, advice, quotes))
        return rows

    @property
    def timezone(self) -> str:
        """The session's own time zone: every time in the report is printed on its clock."""
        return self.session.timezone

    def hidden_remarks(self) -> int:
        """How many remarks the facilitator hid (their text never goes in a report)."""
        return sum(1 for r in self.data.remarks if r.hidden)

    def linked(self, entry: Entry, kinds: tuple[str, ...]) -> list[Entry]:
        """Entries of `kinds` linked to `entry`, either way round, in the order captured."""
        if self._linked_from is None:
            back: dict[str, list[str]] = {}
            for e in self.data.entries:
                for target in e.links:
                    back.setdefault(target, []).append(e.id)
            self._linked_from = back
        ids = [*entry.links, *self._linked_from.get(entry.id, [])]
        found = [x for x in (self.entry(i) for i in dict.fromkeys(ids)) if x and x.kind in kinds]
        return sorted(found, key=lambda x: (x.created_at, x.id))

    def story_of(self, rule: Entry) -> Entry | None:
        """The story a rule came from (a real link), or None."""
        stories = [self.entry(i) for i in rule.links]
        return next((e for e in stories if e is not None and e.kind == "story"), None)

    def remarks_by_slot(self) -> list[tuple[str, list[str]]]:
        """The visible anonymous remarks grouped by slot, in agenda order."""
        out: dict[str, list[str]] = {}
        for r in self.data.remarks:  # already in agenda order (see core.session.remark_order)
            if not r.hidden:
                out.setdefault(r.slot, []).append(r.text)
        return list(out.items())

    def timeline(self) -> list[TimelineItem]:
        """The facilitator's clock actions still in force (undone ones left out), in order."""
        items: list[TimelineItem] = []
        running = ""
        # Planned minutes as the clock had them at each moment: a second rebalance cuts from
        # the first one's minutes, not from the programme's, and never from a started block.
        planned = {b.key: b.block.minutes for b in self.blocks}
        started: set[str] = set()
        begun: set[str] = set()
        for ev in ck.effective_events(self.data.clock_events):
            if ev.kind in (ck.START, ck.EXTRA_BREAK):
                started.add(str(ev.data.get("key")))
            if ev.kind == ck.START:
                key = str(ev.data.get("key"))
                block = self._by_key.get(key)
                running = block.name if block else key
                # A second start of a block: a phase a break interrupted, going on.
                kind = RESUMED if key in begun else ev.kind
                begun.add(key)
                items.append(TimelineItem(ev.at, kind, running))
            elif ev.kind == ck.EXTRA_BREAK:
                running = str(ev.data.get("name") or "Pauze")
                items.append(
                    TimelineItem(ev.at, ev.kind, running, int(ev.data.get("minutes") or 0))
                )
            elif ev.kind == ck.EXTEND:
                items.append(
                    TimelineItem(ev.at, ev.kind, running, int(ev.data.get("minutes") or 0))
                )
            elif ev.kind == ck.REBALANCE:
                cut = 0
                for key, minutes in dict(ev.data.get("minutes", {})).items():
                    if key in planned and key not in started and int(minutes) >= 1:
                        cut += planned[key] - int(minutes)
                        planned[key] = int(minutes)
                items.append(TimelineItem(ev.at, ev.kind, running, cut))
            else:
                items.append(TimelineItem(ev.at, ev.kind, running))
        return items


def by_sub_question(
    entries: list[Entry], sub_questions: list[str]
) -> list[tuple[str, list[Entry]]]:
    """Entries grouped by the sub-question they answer, in the programme's order; a sub-question
    no longer in the programme next, those tied to none last (under "")."""
    groups: dict[str, list[Entry]] = {q: [] for q in sub_questions}
    rest: list[Entry] = []
    for e in entries:
        if e.sub_question:
            groups.setdefault(e.sub_question, []).append(e)
        else:
            rest.append(e)
    out = [(q, es) for q, es in groups.items() if es]
    if rest:
        out.append(("", rest))
    return out


def by_building_block(prototypes: list[Entry]) -> list[tuple[str, list[Entry]]]:
    """Prototypes under each building block they use (the report's list first, then the ones
    typed freely), those without any last (under "")."""
    from facilitator.core.entries import BUILDING_BLOCKS

    groups: dict[str, list[Entry]] = {b: [] for b in BUILDING_BLOCKS}
    rest: list[Entry] = []
    for e in prototypes:
        for b in e.building_blocks or []:
            groups.setdefault(b, []).append(e)
        if not e.building_blocks:
            rest.append(e)
    out = [(b, es) for b, es in groups.items() if es]
    if rest:
        out.append(("", rest))
    return out


def build(data: SessionData, now: datetime, audience: str = "team") -> SessionReport:
    """The report of one session as the team (or, with audience="participants", the group)
    sees it."""
    if audience == "participants":
        data = for_participants(data)
    return SessionReport(data, now, audience)


# -- the series report -----------------------------------------------------------------------


@dataclass(frozen=True)
class ThemeGroup:
    """One theme of the series with its sessions, by date."""

    programme: str
    theme: str
    main_question: str
    sub_questions: list[str]
    reports: list[SessionReport]


@dataclass(frozen=True)
class Thread:
    """A tag used across sessions: a candidate cross-cutting thread (rode draad)."""

    tag: str
    entries: int
    sessions: list[SessionInfo]


@dataclass
class SeriesReport:
    """Several sessions combined: per theme its sessions, all recommendations by level, tags
    counted across sessions, and the participants' profile added up."""

    selection: str  # "all", or the theme or programme id asked for
    reports: list[SessionReport]

    def themes(self) -> list[ThemeGroup]:
        groups: dict[str, list[SessionReport]] = {}
        for r in self.reports:
            groups.setdefault(r.session.programme.id, []).append(r)
        out = []
        for pid, reports in groups.items():
            prog = reports[0].session.programme
            out.append(
                ThemeGroup(pid, prog.theme, prog.main_question, list(prog.sub_questions), reports)
            )
        return out

    def advice_rows(self) -> list[AdviceRow]:
        rows = [replace(row, session=r.session) for r in self.reports for row in r.advice_rows()]
        order = {level: i for i, level in enumerate(LEVELS)}
        return sorted(rows, key=lambda row: order[row.level])  # stable: sessions stay in date order

    @property
    def now(self) -> datetime:
        """When the series was exported (the latest of its reports' moments)."""
        return max(r.now for r in self.reports)

    def number(self, report: SessionReport) -> int:
        """A session's number in the series, counted by date (burgerbijeenkomst 1, 2, ...)."""
        return self.reports.index(report) + 1

    def theme_advice_rows(self, group: ThemeGroup) -> list[AdviceRow]:
        """One theme's recommendations by level, each with the session it came from."""
        rows = [replace(row, session=r.session) for r in group.reports for row in r.advice_rows()]
        order = {level: i for i, level in enumerate(LEVELS)}
        return sorted(rows, key=lambda row: order[row.level])

    def threads(self) -> list[Thread]:
        """Tags by the number of sessions they appear in, then by how often they were used."""
        entries: Counter[str] = Counter()
        sessions: dict[str, dict[str, SessionInfo]] = {}
        for r in self.reports:
            for e in r.data.entries:
                for tag in e.tags:
                    entries[tag] += 1
                    sessions.setdefault(tag, {})[r.session.id] = r.session
        threads = [Thread(tag, n, list(sessions[tag].values())) for tag, n in entries.items()]
        return sorted(threads, key=lambda th: (-len(th.sessions), -th.entries, th.tag))

    def participants(self) -> Profile:
        return combine(r.data.participants for r in self.reports)

    def participant_total(self) -> int:
        """Respondents in all sessions: each session's profile total, else its expected number."""
        return sum(n or 0 for n, _ in (r.participant_count() for r in self.reports))

    def uncounted(self) -> list[SessionInfo]:
        """Sessions with neither a profile nor an expected number: the total leaves them out."""
        return [r.session for r in self.reports if r.participant_count()[0] is None]

    def only_expected(self) -> list[SessionInfo]:
        """Sessions whose number is the expected one, with no profile recorded."""
        return [
            r.session
            for r in self.reports
            if r.participant_count()[0] is not None and not r.participant_count()[1]
        ]

    def without_profile(self) -> list[SessionInfo]:
        """Sessions whose group profile was not recorded: the appendix table leaves them out."""
        return [r.session for r in self.reports if not r.data.participants]


def select_sessions(sessions: list[SessionInfo], selection: str) -> list[SessionInfo]:
    """`all`, or the sessions of one theme, named by programme id or by theme (any case)."""
    wanted = selection.strip().casefold()
    chosen = [
        s
        for s in sessions
        if wanted == "all"
        or wanted in (s.programme.id.casefold(), s.programme.theme.strip().casefold())
    ]
    return sorted(chosen, key=lambda s: (s.date, s.place, s.id))


def build_series(selection: str, sessions: Iterable[SessionData], now: datetime) -> SeriesReport:
    """The series report over the sessions `selection` chose (`select_sessions`), by date."""
    return SeriesReport(selection, [build(data, now) for data in sessions])


def series_title(selection: str, sessions: list[SessionInfo]) -> str:
    """ "Burgerconsultaties", or "Burgerconsultaties: THEME" for one theme's sessions."""
    themes = {s.programme.id: s.programme.theme for s in sessions}
    if selection.strip().casefold() == "all" or len(themes) != 1:
        return "Burgerconsultaties"
    return f"Burgerconsultaties: {next(iter(themes.values()))}"
