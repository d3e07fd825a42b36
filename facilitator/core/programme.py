"""Programme files: a theme, its questions and the blocks of a 4.5-hour session, loaded and checked.

A programme is a TOML file. Loading never raises for a bad file: every mistake becomes a
`ProgrammeError` naming the file, line and field, so one broken file never stops the others.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from facilitator.core.text import clean
from facilitator.i18n import t

PHASE_NAMES = {
    1: "De diepte in",
    2: "Betekenis geven en keuzes maken",
    3: "Werkplaats",
    4: "Advies aan beleidsmakers",
}
BLOCK_KINDS = ("phase", "break", "meal", "other")
SESSION_MINUTES = 270
# No block (nor an extension or an extra break) lasts longer than a day; a larger number is a typo,
# and one past datetime's range would crash every screen and export of the session.
MAX_MINUTES = 24 * 60

TOP_KEYS = {"id", "theme", "main_question", "sub_questions", "description", "blocks"}
BLOCK_KEYS = {"kind", "phase", "name", "minutes", "work_forms", "prompts", "key"}


@dataclass(frozen=True)
class Block:
    """One block of the agenda: a phase, a break, the meal or something else (welcome, closing)."""

    key: str
    kind: str
    name: str
    minutes: int
    phase: int | None = None
    work_forms: tuple[str, ...] = ()
    prompts: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "kind": self.kind,
            "phase": self.phase,
            "name": self.name,
            "minutes": self.minutes,
            "work_forms": list(self.work_forms),
            "prompts": list(self.prompts),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Block:
        return cls(
            key=str(data["key"]),
            kind=str(data["kind"]),
            name=str(data["name"]),
            minutes=int(data["minutes"]),
            phase=data.get("phase"),
            work_forms=tuple(data.get("work_forms") or ()),
            prompts=tuple(data.get("prompts") or ()),
        )


@dataclass(frozen=True)
class ProgrammeError:
    """A mistake in a programme file, pointing at the file, line and field."""

    file: str
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        if self.field:
            where += f" [{self.field}]"
        return f"{where}: {self.message}"


@dataclass
class Programme:
    """A session programme: one theme with its questions and its blocks in order."""

    id: str
    file: str
    theme: str = ""
    main_question: str = ""
    sub_questions: list[str] = field(default_factory=list)
    description: str = ""
    blocks: list[Block] = field(default_factory=list)
    errors: list[ProgrammeError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def total_minutes(self) -> int:
        return sum(b.minutes for b in self.blocks)

    def to_dict(self) -> dict[str, Any]:
        """The frozen copy a session keeps, and the shape `programmes --json` prints."""
        return {
            "id": self.id,
            "file": self.file,
            "theme": self.theme,
            "main_question": self.main_question,
            "sub_questions": list(self.sub_questions),
            "description": self.description,
            "blocks": [b.to_dict() for b in self.blocks],
            "total_minutes": self.total_minutes,
            "errors": [str(e) for e in self.errors],
            "warnings": list(self.warnings),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Programme:
        return cls(
            id=data["id"],
            file=data.get("file", ""),
            theme=data.get("theme", ""),
            main_question=data.get("main_question", ""),
            sub_questions=list(data.get("sub_questions") or []),
            description=data.get("description", ""),
            blocks=[Block.from_dict(b) for b in data.get("blocks", [])],
        )


def shipped_dir() -> Path:
    """The programmes shipped with facilitator (inside the wheel, or beside the source tree)."""
    here = Path(__file__).resolve().parent.parent
    inside = here / "sessions"
    return inside if inside.is_dir() else here.parent / "sessions"


class _Lines:
    """Finds the line of a field in the raw TOML text, so errors can point at it."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.block_starts = [
            i + 1 for i, ln in enumerate(self.lines) if re.match(r"\s*\[\[\s*blocks\s*\]\]", ln)
        ]

    def of(self, key: str, block: int | None = None) -> int | None:
        if block is None:
            start, end = 1, (self.block_starts[0] if self.block_starts else len(self.lines) + 1)
        else:
            if block >= len(self.block_starts):
                return None
            start = self.block_starts[block]
            end = (
                self.block_starts[block + 1]
                if block + 1 < len(self.block_starts)
                else len(self.lines) + 1
            )
        pattern = re.compile(rf'\s*"?{re.escape(key)}"?\s*=')
        for n in range(start, end):
            if pattern.match(self.lines[n - 1]):
                return n
        return start if block is not None else None


