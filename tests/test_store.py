"""The store: opening, refusing what it must not touch, migrations, clock events, backups."""

from __future__ import annotations

import os
import sqlite3

import pytest

from facilitator.core import clock as ck
from facilitator.store import SCHEMA_VERSION, NotFound, Store, StoreError


def test_new_database_is_wal_and_versioned(db_path):
    s = Store.open(db_path)
    assert s.query("PRAGMA journal_mode")[0]["journal_mode"] == "wal"
    assert s.query("PRAGMA user_version")[0]["user_version"] == SCHEMA_VERSION
    s.close()
    # Opening again does not migrate twice.
    Store.open(db_path).close()


def test_a_throwaway_database_is_made_without_waiting_for_the_disk(tmp_path, monkeypatch):
    """The demo's database: WAL, versioned, commits without fsync, and its first switch to WAL
    made with syncing off (a new file synced then took 15-25 ms of the demo's start)."""
    synced_while_switching = []
    real = sqlite3.connect

    class Watched:
        def __init__(self, conn):
            self.conn = conn

        def execute(self, sql, *args):
            if sql.upper().startswith("PRAGMA JOURNAL_MODE=WAL"):
                level = self.conn.execute("PRAGMA synchronous").fetchone()[0]
                synced_while_switching.append(level)
            return self.conn.execute(sql, *args)

        def __getattr__(self, name):
            return getattr(self.conn, name)

    monkeypatch.setattr(sqlite3, "connect", lambda *a, **k: Watched(real(*a, **k)))
    s = Store.open_throwaway(tmp_path / "demo.db")
    monkeypatch.undo()
    assert synced_while_switching[0] == 0  # the first switch, on the new file: no syncing
    assert s.query("PRAGMA journal_mode")[0]["journal_mode"] == "wal"
    assert s.query("PRAGMA synchronous")[0]["synchronous"] == 0
    assert s.query("PRAGMA user_version")[0]["user_version"] == SCHEMA_VERSION
    s.close()
    with pytest.raises(StoreError, match="is a folder"):
        Store.open_throwaway(tmp_path)  # a problem is said as `open` says it


def test_newer_database_is_refused_and_left_alone(db_path):
    Store.open(db_path).close()
    conn = sqlite3.connect(db_path)
    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    before = db_path.read_bytes()
    with pytest.raises(StoreError, match="newer facilitator"):
        Store.open(db_path)
    assert db_path.read_bytes() == before


