"""The draft report as one self-contained, printable HTML file.

No external resource of any kind: the styles are inline, the timeline chart is inline SVG, and a
Content-Security-Policy forbids the page to load anything, so the file opens the same offline, in
a mail attachment or from a USB stick. Every typed text is HTML-escaped (quotes included).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import datetime, timedelta
from html import escape as _esc

from facilitator.core.clock import BlockState, ClockState
from facilitator.core.timeutil import DEFAULT_ZONE
from facilitator.export.document import (
    IMAGE_TYPES,
    Chart,
    Document,
    Heading,
    Items,
    Line,
    Para,
    Progress,
    Table,
    block_label,
    hhmm,
    minutes,
    photo_file,
)

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
PLAN, DONE, LATE = "#d6dde4", "#2e7d5b", "#b3261e"  # the chart's planned, actual and overrun bars

STYLE = """
:root { --ink: #1d1d1b; --muted: #5f6368; --line: #c9ccd1; --accent: #1f5f8b; --plan: #d6dde4;
        --done: #2e7d5b; --late: #b3261e; --paper: #ffffff; }
* { box-sizing: border-box; }
body { font: 11pt/1.5 "Segoe UI", "Helvetica Neue", Arial, sans-serif; color: var(--ink);
       background: var(--paper); max-width: 56rem; margin: 2rem auto; padding: 0 1.5rem; }
header { border-bottom: 3px solid var(--accent); margin-bottom: 1.5rem; }
h1 { font-size: 1.9rem; margin: 0 0 .2rem; color: var(--accent); }
.subtitle { color: var(--muted); margin: 0 0 .8rem; font-size: 1.1rem; }
h2 { font-size: 1.35rem; margin: 2rem 0 .6rem; color: var(--accent);
     border-bottom: 1px solid var(--line); }
h3 { font-size: 1.1rem; margin: 1.4rem 0 .4rem; }
h4 { font-size: 1rem; margin: 1rem 0 .3rem; color: var(--muted); }
p.note { color: var(--muted); }
p.intro { background: #eef4f8; border-left: 4px solid var(--accent); padding: .6rem .9rem; }
table { border-collapse: collapse; width: 100%; margin: .6rem 0 1.2rem; font-size: .95rem; }
th, td { border: 1px solid var(--line); padding: .35rem .5rem; vertical-align: top;
         text-align: left; }
th { background: #eef1f4; }
td p { margin: 0 0 .35rem; }
td p:last-child { margin-bottom: 0; }
table.advice .c0 { font-weight: 600; width: 9rem; }
table.advice .c2 { width: 40%; }
table.timeline .c0, table.profile .c2 { white-space: nowrap; width: 5rem; }
table.programme .c2, table.programme .c3 { white-space: nowrap; }
ul, ol { padding-left: 1.4rem; }
li { margin: .2rem 0; }
.pre-line { white-space: pre-line; }
figure.photo { margin: .4rem 0; }
figure.photo img { max-width: 100%; max-height: 20rem; }
.photo-missing { color: var(--late); font-style: italic; }
figure { margin: .8rem 0 1.2rem; }
figcaption { color: var(--muted); font-size: .9rem; }
svg text { font-family: inherit; }
@media print {
  @page { size: A4; margin: 18mm 16mm; }
  body { max-width: none; margin: 0; padding: 0; font-size: 10pt; }
  h2 { break-after: avoid; page-break-after: avoid; }
  /* Every chapter after the first starts on a new page, as in the Word version. */
  main > h2:not(:first-of-type) { break-before: page; page-break-before: always; }
  h3, h4 { break-after: avoid; page-break-after: avoid; }
  table, figure, li { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  a { color: inherit; text-decoration: none; }
  p.intro { border: 1px solid var(--line); }
}
"""


def esc(text: str) -> str:
    """Typed text as HTML text (quotes escaped too, so it is safe in attributes)."""
    return _esc(text, quote=True)


def _runs(runs: Line) -> str:
    out = []
    for r in runs:
        text = esc(r.text).replace("\n", "<br>")
        if r.bold:
            text = f"<strong>{text}</strong>"
        if r.italic:
            text = f"<em>{text}</em>"
        out.append(text)
    return "".join(out)


def _table(el: Table, counter: Progress) -> list[str]:
    out = [f'<table class="{esc(el.name)}">', "<thead><tr>"]
    out += [f"<th>{esc(h)}</th>" for h in el.header]
    out.append("</tr></thead><tbody>")
    spans = [1] * len(el.rows)
    if el.grouped:
        # A row whose first cell is empty joins the group above: one cell spans them all.
        head = 0
        for i, row in enumerate(el.rows):
            if i == 0 or row[0]:
                head = i
            else:
                spans[head] += 1
                spans[i] = 0
    for i, row in enumerate(el.rows):
        cells = []
        for j, cell in enumerate(row):
            # A class per column: with row spans, :first-child is not always the first column.
            attrs = f' class="c{j}"'
            if el.grouped and j == 0:
                if spans[i] == 0:
                    continue
                if spans[i] > 1:
                    attrs += f' rowspan="{spans[i]}"'
            inner = "".join(f'<p dir="auto">{_runs(p)}</p>' for p in cell if p)
            cells.append(f"<td{attrs}>{inner}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
        counter.step()
    out.append("</tbody></table>")
    return out


def _photo(path: str) -> str:
    """A zinnebeeld's or prototype's photo inside the page (a data: URL, the page loads nothing),
    or a note naming the path when the file is missing."""
    if not path:
        return ""
    file, note = photo_file(path)
    if file is not None:
        try:
            data = base64.b64encode(file.read_bytes()).decode("ascii")
        except OSError:
            note = f"Foto niet gevonden: {path}"
        else:
            mime = IMAGE_TYPES[file.suffix.lower()]
            return (
                f'<figure class="photo"><img src="data:{mime};base64,{data}" alt="{esc(path)}">'
                f'<figcaption dir="auto">{esc(path)}</figcaption></figure>'
            )
    return f'<br><span class="photo-missing" dir="auto">{esc(note)}</span>'


def timeline_svg(blocks: list[BlockState], clock: ClockState, tz: str = DEFAULT_ZONE) -> str:
    """Planned (light bar) against actual (dark bar) time per block, on one time axis."""
    start = clock.started_at
    if start is None:
        return ""
    now = clock.closed_at or clock.now

    def offset(at: datetime) -> float:
        return (at - start).total_seconds() / 60.0

    spans = []
    for b in blocks:
        planned_at = clock.planned_start(b.index)
        plan = (
            (offset(planned_at), b.block.minutes)
            if planned_at is not None and not b.inserted
            else None
        )
        # One bar per stretch: a phase a break interrupted ran before and after it.
        actual = [
            (offset(start), max(0.0, offset(end or now) - offset(start)))
            for start, end in b.segments
        ]
        spans.append((b, plan, actual))
    horizon = max(
        [clock.planned_total_minutes]
        + [p[0] + p[1] for _, p, _ in spans if p]
        + [a[0] + a[1] for _, _, runs in spans for a in runs]
    )
    horizon = max(30.0, horizon)
    label_w, chart_w, row_h, top = 230, 520, 26, 28
    scale = chart_w / horizon
    height = top + row_h * len(spans) + 34
    width = label_w + chart_w + 20
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" aria-labelledby="timeline-title">',
        '<title id="timeline-title">Gepland en werkelijk per onderdeel</title>',
    ]
    # The time axis: a line every half hour with the clock time.
    step = 30
    t = 0
    while t <= horizon + 0.1:
        x = label_w + t * scale
        parts.append(
            f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{height - 28}" '
            'stroke="#e3e6ea" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{x:.1f}" y="{top - 10}" font-size="11" fill="#5f6368" '
            f'text-anchor="middle">{esc(hhmm(start + timedelta(minutes=t), tz))}</text>'
        )
        t += step
    for i, (b, plan, actual) in enumerate(spans):
        y = top + i * row_h
        name = block_label(b)
        short = name if len(name) <= 34 else name[:33] + "…"
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 16}" font-size="12" text-anchor="end" '
            f'fill="#1d1d1b">{esc(short)}</text>'
        )
        if plan is not None:
            title = f"{name}: gepland {b.block.minutes} min"
            parts.append(
                _bar(label_w + plan[0] * scale, y + 3, plan[1] * scale, row_h - 8, PLAN, title)
            )
        if actual:
            took = minutes(b.actual_seconds(now))
            colour = LATE if took > b.planned_minutes + b.extra_minutes else DONE
            title = f"{name}: werkelijk {took} min"
            for at, length in actual:
                parts.append(
                    _bar(label_w + at * scale, y + 9, length * scale, row_h - 20, colour, title)
                )
    ly = height - 14
    for x, colour, bar_h, label in (
        (0, PLAN, 10, "gepland"),
        (90, DONE, 6, "werkelijk"),
        (190, LATE, 6, "langer dan gepland"),
    ):
        parts.append(
            f'<rect x="{label_w + x}" y="{ly - bar_h + 1}" width="18" height="{bar_h}" '
            f'fill="{colour}"/>'
        )
        parts.append(
            f'<text x="{label_w + x + 24}" y="{ly}" font-size="11" fill="#5f6368">{label}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts)


def _bar(x: float, y: float, width: float, height: float, fill: str, title: str) -> str:
    """One bar of the chart, with its figures as a tooltip (and for screen readers)."""
    return (
        f'<rect x="{x:.1f}" y="{y}" width="{max(1.0, width):.1f}" height="{height}" fill="{fill}" '
        f'rx="2"><title>{esc(title)}</title></rect>'
    )


def render(doc: Document, progress: Callable[[int, int], None] | None = None) -> str:
    """The whole document as one HTML page."""
    counter = Progress(doc.size(), progress)
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{esc(doc.lang)}">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(doc.title)}</title>",
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        f'<header><h1>{esc(doc.title)}</h1><p class="subtitle">{esc(doc.subtitle)}</p></header>',
        "<main>",
    ]
    for el in doc.body:
        if isinstance(el, Heading):
            level = min(6, el.level + 1)
            out.append(f"<h{level}>{esc(el.text)}</h{level}>")
            counter.step()
        elif isinstance(el, Para):
            cls = f' class="{esc(el.style)}"' if el.style else ""
            out.append(f'<p{cls} dir="auto">{_runs(el.runs)}</p>')
            counter.step()
        elif isinstance(el, Items):
            tag = "ol" if el.numbered else "ul"
            out.append(f"<{tag}>")
            for i, item in enumerate(el.items):
                out.append(f'<li dir="auto">{_runs(item)}{_photo(el.photo(i))}</li>')
                counter.step()
            out.append(f"</{tag}>")
        elif isinstance(el, Table):
            out += _table(el, counter)
        elif isinstance(el, Chart):
            svg = timeline_svg(el.blocks, el.clock, el.timezone)
            if svg:
                out.append(
                    f'<figure class="chart">{svg}<figcaption>Gepland (licht) en werkelijk '
                    "(donker) per onderdeel, vanaf de start van de sessie.</figcaption></figure>"
                )
            counter.step()
    out += ["</main>", "</body>", "</html>", ""]
    counter.finish()
    return "\n".join(out)