def _text(value: Any) -> bool:
    return isinstance(value, str) and clean(value).strip() != ""


def parse_programme(text: str, file: str, default_id: str) -> Programme:
    """Parse and check one programme; every problem is collected, never raised."""
    prog = Programme(id=default_id, file=file)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
        line = int(m.group(1)) if m else None
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", msg) if m else msg
        prog.errors.append(ProgrammeError(file, line, None, t("programme.syntax", detail=msg)))
        return prog
    lines = _Lines(text)

    def err(msg: str, fld: str | None, block: int | None = None) -> None:
        key = fld.split(".")[-1] if fld else None
        line = lines.of(key, block) if key else None
        if fld and block is not None:
            fld = f"blocks[{block + 1}].{fld}"
        prog.errors.append(ProgrammeError(file, line, fld, msg))

    for key in sorted(set(data) - TOP_KEYS):
        err(t("programme.unknown_key", key=repr(key), allowed=", ".join(sorted(TOP_KEYS))), key)

    if "id" in data:
        if isinstance(data["id"], str) and re.fullmatch(r"[a-z0-9][a-z0-9-]*", data["id"]):
            prog.id = data["id"]
        else:
            err(t("programme.id_format"), "id")
    for key in ("theme", "main_question"):
        if not _text(data.get(key)):
            err(t("programme.missing_text", field=key), key)
        else:
            setattr(prog, key, clean(data[key]).strip())
    subs = data.get("sub_questions", [])
    if not isinstance(subs, list) or not all(_text(s) for s in subs):
        err(t("programme.text_list", field="sub_questions"), "sub_questions")
    else:
        prog.sub_questions = [clean(s).strip() for s in subs]
    if "description" in data:
        if isinstance(data["description"], str):
            prog.description = clean(data["description"]).strip()
        else:
            err(t("programme.not_text", field="description"), "description")

    raw_blocks = data.get("blocks")
    if not isinstance(raw_blocks, list) or not raw_blocks:
        err(t("programme.no_blocks"), "blocks")
        return prog

    seen_keys: set[str] = set()
    phases_seen: list[tuple[int, int]] = []  # (phase, block index)
    for i, raw in enumerate(raw_blocks):
        if not isinstance(raw, dict):
            err(t("programme.block_table"), "blocks", None)
            continue
        ok = True
        for key in sorted(set(raw) - BLOCK_KEYS):
            err(
                t("programme.unknown_key", key=repr(key), allowed=", ".join(sorted(BLOCK_KEYS))),
                key,
                i,
            )
            ok = False
        kind = raw.get("kind")
        if kind not in BLOCK_KINDS:
            err(t("programme.kind", kinds=", ".join(BLOCK_KINDS), value=repr(kind)), "kind", i)
            ok = False
        minutes = raw.get("minutes")
        if isinstance(minutes, bool) or not isinstance(minutes, int):
            err(t("programme.minutes_whole", value=repr(minutes)), "minutes", i)
            ok = False
        elif minutes <= 0:
            err(t("programme.minutes_positive", value=minutes), "minutes", i)
            ok = False
        elif minutes > MAX_MINUTES:
            err(t("programme.minutes_max", max=MAX_MINUTES, value=minutes), "minutes", i)
            ok = False
        phase = raw.get("phase")
        if kind == "phase":
            if phase not in PHASE_NAMES or isinstance(phase, bool):
                err(t("programme.phase_number", value=repr(phase)), "phase", i)
                ok = False
            else:
                phases_seen.append((phase, i))
        elif phase is not None:
            err(t("programme.phase_only", kind=repr(kind)), "phase", i)
            ok = False
        name = raw.get("name")
        if name is None and kind == "phase" and phase in PHASE_NAMES:
            name = PHASE_NAMES[phase]
        if not _text(name):
            err(t("programme.missing_text", field="name"), "name", i)
            ok = False
        lists: dict[str, tuple[str, ...]] = {}
        for key in ("work_forms", "prompts"):
            value = raw.get(key, [])
            if not isinstance(value, list) or not all(_text(v) for v in value):
                err(t("programme.text_list", field=key), key, i)
                ok = False
            else:
                lists[key] = tuple(clean(v).strip() for v in value)
        bkey = raw.get("key", f"b{i + 1:02d}")
        if not isinstance(bkey, str) or not re.fullmatch(r"[A-Za-z0-9_-]+", bkey):
            err(t("programme.key_format"), "key", i)
            ok = False
        elif bkey in seen_keys:
            err(t("programme.key_twice", value=repr(bkey)), "key", i)
            ok = False
        else:
            seen_keys.add(bkey)
        if ok:
            prog.blocks.append(
                Block(
                    key=bkey,
                    kind=str(kind),
                    name=clean(str(name)).strip(),
                    minutes=minutes,  # type: ignore[arg-type]  # checked above: a positive int
                    phase=phase if kind == "phase" else None,
                    work_forms=lists.get("work_forms", ()),
                    prompts=lists.get("prompts", ()),
                )
            )

    numbers = [p for p, _ in phases_seen]
    for p in PHASE_NAMES:
        if p not in numbers:
            err(t("programme.phase_missing", n=p, name=PHASE_NAMES[p]), "blocks")
    for (prev, _), (cur, idx) in zip(phases_seen, phases_seen[1:], strict=False):
        if cur < prev:
            err(t("programme.phase_order", cur=cur, name=PHASE_NAMES[cur], prev=prev), "phase", idx)
    if not prog.errors and prog.total_minutes != SESSION_MINUTES:
        prog.warnings.append(
            t("programme.total", file=file, total=prog.total_minutes, expected=SESSION_MINUTES)
        )
    return prog