def test_a_file_that_is_not_a_database_is_not_overwritten(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("my notes, not a database\n" * 100)
    before = path.read_bytes()
    with pytest.raises(StoreError, match="not a facilitator database"):
        Store.open(path)
    assert path.read_bytes() == before


def test_another_programs_sqlite_database_is_refused(tmp_path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE things (x)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="another program"):
        Store.open(path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_folder(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    with pytest.raises(StoreError, match="cannot write"):
        Store.open(folder / "x.db")


def test_path_under_a_file_or_a_folder(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(StoreError, match="cannot create the folder"):
        Store.open(tmp_path / "file" / "x.db")
    with pytest.raises(StoreError, match="is a folder"):
        Store.open(tmp_path)


def test_clock_events_keep_the_session_state(store, session_id, clock):
    assert store.sessions.get(session_id).state == "planned"
    store.clock.add(session_id, ck.START, clock(), {"key": "welkom"})
    assert store.sessions.get(session_id).state == "running"
    store.clock.add(session_id, ck.CLOSE, clock.advance(minutes=1))
    assert store.sessions.get(session_id).state == "closed"
    store.clock.add(session_id, ck.UNDO, clock.advance(minutes=1))
    assert store.sessions.get(session_id).state == "running"
    kinds = [e.kind for e in store.clock.events(session_id)]
    assert kinds == ["start", "close", "undo"]
    with pytest.raises(StoreError):
        store.clock.add(session_id, "explode", clock())
    with pytest.raises(NotFound):
        store.clock.add("nope", ck.START, clock(), {"key": "welkom"})
    # The clock is folded from these on every screen refresh and export: refused, not stored.
    for kind, data in [
        (ck.EXTEND, {"minutes": "5"}),
        (ck.EXTEND, {}),
        (ck.START, {}),
        (ck.REBALANCE, {"minutes": {"fase1": 0}}),
        (ck.EXTRA_BREAK, {"key": "extra1", "minutes": 10**9}),
    ]:
        with pytest.raises(StoreError):
            store.clock.add(session_id, kind, clock(), data)
    assert [e.kind for e in store.clock.events(session_id)] == ["start", "close", "undo"]


def test_expected_participants_are_a_sane_count(store, programme, clock):
    with pytest.raises(StoreError, match="at most"):
        store.sessions.create(
            programme, "X", "2026-03-01", expected_participants=10**20, now=clock()
        )
    sid = store.sessions.create(programme, "X", "2026-03-01", now=clock())
    with pytest.raises(StoreError, match="cannot be negative"):
        store.sessions.update(sid, expected_participants=-1)


def test_session_ids_are_readable_and_unique(store, programme, clock):
    a = store.sessions.create(programme, "Den Bosch", "2026-04-12", now=clock())
    b = store.sessions.create(programme, "Den Bosch", "2026-04-12", now=clock())
    assert (a, b) == ("den-bosch-2026-04-12", "den-bosch-2026-04-12-2")
    assert store.sessions.get(a).remark_token != store.sessions.get(b).remark_token
    with pytest.raises(StoreError):
        store.sessions.create(programme, "   ", "2026-04-12", now=clock())
    with pytest.raises(ValueError):
        store.sessions.create(programme, "X", "12-04-2026", now=clock())


def test_the_session_keeps_a_frozen_copy_of_its_programme(store, session_id, programme):
    frozen = store.sessions.get(session_id).programme
    assert frozen.blocks == programme.blocks
    assert frozen.main_question == programme.main_question


def test_rotating_backups(store, session_id):
    for i in range(5):
        store.backup_rotating(f"blok {i}", keep=3)
    folder = store.path.with_name(store.path.name + ".backups")
    copies = sorted(folder.glob("*.db"))
    assert len(copies) <= 3
    copy = Store.open(copies[-1])
    assert copy.sessions.get(session_id).place == "Utrecht"
    copy.close()


def test_a_copy_that_fails_leaves_no_half_file_and_stale_ones_are_swept(
    store, session_id, monkeypatch
):
    import os
    import time

    folder = store.path.with_name(store.path.name + ".backups")
    folder.mkdir()
    stale = folder / ".20260101T000000-blok.db.4242.part"  # from a process killed mid-copy
    stale.write_bytes(b"half")
    old = time.time() - 7200
    os.utime(stale, (old, old))
    fresh = folder / ".20260101T000001-blok.db.4243.part"  # another app copying right now
    fresh.write_bytes(b"busy")

    class Failing:
        def __init__(self, conn):
            self.conn = conn

        def backup(self, target):
            raise sqlite3.OperationalError("disk I/O error")

        def __getattr__(self, name):
            return getattr(self.conn, name)

    real = store.conn
    monkeypatch.setattr(store, "conn", Failing(real))
    with pytest.raises(sqlite3.OperationalError):
        store.backup_rotating("blok")
    assert sorted(p.name for p in folder.iterdir()) == sorted([stale.name, fresh.name])
    monkeypatch.setattr(store, "conn", real)
    store.backup_rotating("blok")
    names = [p.name for p in folder.iterdir()]
    assert stale.name not in names and fresh.name in names
    assert len([n for n in names if n.endswith(".db")]) == 1


def test_an_action_that_changes_nothing_is_refused_so_undo_stays_meaningful(
    store, session_id, clock
):
    """Two apps on one session: both press `n` on the same block, both undo the same action,
    or one acts after the other closed. Stored, such an action would be the one `u` undoes."""
    add = store.clock.add
    add(session_id, ck.START, clock(), {"key": "welkom"})
    first = add(session_id, ck.START, clock.advance(minutes=20), {"key": "fase1"})
    with pytest.raises(StoreError, match="already started"):
        add(session_id, ck.START, clock.advance(seconds=1), {"key": "fase1"})
    add(session_id, ck.PAUSE, clock())
    with pytest.raises(StoreError, match="already interrupted"):
        add(session_id, ck.PAUSE, clock())
    pause = store.clock.events(session_id)[-1]
    add(session_id, ck.UNDO, clock(), {"undoes": pause.seq})
    with pytest.raises(StoreError, match="undone already"):
        add(session_id, ck.UNDO, clock(), {"undoes": pause.seq})  # the other app's undo
    add(session_id, ck.CLOSE, clock.advance(minutes=1))
    for kind, data in [(ck.START, {"key": "pauze1"}), (ck.EXTEND, {"minutes": 5})]:
        with pytest.raises(StoreError, match="closed"):
            add(session_id, kind, clock(), data)
    add(session_id, ck.UNDO, clock())  # undoing the close is still possible
    state = ck.compute(
        store.sessions.get(session_id).programme.blocks, store.clock.events(session_id), clock()
    )
    assert state.current is not None and state.current.key == "fase1"
    assert state.last_action == first and not state.paused


def test_a_failed_commit_does_not_block_every_later_save(db_path, programme, clock):
    """A COMMIT that fails (an I/O error) can leave SQLite's transaction open; then every later
    BEGIN failed ("within a transaction") and nothing typed afterwards could be saved."""
    import sqlite3

    class FlakyCommit(sqlite3.Connection):
        fail_next_commit = False

        def execute(self, sql, *args):
            if sql == "COMMIT" and self.fail_next_commit:
                self.fail_next_commit = False
                raise sqlite3.OperationalError("disk I/O error")
            return super().execute(sql, *args)

    Store.open(db_path).close()
    conn = sqlite3.connect(
        str(db_path), factory=FlakyCommit, isolation_level=None, check_same_thread=False
    )
    s = Store(conn, db_path)
    try:
        sid = s.sessions.create(programme, "X", "2026-03-01", now=clock())
        conn.fail_next_commit = True
        with pytest.raises(sqlite3.OperationalError, match="disk I/O error"):
            s.entries.add(sid, "story", {"text": "verloren"}, now=clock())
        kept = s.entries.add(sid, "story", {"text": "bewaard"}, now=clock())
        assert [e.text for e in s.entries.list(sid)] == [kept.text]
    finally:
        s.close()


def test_a_place_is_one_line(store, programme, clock):
    sid = store.sessions.create(programme, "Den\nBosch\t (Noord)", "2026-04-12", now=clock())
    assert store.sessions.get(sid).place == "Den Bosch (Noord)"


def test_a_draft_is_committed_without_waiting_for_the_disk_and_entries_still_are(
    store, session_id, clock
):
    """Drafts: synchronous=NORMAL for their commit only (a crash keeps them, an fsync is not
    waited for); the connection is back at FULL for the entries after it."""
    seen = []
    store.conn.set_trace_callback(seen.append)
    store.drafts.save("d1", session_id, "quote", {"capture": {}}, now=clock())
    store.entries.add(session_id, "quote", {"text": "Ik voel me thuis"}, now=clock())
    store.conn.set_trace_callback(None)
    assert store.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    draft = seen.index(next(s for s in seen if "INSERT INTO drafts" in s))
    assert "PRAGMA synchronous=NORMAL" in seen[:draft]
    assert "PRAGMA synchronous=2" in seen[draft:]
    assert [d["id"] for d in store.drafts.list(session_id)] == ["d1"]


def test_a_setting_made_on_first_use_is_made_once_and_shared(db_path, store):
    made: list[int] = []

    def make() -> str:
        made.append(1)
        return f"value {len(made)}"

    assert store.settings.setdefault("x.made", make) == "value 1"
    other = Store.open(db_path)  # another process on the same file
    try:
        assert other.settings.setdefault("x.made", make) == "value 1"
    finally:
        other.close()
    assert made == [1] and store.settings.get("x.made") == "value 1"


def test_a_checkpoint_at_a_quiet_moment_starts_the_wal_over(store, session_id, clock, db_path):
    """Database.checkpoint copies the WAL into the file and makes the write that starts a new
    WAL itself (so the entry after it does not sync a new WAL header); an older snapshot held by
    another connection leaves the WAL as it is. Nothing committed is lost either way."""
    for n in range(5):
        store.entries.add(session_id, "quote", {"text": f"citaat {n}"}, now=clock())
    assert store.checkpoint()
    frames = store.conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1]
    assert frames == 1  # only the write that started the WAL over
    version = store.conn.execute("PRAGMA user_version").fetchone()[0]
    assert version == SCHEMA_VERSION
    store.entries.add(session_id, "quote", {"text": "daarna"}, now=clock())
    # A reader in the middle of a transaction holds the old pages: nothing is forced.
    reader = sqlite3.connect(db_path, isolation_level=None)
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM entries").fetchone()
        store.entries.add(session_id, "quote", {"text": "terwijl iemand leest"}, now=clock())
        assert not store.checkpoint()
        reader.execute("COMMIT")
    finally:
        reader.close()
    assert len(store.entries.list(session_id)) == 7
    copy = sqlite3.connect(db_path)
    assert copy.execute("SELECT count(*) FROM entries").fetchone()[0] == 7
    copy.close()
