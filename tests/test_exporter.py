"""The exporter on its own, without Textual: a fake UI answers the dialogs and records the
progress bar and the notices."""

from __future__ import annotations

from facilitator.i18n import t
from tests.conftest import FakeClock
from tests.fakes import Notices, context
from tests.golden.sample_session import at, build_sample


class Window:
    def __init__(self, path: str) -> None:
        self.path = path
        self.steps: list[tuple[int, int]] = []
        self.finished = False

    def set_progress(self, done: int, total: int) -> None:
        self.steps.append((done, total))

    def finish(self) -> None:
        self.finished = True


class FakeExportUI(Notices):
    def __init__(self, choice=None, profile=None) -> None:
        super().__init__()
        self.choice = choice
        self.profile = profile
        self.asked: list[tuple[str, str]] = []
        self.windows: list[Window] = []

    async def ask_export(self, session, folder, scope):
        self.asked.append((session.id, scope))
        return self.choice

    async def show_progress(self, path):
        self.windows.append(Window(path))
        return self.windows[-1]

    async def ask_participants(self, profile, expected):
        self.asked.append(("participants", str(expected)))
        return self.profile


def exporter_for(store, ui):
    from facilitator.tui.exporter import Exporter

    sid = build_sample(store)
    ctx = context(store, FakeClock(at(60 * 24 * 8)))
    return Exporter(ctx, store.sessions.get(sid), ui), ctx


async def test_an_export_is_built_written_with_progress_and_told(store, tmp_path):
    path = tmp_path / "verslag.md"
    ui = FakeExportUI({"scope": "session", "format": "md", "path": str(path)})
    exporter, _ = exporter_for(store, ui)
    await exporter.export("session")
    assert ui.asked == [(exporter.session.id, "session")]
    assert path.read_text(encoding="utf-8").startswith("# Verslag")
    [window] = ui.windows
    assert window.path == str(path) and window.finished
    assert ui.texts() == [t("export.done", path=str(path))]


async def test_a_cancelled_dialog_writes_nothing(store, tmp_path):
    ui = FakeExportUI(None)
    exporter, ctx = exporter_for(store, ui)
    await exporter.export("theme")
    assert ui.asked == [(exporter.session.id, "theme")]
    assert ui.windows == [] and ui.shown == [] and ctx.db.calls == 0


async def test_a_failed_write_is_told_and_the_window_closes(store, tmp_path):
    (tmp_path / "file").write_text("x")
    path = tmp_path / "file" / "sub" / "x.md"
    ui = FakeExportUI()
    exporter, _ = exporter_for(store, ui)
    assert await exporter.write_export({"scope": "all", "format": "md", "path": str(path)}) is None
    [window] = ui.windows
    assert window.finished
    [(severity, message)] = ui.shown
    assert severity == "error" and message.startswith("Exporteren mislukt")
    assert (
        "Not a directory" not in message and "bestaat niet" in message
    )  # the system's reason, in Dutch


async def test_a_failed_database_leaves_the_dialog_without_a_window(store, tmp_path):
    ui = FakeExportUI()
    exporter, ctx = exporter_for(store, ui)
    ctx.db.failing = True  # the app has said why
    choice = {"scope": "participants", "format": "md", "path": str(tmp_path / "c.md")}
    assert await exporter.write_export(choice) is None
    assert ui.windows == [] and ui.shown == []
    assert not (tmp_path / "c.md").exists()


async def test_the_profile_is_saved_and_a_doubt_is_told(store):
    ui = FakeExportUI(profile={"gender": {"female": 30}})  # 30 of 20 expected
    exporter, _ = exporter_for(store, ui)
    await exporter.participants()
    assert ui.asked == [("participants", "20")]
    assert store.participants.get(exporter.session.id) == {"gender": {"female": 30}}
    [(severity, message)] = ui.shown
    assert severity == "warning" and "kijk het na" in message

    ui.profile, ui.shown = {}, []
    await exporter.participants()
    assert store.participants.get(exporter.session.id) == {}
    assert ui.texts() == [t("participants.cleared")]