def load_programme(path: Path) -> Programme:
    """Load one programme file; unreadable files become an error, never an exception."""
    try:
        data = path.read_bytes()
        text = data.decode("utf-8")
    except OSError as exc:
        prog = Programme(id=path.stem, file=str(path))
        prog.errors.append(
            ProgrammeError(str(path), None, None, t("programme.unreadable", detail=exc))
        )
        return prog
    except UnicodeDecodeError as exc:
        prog = Programme(id=path.stem, file=str(path))
        line = data[: exc.start].count(b"\n") + 1
        prog.errors.append(
            ProgrammeError(
                str(path),
                line,
                None,
                t("programme.not_utf8", byte=f"{data[exc.start]:02x}"),
            )
        )
        return prog
    return parse_programme(text, str(path), path.stem)


def programme_dirs(extra: list[Path] | None = None) -> list[Path]:
    """Where programmes are looked for: the shipped ones, then the user's own folder."""
    from facilitator.paths import user_programmes_dir

    dirs = [shipped_dir(), user_programmes_dir()]
    return dirs + list(extra or [])


def load_all(dirs: list[Path] | None = None) -> list[Programme]:
    """Every programme in the given folders; later folders may not shadow an id silently.

    Only a valid file claims its id: a broken copy never takes the id from a good one, whatever
    their order. Of two valid files with one id, the first (shipped before the user's own, then
    by file name) keeps it and the other is marked.
    """
    result: list[Programme] = []
    ids: dict[str, str] = {}
    for folder in dirs if dirs is not None else programme_dirs():
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.toml")):
            prog = load_programme(path)
            if prog.valid:
                if prog.id in ids:
                    prog.errors.append(
                        ProgrammeError(
                            str(path),
                            None,
                            "id",
                            t("programme.id_used", id=repr(prog.id), file=ids[prog.id]),
                        )
                    )
                else:
                    ids[prog.id] = str(path)
            result.append(prog)
    return result


def find(programme_id: str, dirs: list[Path] | None = None) -> Programme | None:
    """The valid programme with this id, or None.

    As `load_all` would have it, but it stops at the first valid file with that id (a later one
    with the same id is refused there anyway). Reading only up to it keeps the demo's start from
    parsing every programme.
    """
    for folder in dirs if dirs is not None else programme_dirs():
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.toml")):
            prog = load_programme(path)
            if prog.id == programme_id and prog.valid:
                return prog
    return None
