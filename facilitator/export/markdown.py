"""The draft report as Markdown (CommonMark with GitHub tables).

Typed text is data: every character that Markdown or raw HTML would act on is escaped, a line
that would start a list, quote or heading is defused, and inside a table a pipe is escaped and a
newline becomes `<br>`, so one quote can never break the table or inject markup.
"""

from __future__ import annotations

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
    Run,
    Table,
    photo_note,
)

# Characters with a meaning inline: emphasis, code, links, raw HTML, tables, strikethrough.
_INLINE = re.compile(r"([\\`*_\[\]<>|~])")
_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
# What turns the start of a line into a heading, quote, list item or setext underline.
_LINE_START = re.compile(r"^(\s*)([#>+=-]|\d+(?=[.)]))")


def escape(text: str) -> str:
    """One line of typed text, safe anywhere inline."""
    text = _INLINE.sub(r"\\\1", text)
    text = _ENTITY.sub(r"\\&", text)
    return text


def _defuse(text: str) -> str:
    """Text that stands at the start of a Markdown line, kept from starting a block."""
    text = text.lstrip()
    m = _LINE_START.match(text)
    if not m:
        return text
    if m.group(2).isdigit():
        # "1." would start a list; escaping the dot keeps the number as typed.
        return text[: m.end()] + "\\" + text[m.end() :]
    return text[: m.start(2)] + "\\" + text[m.start(2) :]


def _heading(text: str) -> str:
    """Typed text as one heading line: newlines flattened, every # escaped (a trailing " #"
    would otherwise be taken for the heading's closing sequence and dropped)."""
    return _defuse(escape(" ".join(text.split())).replace("#", "\\#"))


def _run(run: Run, breaker: str) -> str:
    """One run; each new line of typed text is defused, empty lines are dropped."""
    lines = run.text.split("\n")
    parts = [escape(lines[0])] + [_defuse(escape(ln)) for ln in lines[1:] if ln.strip()]
    opening = ""
    if len(parts) > 1 and not parts[0].strip():
        # A run that starts on a new line (a supporting quote below an insight): the break goes
        # before the emphasis, never inside it.
        opening, parts = breaker, parts[1:]
    body = breaker.join(parts)
    core = body.strip()
    if not core or not (run.bold or run.italic):
        return opening + body
    lead = body[: len(body) - len(body.lstrip())]
    trail = body[len(body.rstrip()) :]
    if run.bold:
        core = f"**{core}**"
    if run.italic:
        core = f"*{core}*"
    return opening + lead + core + trail


def _inline(runs: Line, *, breaker: str) -> str:
    """A paragraph's runs as Markdown; newlines in typed text become `breaker`."""
    return _defuse("".join(_run(r, breaker) for r in runs))


def _cell(paragraphs: list[Line]) -> str:
    return "<br>".join(_inline(p, breaker="<br>") for p in paragraphs if p) or " "


def render(doc: Document, progress: Callable[[int, int], None] | None = None) -> str:
    """The whole document as Markdown text."""
    counter = Progress(doc.size(), progress)
    subtitle = escape(" ".join(doc.subtitle.split()))
    out: list[str] = [f"# {_heading(doc.title)}", "", f"*{subtitle}*", ""]
    for el in doc.body:
        if isinstance(el, Heading):
            out += ["#" * (el.level + 1) + " " + _heading(el.text), ""]
            counter.step()
        elif isinstance(el, Para):
            out += [_inline(el.runs, breaker="\\\n"), ""]
            counter.step()
        elif isinstance(el, Items):
            for i, item in enumerate(el.items, 1):
                marker = f"{i}. " if el.numbered else "- "
                pad = " " * len(marker)
                line = marker + _inline(item, breaker="\\\n" + pad)
                photo = el.photo(i - 1)
                if photo:
                    line += "\\\n" + pad + "*" + escape(" ".join(photo_note(photo).split())) + "*"
                out.append(line)
                counter.step()
            out.append("")
        elif isinstance(el, Table):
            out.append("| " + " | ".join(escape(h) for h in el.header) + " |")
            out.append("|" + "|".join(" --- " for _ in el.header) + "|")
            for row in el.rows:
                out.append("| " + " | ".join(_cell(c) for c in row) + " |")
                counter.step()
            out.append("")
        elif isinstance(el, Chart):
            counter.step()  # drawn in HTML only; the timeline table carries the same times
    counter.finish()
    while out and not out[-1]:
        out.pop()
    out.append("")  # one newline at the end, without copying the whole text again
    return "\n".join(out)
