"""Programme files: the five shipped ones, and every way a hand-written one can be wrong."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from facilitator.core.programme import PHASE_NAMES, load_all, parse_programme, shipped_dir

SHARED = Path(__file__).resolve().parents[2] / "shared"
QUESTIONS = Path(__file__).with_name("data") / "report_questions.toml"

GOOD = """\
theme = "Wederkerigheid"
main_question = "Wat betekent wederkerigheid?"
sub_questions = ["Een?"]

[[blocks]]
kind = "other"
name = "Welkom"
minutes = 20

[[blocks]]
kind = "phase"
phase = 1
minutes = 60

[[blocks]]
kind = "break"
name = "Pauze 1"
minutes = 15

[[blocks]]
kind = "phase"
phase = 2
minutes = 40

[[blocks]]
kind = "meal"
name = "Maaltijd"
minutes = 45

[[blocks]]
kind = "phase"
phase = 3
minutes = 60

[[blocks]]
kind = "phase"
phase = 4
minutes = 30
"""


def parse(text: str):
    return parse_programme(text, "mine.toml", "mine")


def only_error(prog):
    assert len(prog.errors) == 1, [str(e) for e in prog.errors]
    return prog.errors[0]


@pytest.fixture(autouse=True)
def _english_messages():
    """The checks below read the English messages; Dutch (the default) has its own test."""
    from facilitator import i18n

    i18n.set_language("en")
    yield
    i18n.set_language("nl")


def test_messages_speak_dutch_by_default():
    from facilitator import i18n

    i18n.set_language("nl")
    prog = parse(GOOD.replace("minutes = 60\n", "minutes = -60\n", 1) + "\ncolour = 1\n")
    messages = " | ".join(e.message for e in prog.errors)
    assert "minutes moet meer dan 0 zijn, niet -60" in messages
    assert "onbekende sleutel 'colour'" in messages
    assert "must" not in messages


def test_the_good_example_is_valid():
    prog = parse(GOOD)
    assert prog.valid, [str(e) for e in prog.errors]
    assert prog.total_minutes == 270
    assert [b.phase for b in prog.blocks if b.kind == "phase"] == [1, 2, 3, 4]
    assert prog.blocks[1].name == PHASE_NAMES[1]  # a phase without a name gets the fixed one


def test_five_shipped_programmes_one_per_theme_with_the_reports_questions():
    progs = load_all([shipped_dir()])
    assert len(progs) == 5
    assert all(p.valid for p in progs), [str(e) for p in progs for e in p.errors]
    expected = {
        t["theme"]: t for t in tomllib.loads(QUESTIONS.read_text(encoding="utf-8"))["theme"]
    }
    assert sorted(expected) == sorted(p.theme for p in progs)
    for p in progs:
        assert p.total_minutes == 270, p.id
        assert expected[p.theme]["main_question"] == p.main_question, p.id
        assert expected[p.theme]["sub_questions"] == p.sub_questions, p.id
        phases = [b for b in p.blocks if b.kind == "phase"]
        assert [b.phase for b in phases] == [1, 2, 3, 4]
        assert [b.name for b in phases] == [PHASE_NAMES[n] for n in (1, 2, 3, 4)]
        assert all(b.prompts for b in phases), p.id
        assert all(b.work_forms for b in phases), p.id
        kinds = {b.kind for b in p.blocks}
        assert {"break", "meal", "other"} <= kinds, p.id
    by_theme = {p.theme: p for p in progs}
    # Theme 4 lists only its main question in the report; the others list sub-questions.
    assert by_theme["Negatieve beeldvorming en inclusieve communicatie"].sub_questions == []
    assert "Wat was een misverstand dat je in de publieke ruimte hebt beleefd?" in (
        by_theme["Spelregels voor de samenleving"].sub_questions
    )


@pytest.mark.skipif(not (SHARED / "seed").is_dir(), reason="the report is not beside this checkout")
def test_the_kept_questions_are_verbatim_from_the_report():
    report = " ".join(next((SHARED / "seed").glob("*.txt")).read_text(encoding="utf-8").split())
    table = (SHARED / "domain.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| ([^|]+?) \| ([^|]+?) \|$", table, flags=re.M))
    for theme in tomllib.loads(QUESTIONS.read_text(encoding="utf-8"))["theme"]:
        assert rows[theme["theme"]] == theme["main_question"]
        assert " ".join(theme["main_question"].split()) in report
        for q in theme["sub_questions"]:
            assert " ".join(q.split()) in report, q


def test_syntax_error_names_file_and_line():
    err = only_error(parse(GOOD.replace("minutes = 60\n", "minutes = = 60\n", 1)))
    assert err.file == "mine.toml"
    assert err.line == 13
    assert "syntax" in err.message


def test_missing_phase():
    text = GOOD.replace('[[blocks]]\nkind = "phase"\nphase = 2\nminutes = 40\n', "")
    err = only_error(parse(text))
    assert "phase 2" in err.message and "missing" in err.message


def test_phases_out_of_order_points_at_the_block():
    text = (
        GOOD.replace("phase = 2", "phase = X")
        .replace("phase = 3", "phase = 2")
        .replace("phase = X", "phase = 3")
    )
    err = only_error(parse(text))
    assert "out of order" in err.message
    assert err.field == "blocks[6].phase"
    assert err.line == 32


@pytest.mark.parametrize("value", ["-5", "0", '"zestig"', "12.5", "true", "1441", "10000000000000"])
def test_bad_minutes(value):
    prog = parse(GOOD.replace("minutes = 60\n", f"minutes = {value}\n", 1))
    err = prog.errors[0]
    assert err.field == "blocks[2].minutes"
    assert err.line == 13
    assert "minutes" in err.message


def test_unknown_keys_top_level_and_in_a_block():
    text = GOOD.replace('theme = "Wederkerigheid"', 'theme = "Wederkerigheid"\ncolour = "red"')
    text = text.replace('name = "Pauze 1"', 'name = "Pauze 1"\nduration = 3')
    prog = parse(text)
    messages = {(e.field, e.line): e.message for e in prog.errors}
    assert ("colour", 2) in messages
    assert ("blocks[3].duration", 19) in messages


def test_other_mistakes_are_named():
    cases = {
        'kind = "meal"': ('kind = "lunch"', "kind"),
        'theme = "Wederkerigheid"': ('theme = ""', "theme"),
        'sub_questions = ["Een?"]': ("sub_questions = [1]", "sub_questions"),
        'name = "Welkom"': ("", "name"),
    }
    for old, (new, field) in cases.items():
        prog = parse(GOOD.replace(old, new, 1))
        assert any(field in (e.field or "") for e in prog.errors), (
            old,
            [str(e) for e in prog.errors],
        )


def test_a_break_cannot_carry_a_phase_number():
    prog = parse(
        GOOD.replace(
            'kind = "break"\nname = "Pauze 1"', 'kind = "break"\nphase = 2\nname = "Pauze 1"'
        )
    )
    assert any("only a block of kind 'phase'" in e.message for e in prog.errors)


def test_total_other_than_270_is_a_warning_not_an_error():
    prog = parse(GOOD.replace("minutes = 30", "minutes = 10"))
    assert prog.valid
    assert "250 minutes" in prog.warnings[0]


def test_invalid_file_never_stops_the_valid_ones(tmp_path):
    (tmp_path / "a-good.toml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b-broken.toml").write_text("theme = [", encoding="utf-8")
    (tmp_path / "c-binary.toml").write_bytes(b"\xff\xfe\x00bad")
    (tmp_path / "d-dup.toml").write_text('id = "a-good"\n' + GOOD, encoding="utf-8")
    progs = load_all([tmp_path])
    assert [p.valid for p in progs] == [True, False, False, False]
    assert "cannot read" in progs[2].errors[0].message
    assert "already used" in progs[3].errors[0].message


def test_a_broken_copy_never_takes_the_id_from_a_good_one(tmp_path):
    from facilitator.core.programme import find

    broken = GOOD.replace("minutes = 60\n", "minutes = -60\n", 1)
    (tmp_path / "a-broken.toml").write_text('id = "eigen"\n' + broken, encoding="utf-8")
    (tmp_path / "b-ok.toml").write_text('id = "eigen"\n' + GOOD, encoding="utf-8")
    progs = load_all([tmp_path])
    assert [p.valid for p in progs] == [False, True]
    assert not any("already used" in e.message for p in progs for e in p.errors)
    assert find("eigen", [tmp_path]).file == str(tmp_path / "b-ok.toml")


def test_a_file_that_is_not_utf8_names_the_line(tmp_path):
    text = GOOD.replace('name = "', 'name = "Caf\u00e9 ', 1)
    (tmp_path / "latin1.toml").write_bytes(text.encode("latin-1"))
    (error,) = load_all([tmp_path])[0].errors
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "Caf" in t)
    assert error.line == line and "0xe9" in error.message and "UTF-8" in error.message


def test_find_agrees_with_load_all(tmp_path):
    from facilitator.core.programme import find

    first, second = tmp_path / "one", tmp_path / "two"
    first.mkdir()
    second.mkdir()
    (first / "a-good.toml").write_text(GOOD, encoding="utf-8")
    (first / "b-broken.toml").write_text("theme = [", encoding="utf-8")
    (second / "a-good.toml").write_text('id = "a-good"\n' + GOOD, encoding="utf-8")
    (second / "z-own.toml").write_text('id = "own"\n' + GOOD, encoding="utf-8")
    (second / "y-bad.toml").write_text('id = "bad"\n' + GOOD.replace("60", "-1"), encoding="utf-8")
    dirs = [first, second]
    for pid in ("a-good", "own", "bad", "b-broken", "nothing"):
        expected = next((p for p in load_all(dirs) if p.id == pid and p.valid), None)
        found = find(pid, dirs)
        assert (found.file if found else None) == (expected.file if expected else None), pid
    assert find("a-good", dirs).file == str(first / "a-good.toml")  # the later one never wins


def test_cli_lists_errors_with_file_line_and_field(tmp_path, monkeypatch):
    own = tmp_path / "own"
    own.mkdir()
    (own / "mijn.toml").write_text(
        GOOD.replace("minutes = 60\n", "minutes = -1\n", 1), encoding="utf-8"
    )
    env = {"FACILITATOR_PROGRAMMES": str(own), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    exe = Path(sys.executable).with_name("facilitator")
    out = subprocess.run(
        [exe, "programmes", "--json", "--db", str(tmp_path / "x.db")],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    progs = {p["id"]: p for p in json.loads(out.stdout)}
    assert len(progs) == 6
    assert progs["mijn"]["errors"] == [
        f"{own / 'mijn.toml'}:13 [blocks[2].minutes]: minutes moet meer dan 0 zijn, niet -1"
    ]  # Dutch by default, as the whole interface
    assert all(not p["errors"] for k, p in progs.items() if k != "mijn")
    text = subprocess.run(
        [exe, "programmes", "--check", "--db", str(tmp_path / "x.db")],
        capture_output=True,
        text=True,
        env=env,
    )
    assert text.returncode == 2
    assert "mijn.toml:13 [blocks[2].minutes]" in text.stdout
