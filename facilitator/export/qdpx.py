"""A REFI-QDA project (.qdpx): the sessions for qualitative-analysis tools (ATLAS.ti, NVivo,
MAXQDA, QualCoder).

The file is a zip with `project.qde` (QDA-XML, valid against the REFI-QDA Project schema of
March 2019) at its root and the texts under `sources/`:

- one text source per session: its log, every entry as a plain-text selection over exactly its
  text (positions in Unicode code points, as the standard counts them), created by the
  note-taker (a user per initials) at the time it was captured, coded with its kind, phase,
  level, tags, building blocks and sub-question;
- one text source per session with the visible anonymous remarks, each a selection coded with
  its slot: no user and no time, as the remark path keeps none;
- a case per session with theme, place, date and participants as variables;
- advice-to-quote, insight-to-quote and rule-to-story as links between selections;
- observations also as notes (memos) on the session's log.

Every GUID is a uuid5 of a stable id (session id, entry id, code name), so the same session
exported twice, or from two laptops, gives the same GUIDs and a tool can merge the imports.
Hidden remarks are left out entirely.
"""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import tempfile
import uuid
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from facilitator.core.entries import BUILDING_BLOCKS, LEVEL_LABELS_NL, LEVELS, Entry
from facilitator.core.programme import PHASE_NAMES
from facilitator.core.report import SessionReport
from facilitator.core.timeutil import parse_iso
from facilitator.export.document import Progress, hhmm

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://facilitator.invalid/refi-qda")
XMLNS = "urn:QDA-XML:project:1.0"
KIND_NAMES = {
    "story": "Verhaal",
    "quote": "Citaat",
    "emblem": "Zinnebeeld",
    "design_question": "Ontwerpvraag",
    "rule": "Spelregel",
    "prototype": "Prototype",
    "advice": "Advies",
    "insight": "Inzicht",
    "observation": "Observatie",
    "validation": "Validatie",
}
REMARK_CODE = "Anonieme opmerking"
# The links between selections, named as the report reads them.
LINK_NAMES = {
    ("advice", "quote"): "geïllustreerd door",
    ("insight", "quote"): "onderbouwd door",
    ("rule", "story"): "komt uit het verhaal",
}
COLOURS = {  # one colour per code group, so a tool shows them apart
    "kind": "#1F5F8B",
    "phase": "#2E7D5B",
    "level": "#B3261E",
    "tag": "#7B5EA7",
    "block": "#C77C02",
    "sub": "#00838F",
    "remark": "#5F6368",
}

# XML 1.0 cannot hold these; typed text never has the C0 ones (clean() drops them) but may
# have U+FFFE/FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


_NS_BYTES = NAMESPACE.bytes


def guid(*parts: str) -> str:
    """A stable GUID for the thing named by `parts` (kind of thing, then its stable ids): the
    uuid5 of them, computed without building UUID objects (a series makes 400,000)."""
    return _uuid5(_NS_BYTES + "\x1f".join(parts).encode("utf-8"))


def _uuid5(data: bytes) -> str:
    """uuid5's text for the namespace bytes and name in `data`: SHA-1, the version nibble set to
    5 and the variant bits to 10, as `uuid.uuid5` does."""
    h = hashlib.sha1(data).hexdigest()
    return f"{h[:8]}-{h[8:12]}-5{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:32]}"


_VARIANT = {c: "89ab"[int(c, 16) & 3] for c in "0123456789abcdef"}


def _x(text: str) -> str:
    """Text safe inside an XML attribute or element."""
    text = _NOT_XML.sub("", text)
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\r", "&#13;")
        .replace("\n", "&#10;")
        .replace("\t", "&#9;")
    )


