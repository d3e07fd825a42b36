"""The report model: what goes where in the draft, the participant version, the series report."""

from __future__ import annotations

import subprocess
import sys

import pytest

from facilitator.core import clock as ck
from facilitator.core.programme import find, shipped_dir
from facilitator.core.report import build, select_sessions
from facilitator.export import export_series, export_session, series_report
from facilitator.store import StoreError
from tests.golden.sample_session import SESSION, at, build_sample

NOW = at(60 * 24 * 8)


def test_core_report_needs_no_ui():
    code = (
        "import sys, facilitator.core.report, facilitator.export.document, "
        "facilitator.export.markdown, facilitator.export.jsondoc, facilitator.export.csvrows; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'aiohttp', 'docx')]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_outputs_per_phase_and_elsewhere(store):
    sid = build_sample(store)
    report = build(store.transfer.load(sid), NOW)
    outputs = {o.phase: o for o in report.phase_outputs()}
    assert set(outputs) == {1, 2, 3, 4}  # nothing outside the phases in the sample
    assert [e.id for e in outputs[1].by_kind["story"]] == ["e01"]
    assert [e.id for e in outputs[3].by_kind["prototype"]] == ["e07"]
    assert outputs[4].empty and outputs[4].elsewhere == {"advice": 4, "insight": 2}
    assert [e.id for e in report.insights] == ["e14", "e15"]


def test_advice_rows_by_level_with_quotes_linked_either_way(store):
    sid = build_sample(store)
    # A quote may also point at the advice it illustrates.
    q = store.entries.add(
        sid,
        "quote",
        {"text": "Het plein is van iedereen."},
        links=["e13"],
        entry_id="q-rev",
        block_key="fase4",
        now=at(267),
    )
    rows = build(store.transfer.load(sid), NOW).advice_rows()
    assert [(r.level, r.advice.id) for r in rows] == [
        ("overarching", "e10"),
        ("national", "e11"),
        ("local", "e12"),
        ("local", "e13"),
    ]
    assert [q.id for q in rows[0].quotes] == ["e03"]
    assert [x.id for x in rows[3].quotes] == [q.id]  # e13 links a story, which is no quote


def test_participant_version_strips_internal_material(store):
    sid = build_sample(store)
    report = build(store.transfer.load(sid), NOW, "participants")
    kinds = {e.kind for e in report.data.entries}
    assert "observation" not in kinds and "validation" not in kinds
    assert {e.author for e in report.data.entries} == {""}
    assert report.session.facilitators == []
    assert all(not r.hidden for r in report.data.remarks)
    for fmt in ("md", "html"):
        text = export_session(store, sid, fmt, now=NOW, audience="participants")
        for internal in (
            "Observaties",
            "Anna de Vries",
            "Bram Jansen",
            "AB]",
            "CD]",
            "Dit hoort niet in het verslag",
            "supermarkt",
            "Feedback uit de validatiesessie",
        ):
            assert internal not in text, (fmt, internal)
        assert "Op mijn werk word ik anders behandeld." in text


def test_validation_feedback_is_in_the_team_version_only(store):
    sid = build_sample(store)
    team = export_session(store, sid, "md", now=NOW)
    assert (
        "## Feedback uit de validatiesessie\n\n- Deelnemers missen het verhaal over de supermarkt."
        in team
    )
    # Feedback is not an output of a phase, an insight or a recommendation.
    head, _, tail = team.partition("## Feedback uit de validatiesessie")
    assert "supermarkt" not in head


def test_a_running_session_and_a_planned_one_export(store, session_id, clock):
    for fmt in ("md", "html", "docx", "csv", "json"):
        assert export_session(store, session_id, fmt, now=clock())
    md = export_session(store, session_id, "md", now=clock())
    assert "De sessie is nog niet begonnen." in md
    assert "**Aantal deelnemers:** 20 (verwacht)" in md
    programme = store.sessions.get(session_id).programme
    store.clock.add(session_id, ck.START, clock(), {"key": programme.blocks[0].key})
    clock.advance(minutes=7)
    md = export_session(store, session_id, "md", now=clock())
    assert "loopt, 7 min" in md and "(nog bezig)" in md


def test_series_by_theme_and_all(store, clock):
    build_sample(store)
    spel = find("spelregels", [shipped_dir()])
    wed = find("wederkerigheid", [shipped_dir()])
    bosch = store.sessions.create(spel, "Den Bosch", "2026-04-12", now=clock())
    gron = store.sessions.create(wed, "Groningen", "2026-04-15", now=clock())
    store.entries.add(
        bosch,
        "advice",
        {"text": "Maak spelregels zichtbaar.", "level": "local"},
        tags=["omstanders", "zichtbaar"],
        now=clock(),
    )
    store.entries.add(
        gron,
        "advice",
        {"text": "Wees zichtbaar in de wijk.", "level": "overarching"},
        tags=["zichtbaar"],
        now=clock(),
    )
    store.participants.set(gron, {"area": {"urban": 10, "rural": 13}})

    everything = series_report(store, "all", NOW)
    assert [r.session.place for r in everything.reports] == ["Utrecht", "Den Bosch", "Groningen"]
    assert [g.programme for g in everything.themes()] == ["spelregels", "wederkerigheid"]
    levels = [(r.level, r.session.place) for r in everything.advice_rows()]
    assert levels == [
        ("overarching", "Utrecht"),
        ("overarching", "Groningen"),
        ("national", "Utrecht"),
        ("local", "Utrecht"),
        ("local", "Utrecht"),
        ("local", "Den Bosch"),
    ]
    threads = {t.tag: (len(t.sessions), t.entries) for t in everything.threads()}
    assert threads["omstanders"] == (2, 6) and threads["zichtbaar"] == (2, 2)
    assert everything.threads()[0].tag == "omstanders"  # most sessions, then most used
    assert everything.participants()["area"] == {"urban": 24, "rural": 19}
    assert everything.participant_total() == 20 + 23 + 0  # Den Bosch expected none
    assert [s.place for s in everything.uncounted()] == ["Den Bosch"]
    md_all = export_series(store, "all", "md", now=NOW)
    assert "*3 sessies, ten minste 43 deelnemers" in md_all
    assert "Zonder deelnemersprofiel, niet in de tabel: Den Bosch" in md_all

    by_theme = series_report(store, "Spelregels voor de samenleving", NOW)
    assert [r.session.place for r in by_theme.reports] == ["Utrecht", "Den Bosch"]
    md = export_series(store, "spelregels", "md", now=NOW)
    assert md.startswith("# Burgerconsultaties: Spelregels voor de samenleving")
    assert "### Overzicht opzet burgerbijeenkomst 1 en 2" in md
    assert "De consultaties vonden plaats in Utrecht en Den Bosch met in totaal 20 deelnemers" in md
    assert "Wees zichtbaar" not in md

    with pytest.raises(StoreError, match="no sessions for 'verbindende-plekken'"):
        series_report(store, "verbindende-plekken", NOW)


def test_select_sessions_matches_id_or_theme_in_any_case(store, clock):
    build_sample(store)
    sessions = store.sessions.list()
    assert [s.id for s in select_sessions(sessions, "SPELREGELS")] == [SESSION]
    assert [s.id for s in select_sessions(sessions, " spelregels voor de samenleving ")] == [
        SESSION
    ]
    assert select_sessions(sessions, "spel") == []


@pytest.mark.parametrize("fmt", ["md", "html", "json", "csv", "docx"])
def test_progress_is_reported_up_to_the_end(store, fmt):
    sid = build_sample(store)
    seen: list[tuple[int, int]] = []
    export_session(
        store, sid, fmt, now=NOW, progress=lambda done, total: seen.append((done, total))
    )
    assert seen and seen[-1][0] == seen[-1][1]
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def _table_widths(page: str) -> list[list[int]]:
    """For every table in an HTML page, how many columns each body row fills; only the first
    column spans rows (the grouped tables), so one counter of covered rows is enough."""
    from html.parser import HTMLParser

    class Grid(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.tables: list[list[int]] = []
            self.covered = 0  # rows the first column's current row span still covers
            self.row: list[int] = []

        def handle_starttag(self, tag, attrs):
            if tag == "table":
                self.tables.append([])
                self.covered = 0
            elif tag == "tr":
                self.row = []
            elif tag == "td":
                self.row.append(int(dict(attrs).get("rowspan") or 1))

        def handle_endtag(self, tag):
            if tag != "tr" or not self.row:
                return
            if self.covered:
                self.tables[-1].append(len(self.row) + 1)
                self.covered -= 1
            else:
                self.tables[-1].append(len(self.row))
                self.covered = self.row[0] - 1

    grid = Grid()
    grid.feed(page)
    return grid.tables


def test_html_grouped_tables_keep_their_columns(store, clock):
    """Groups of three and more rows (the appendix, three local recommendations) stay a grid."""
    sid = build_sample(store)
    store.entries.add(
        sid, "advice", {"text": "Nog een lokaal advies.", "level": "local"}, now=at(267)
    )
    store.participants.set(sid, {"age": {"18-30": 3}, "area": {"urban": 1}})
    for page in (
        export_series(store, "all", "html", now=NOW),
        export_session(store, sid, "html", now=NOW),
    ):
        for widths in _table_widths(page):
            assert len(set(widths)) == 1, widths
    page = export_series(store, "all", "html", now=NOW)
    assert '<td class="c0" rowspan="4"><p dir="auto">Leeftijd</p></td>' in page
    assert '<td class="c0" rowspan="3"><p dir="auto">Lokaal</p></td>' in page


def test_timeline_counts_what_each_rebalance_cut(store, session_id, clock):
    """A second rebalance cuts from the minutes the first one left, not from the programme's."""
    add = store.clock.add
    add(session_id, ck.START, clock(), {"key": "welkom"})
    add(session_id, ck.REBALANCE, clock.advance(minutes=25), {"minutes": {"fase2": 35}})
    add(session_id, ck.REBALANCE, clock.advance(minutes=5), {"minutes": {"fase2": 30}})
    add(session_id, ck.START, clock.advance(minutes=1), {"key": "fase1"})
    # fase1 has started: this one changes nothing on the clock, so it cuts nothing either.
    add(session_id, ck.REBALANCE, clock.advance(minutes=1), {"minutes": {"fase1": 50}})
    report = build(store.transfer.load(session_id), clock())
    assert [b.planned_minutes for b in report.blocks if b.key in ("fase1", "fase2")] == [60, 30]
    cuts = [it.minutes for it in report.timeline() if it.kind == ck.REBALANCE]
    assert cuts == [5, 5, 0]


def test_csv_links_only_to_entries_it_holds(store, session_id, clock):
    import csv
    import io

    quote = store.entries.add(session_id, "quote", {"text": "q"}, now=clock())
    gone = store.entries.add(session_id, "quote", {"text": "weg"}, now=clock())
    store.entries.add(
        session_id,
        "advice",
        {"text": "a", "level": "local"},
        links=[quote.id, gone.id],
        now=clock(),
    )
    store.entries.delete(gone.id, now=clock())
    text = export_session(store, session_id, "csv", now=clock())
    rows = list(csv.DictReader(io.StringIO(text[1:])))
    assert [r["links"] for r in rows if r["kind"] == "advice"] == [quote.id]
    assert {r["id"] for r in rows} == {quote.id, rows[-1]["id"]}
