"""The console script pauses Python's cyclic collector while the app starts, and always resumes it."""

from __future__ import annotations

import gc

import pytest

from facilitator import cli, launch


@pytest.fixture(autouse=True)
def _collector_back_on():
    yield
    gc.enable()
    gc.unfreeze()


def test_collector_paused_during_start_and_resumed_after(monkeypatch):
    seen = []
    monkeypatch.setattr(cli, "run", lambda: seen.append(gc.isenabled()))
    launch.run()
    assert seen == [False]
    assert gc.isenabled()


def test_collector_resumed_when_the_command_fails(monkeypatch):
    def boom():
        raise SystemExit(2)

    monkeypatch.setattr(cli, "run", boom)
    with pytest.raises(SystemExit):
        launch.run()
    assert gc.isenabled()


def test_a_screen_or_command_resumes_it_early_and_only_once(monkeypatch):
    states = []

    def fake_cli():
        launch.resume_gc()  # what the app does after its first paint
        states.append(gc.isenabled())
        gc.disable()  # someone else's choice afterwards is not overridden by launch
        launch.resume_gc()
        states.append(gc.isenabled())

    monkeypatch.setattr(cli, "run", fake_cli)
    launch.run()
    assert states == [True, False]


def test_importing_the_cli_leaves_the_collector_alone():
    assert gc.isenabled()
    launch.resume_gc()  # nothing was paused: a no-op
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


def test_a_command_without_a_screen_resumes_it_once_parsed(monkeypatch, tmp_path):
    from click.testing import CliRunner

    seen = []
    import facilitator.core.programme as programme

    real = programme.load_all

    def spy(*args, **kwargs):
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(programme, "load_all", spy)
    from facilitator import gcpause

    monkeypatch.setattr(gcpause, "_paused", True)
    gc.disable()
    result = CliRunner().invoke(cli.main, ["--db", str(tmp_path / "f.db"), "programmes"])
    assert result.exit_code == 0, result.output
    assert seen == [True]


# -- kept out of the way of commits, and of a long-running app -----------------------------------


def test_holds_nest_and_leave_a_choice_made_before_them_alone():
    from facilitator import gcpause

    gcpause.hold()
    gcpause.hold()
    assert not gc.isenabled()
    gcpause.release()
    assert not gc.isenabled()  # one hold is still on
    gcpause.release()
    assert gc.isenabled()
    gcpause.release()  # one release too many: nothing happens
    assert gc.isenabled()
    gc.disable()  # someone turned it off before the hold: it stays off after
    gcpause.hold()
    gcpause.release()
    assert not gc.isenabled()


def test_what_an_app_froze_is_thawed_when_the_last_one_closes():
    from facilitator import gcpause

    gcpause.freeze()
    gcpause.freeze()
    assert gc.get_freeze_count() > 0
    gcpause.thaw()
    assert gc.get_freeze_count() > 0  # the other app is still open
    gcpause.thaw()
    assert gc.get_freeze_count() == 0
    gcpause.thaw()  # nothing left to thaw
    assert gc.get_freeze_count() == 0


async def test_the_app_freezes_after_its_first_paint_and_puts_things_back_when_it_closes(
    store, session_id
):
    import sys

    from facilitator.tui.app import make_app
    from tests.support import until

    interval = sys.getswitchinterval()
    app = make_app(store, session_id=session_id, poll_interval=0, web={"enabled": False})
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: gc.get_freeze_count() > 0, what="frozen after the first paint")
        assert sys.getswitchinterval() < interval
    assert gc.get_freeze_count() == 0
    assert sys.getswitchinterval() == interval
    assert gc.isenabled()


# -- the bare `facilitator demo` starts without click, and behaves as the command does -----------


def test_only_the_bare_demo_skips_the_command_line(monkeypatch):
    monkeypatch.delenv("_FACILITATOR_COMPLETE", raising=False)
    assert launch.bare_demo(["demo"])
    for args in ([], ["demo", "--help"], ["demo", "--speed", "5"], ["--lang", "en", "demo"]):
        assert not launch.bare_demo(args), args
    monkeypatch.setenv("_FACILITATOR_COMPLETE", "bash_complete")  # click's shell completion
    assert not launch.bare_demo(["demo"])


def test_the_bare_demo_imports_no_click():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "sys.argv = ['facilitator', 'demo']\n"
        "from facilitator.tui import demo_run\n"
        "demo_run.play = lambda *a: print('click' in sys.modules, 'facilitator.cli' in sys.modules)\n"
        "from facilitator.launch import run\n"
        "run()\n"
    )
    env = {k: v for k, v in __import__("os").environ.items() if k != "_FACILITATOR_COMPLETE"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.split() == ["False", "False"]


def _ended(monkeypatch, capsys, start, fault):
    """(exit status, stderr, what `play` was given) when `facilitator demo` ends in `fault`."""
    import sys

    from facilitator.tui import demo_run

    given = []

    def play(*args):
        given.append(args)
        if fault is not None:
            raise fault

    monkeypatch.setattr(demo_run, "play", play)
    monkeypatch.setattr(sys, "argv", ["facilitator", "demo"])
    code = 0
    try:
        start()
    except SystemExit as exc:
        code = exc.code
    return code, capsys.readouterr().err, given


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize(
    "fault",
    [
        None,
        "refused",
        "locked",
        "disk",
        "interrupt",
    ],
)
def test_the_bare_demo_ends_as_the_demo_command_does(monkeypatch, capsys, lang, fault):
    import inspect
    import sqlite3

    from facilitator.tui import demo_run

    monkeypatch.delenv("_FACILITATOR_COMPLETE", raising=False)
    monkeypatch.setenv("FACILITATOR_LANG", lang)
    faults = {
        None: lambda: None,
        "refused": lambda: demo_run.DemoRefused("no database at /x"),
        "locked": lambda: sqlite3.OperationalError("database is locked"),
        "disk": lambda: OSError(28, "No space left on device", "/tmp/x"),
        "interrupt": lambda: KeyboardInterrupt(),
    }
    signature = inspect.signature(demo_run.play)
    ours = _ended(monkeypatch, capsys, launch.run, faults[fault]())
    theirs = _ended(monkeypatch, capsys, cli.run, faults[fault]())
    assert ours[:2] == theirs[:2]
    expected = {None: 0, "refused": 2, "locked": 2, "disk": 2, "interrupt": 130}[fault]
    assert ours[0] == expected
    if fault is not None:
        assert ours[1].strip().startswith("facilitator: ") and "Traceback" not in ours[1]
    # The same demo: the command passes play its own defaults, which are play's.
    assert ours[2] == [()]
    bound = signature.bind(*theirs[2][0])
    assert dict(bound.arguments) == {name: p.default for name, p in signature.parameters.items()}