def _xtext(text: str) -> str:
    """Element content: newlines kept as they are."""
    return _NOT_XML.sub("", text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _when(stamp: str | datetime) -> str:
    """xsd:dateTime in UTC, to the second, as the tools read it ("2026-03-01T09:30:00Z")."""
    if isinstance(stamp, str) and len(stamp) == 29 and stamp.endswith("+00:00"):
        return stamp[:19] + "Z"  # as the store keeps times: UTC, milliseconds
    dt = parse_iso(stamp) if isinstance(stamp, str) else stamp
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def entry_text(e: Entry) -> str:
    """The words an entry's selection covers: its title and text, one under the other."""
    title = e.title.strip()
    if title and e.text:
        return f"{title}\n{e.text}"
    return title or e.text


@dataclass
class _Code:
    guid: str
    name: str
    group: str
    children: dict[str, _Code] = field(default_factory=dict)


class _Codebook:
    """The codes, grouped: Soort, Fase, Niveau, Subvraag, Bouwsteen, Tag."""

    GROUPS = (
        ("kind", "Soort"),
        ("phase", "Fase"),
        ("level", "Niveau"),
        ("sub", "Subvraag"),
        ("block", "Bouwsteen"),
        ("tag", "Tag"),
        ("remark", "Anonieme opmerkingen"),
    )

    def __init__(self) -> None:
        self.groups = {key: _Code(guid("codegroup", key), name, key) for key, name in self.GROUPS}
        self.names: set[str] = set()
        # The fixed lists first, in the report's order, so the codebook reads like it.
        for kind, name in KIND_NAMES.items():
            self.code("kind", kind, name)
        for phase, name in sorted(PHASE_NAMES.items()):
            self.code("phase", str(phase), f"Fase {phase}: {name}")
        for level in LEVELS:
            self.code("level", level, LEVEL_LABELS_NL[level])
        for block in BUILDING_BLOCKS:
            self.code("block", block, block)

    def code(self, group: str, key: str, name: str) -> str:
        children = self.groups[group].children
        found = children.get(key)
        if found is None:
            # Tools such as QualCoder keep one code per name: a name used in another group
            # ("Lokaal" as a tag and a level) gets its group's name beside it.
            name = " ".join(_NOT_XML.sub("", name).split()) or "?"
            if name in self.names:
                name = f"{name} ({self.groups[group].name})"
            self.names.add(name)
            found = children[key] = _Code(guid("code", group, key), name, group)
        return found.guid

    def xml(self) -> list[str]:
        out = ["<CodeBook><Codes>"]
        for g in self.groups.values():
            if not g.children:
                continue
            colour = COLOURS[g.group]
            out.append(
                f'<Code guid="{g.guid}" name="{_x(g.name)}" isCodable="false" color="{colour}">'
            )
            for c in g.children.values():
                out.append(
                    f'<Code guid="{c.guid}" name="{_x(c.name)}" isCodable="true" color="{colour}"/>'
                )
            out.append("</Code>")
        out.append("</Codes></CodeBook>")
        return out


VARIABLES = (
    ("Thema", "Text"),
    ("Plaats", "Text"),
    ("Datum", "Date"),
    ("Deelnemers", "Integer"),
    ("Tijdzone", "Text"),
)


def render(
    reports: Iterable[SessionReport],
    title: str,
    created: datetime,
    progress: Callable[[int, int], None] | None = None,
    *,
    total: int | None = None,
) -> bytes:
    """The .qdpx file's bytes for these sessions (one, or a series).

    One pass, one session at a time (`reports` may build each session when asked, so a series
    never sits in memory whole): each session's texts go into the zip at once, its selections
    to a temporary file, and project.qde is written last, streamed into the zip, once the users
    and codes are known. `total` is the number of entries, for the progress bar.
    """
    if total is None and isinstance(reports, list):
        total = sum(len(r.data.entries) for r in reports)
    counter = Progress((total or 0) + 1, progress)
    codebook = _Codebook()
    users: dict[str, str] = {}  # initials -> guid
    notes: list[str] = []
    links: list[str] = []
    cases: list[str] = []
    first_created: str | None = None

    def user(initials: str) -> str | None:
        initials = initials.strip()
        if not initials:
            return None
        found = users.get(initials)
        if found is None:
            found = users[initials] = guid("user", initials)
        return found

    buffer = io.BytesIO()
    zf = zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1)
    spool = tempfile.TemporaryFile("w+", encoding="utf-8")  # the <Sources> element's content
    try:
        for report in reports:
            s = report.session
            sid = s.id
            first_created = first_created or s.created_at
            tz = report.timezone
            log_guid = guid("source", sid, "log")
            remarks_guid = guid("source", sid, "remarks")
            selection_of = {e.id: guid("selection", sid, e.id) for e in report.data.entries}
            header = f"{s.programme.theme}\n{s.place}, {s.date}\n\n"
            text: list[str] = [header]
            pos = len(header)
            note_refs: list[str] = []
            created_by = user(next((e.author for e in report.data.entries if e.author), ""))
            who = f' creatingUser="{created_by}"' if created_by else ""
            spool.write(
                f'<TextSource guid="{log_guid}" name="{_x(f"{sid} logboek")}" '
                f'plainTextPath="internal://{log_guid}.txt"{who} '
                f'creationDateTime="{_when(s.created_at)}">'
                f"<Description>{_xtext(f'Logboek van de burgerconsultatie in {s.place} op {s.date}')}"
                "</Description>"
            )
            for e in report.data.entries:
                block = report.block_of(e)
                where = block.name if block is not None else "buiten het programma"
                by = f" · {e.author}" if e.author else ""
                at = hhmm(parse_iso(e.created_at), tz)
                head = f"[{at} · {where} · {KIND_NAMES[e.kind]}{by}]"
                if e.kind == "quote" and e.speaker:
                    head += f" ({e.speaker})"
                if e.kind == "advice" and e.level in LEVEL_LABELS_NL:
                    head += f" {LEVEL_LABELS_NL[e.level]}"
                body = entry_text(e)
                start = pos + len(head) + 1
                end = start + len(body)
                text += (head, "\n", body, "\n\n")
                pos = end + 2

                sel = selection_of[e.id]
                creator = user(e.author)
                who = f' creatingUser="{creator}"' if creator else ""
                stamp = _when(e.created_at)
                codes = [codebook.code("kind", e.kind, KIND_NAMES[e.kind])]
                phase = block.block.phase if block is not None else None
                if phase in PHASE_NAMES:
                    codes.append(
                        codebook.code("phase", str(phase), f"Fase {phase}: {PHASE_NAMES[phase]}")
                    )
                if e.level in LEVEL_LABELS_NL:
                    codes.append(
                        codebook.code("level", e.level or "", LEVEL_LABELS_NL[e.level or ""])
                    )
                if e.sub_question:
                    # One code per wording: two themes asking the same question share it.
                    codes.append(codebook.code("sub", e.sub_question, e.sub_question))
                for b in e.building_blocks:
                    codes.append(codebook.code("block", b, b))
                for tag in e.tags:
                    codes.append(codebook.code("tag", tag, "#" + tag))
                prefix = _NS_BYTES + f"coding\x1f{sel}\x1f".encode()  # guid("coding", sel, c)
                # Who and when are on the selection; its codings say only which code.
                codings = "".join(
                    f'<Coding guid="{_uuid5(prefix + c.encode())}">'
                    f'<CodeRef targetGUID="{c}"/></Coding>'
                    for c in dict.fromkeys(codes)
                )
                name = f"{KIND_NAMES[e.kind]} {at}{by}"
                # A zinnebeeld's or prototype's photo: its path, as the note-taker gave it.
                memo = f"<Description>Foto: {_xtext(e.photo)}</Description>" if e.photo else ""
                spool.write(
                    f'<PlainTextSelection guid="{sel}" name="{_x(name)}" startPosition="{start}" '
                    f'endPosition="{end}"{who} creationDateTime="{stamp}">{memo}{codings}'
                    "</PlainTextSelection>"
                )
                if e.kind == "observation":
                    note = guid("note", sid, e.id)
                    note_refs.append(f'<NoteRef targetGUID="{note}"/>')
                    _add(zf, f"sources/{note}.txt", body)
                    notes.append(
                        f'<Note guid="{note}" name="{_x(f"Observatie {s.place} {at}{by}")}" '
                        f'plainTextPath="internal://{note}.txt"{who} creationDateTime="{stamp}"/>'
                    )
                # Links between selections: advice and insight to their quotes, rule to its story.
                targets: list[Entry] = []
                if e.kind in ("advice", "insight"):
                    targets = report.linked(e, ("quote",))
                elif e.kind == "rule":
                    story = report.story_of(e)
                    targets = [story] if story is not None else []
                for t in targets:
                    if t.id in selection_of:
                        links.append(
                            f'<Link guid="{guid("link", e.id, t.id)}" '
                            f'name="{_x(LINK_NAMES[(e.kind, t.kind)])}" direction="OneWay" '
                            f'originGUID="{sel}" targetGUID="{selection_of[t.id]}"/>'
                        )
                counter.step()
            spool.write("".join(note_refs) + "</TextSource>")
            _add(zf, f"sources/{log_guid}.txt", "".join(text))
            del text

            # The visible remarks: no user, no time, in slot order (never the order they came).
            remark_text: list[str] = [header]
            pos = len(header)
            remark_sels: list[str] = []
            seen: dict[tuple[str, str], int] = {}
            for r in report.data.remarks:
                if r.hidden:
                    continue
                n = seen.get((r.slot, r.text), 0)
                seen[(r.slot, r.text)] = n + 1
                head = f"[{r.slot}]\n"
                start = pos + len(head)
                end = start + len(r.text)
                remark_text += (head, r.text, "\n\n")
                pos = end + 2
                sel = guid("remark", sid, r.slot, r.text, str(n))
                codes = [
                    codebook.code("remark", "remark", REMARK_CODE),
                    codebook.code("remark", "slot:" + r.slot, r.slot),
                ]
                codings = "".join(
                    f'<Coding guid="{guid("coding", sel, c)}"><CodeRef targetGUID="{c}"/></Coding>'
                    for c in codes
                )
                remark_sels.append(
                    f'<PlainTextSelection guid="{sel}" name="{_x(r.slot)}" '
                    f'startPosition="{start}" endPosition="{end}">{codings}</PlainTextSelection>'
                )
            if remark_sels:
                _add(zf, f"sources/{remarks_guid}.txt", "".join(remark_text))
                spool.write(
                    f'<TextSource guid="{remarks_guid}" '
                    f'name="{_x(f"{sid} anonieme opmerkingen")}" '
                    f'plainTextPath="internal://{remarks_guid}.txt">'
                    "<Description>Anonieme opmerkingen van deelnemers: zonder tijd, zonder "
                    "afzender.</Description>" + "".join(remark_sels) + "</TextSource>"
                )

            # The case: the session with its variables.
            count, _counted = report.participant_count()
            values = [
                ("Thema", "TextValue", _xtext(s.programme.theme)),
                ("Plaats", "TextValue", _xtext(s.place)),
                ("Datum", "DateValue", s.date),
                ("Tijdzone", "TextValue", _xtext(s.timezone)),
            ]
            if count is not None:
                values.append(("Deelnemers", "IntegerValue", str(count)))
            refs = f'<SourceRef targetGUID="{log_guid}"/>'
            if remark_sels:
                refs += f'<SourceRef targetGUID="{remarks_guid}"/>'
            cases.append(
                f'<Case guid="{guid("case", sid)}" name="{_x(f"{s.place}, {s.date}")}">'
                + "".join(
                    f'<VariableValue><VariableRef targetGUID="{guid("variable", name)}"/>'
                    f"<{tag}>{value}</{tag}></VariableValue>"
                    for name, tag, value in values
                )
                + refs
                + "</Case>"
            )

        # project.qde, streamed into the zip: what is known now, then the spooled sources.
        info = zipfile.ZipInfo("project.qde", date_time=FIXED_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        with zf.open(info, "w") as raw, io.TextIOWrapper(raw, encoding="utf-8") as out:
            out.write('<?xml version="1.0" encoding="utf-8"?>\n')
            out.write(
                f'<Project xmlns="{XMLNS}" name="{_x(title)}" origin="facilitator" '
                f'creationDateTime="{_when(first_created or created)}" '
                f'modifiedDateTime="{_when(created)}">\n'
            )
            if users:
                out.write("<Users>\n")
                for initials, g in users.items():
                    out.write(f'<User guid="{g}" name="{_x(initials)}" id="{_x(initials)}"/>\n')
                out.write("</Users>\n")
            out.write("\n".join(codebook.xml()) + "\n")
            out.write("<Variables>\n")
            for name, kind in VARIABLES:
                out.write(
                    f'<Variable guid="{guid("variable", name)}" name="{name}" '
                    f'typeOfVariable="{kind}"/>\n'
                )
            out.write("</Variables>\n")
            if cases:
                out.write("<Cases>" + "".join(cases) + "</Cases>\n")
            if spool.tell():
                out.write("<Sources>")
                spool.seek(0)
                shutil.copyfileobj(spool, out, 1 << 20)
                out.write("</Sources>\n")
            if notes:
                out.write("<Notes>" + "".join(notes) + "</Notes>\n")
            if links:
                out.write("<Links>")
                for link in links:
                    out.write(link)
                out.write("</Links>\n")
            out.write(
                "<Description>"
                + _xtext(f"{title}: geëxporteerd uit facilitator op {_when(created)}")
                + "</Description>\n</Project>\n"
            )
    finally:
        spool.close()
        zf.close()
    counter.finish()
    return buffer.getvalue()


# Every file in the zip carries the same time: the same sessions give the same bytes.
FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def _add(zf: zipfile.ZipFile, name: str, text: str) -> None:
    info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    # Source texts as UTF-8 (no BOM): positions count code points of exactly this text.
    zf.writestr(info, text.encode("utf-8", "replace"), compresslevel=1)
