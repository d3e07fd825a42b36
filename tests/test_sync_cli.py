"""`facilitator pair`, `join` and `sync` when something is wrong: one clear line, the right exit
status, nothing written."""

from __future__ import annotations

from click.testing import CliRunner

from facilitator.cli import main
from facilitator.store import Store


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def one_line(result, status: int = 2) -> str:
    assert result.exit_code == status, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


def test_pair_without_a_running_host_says_how_to_start_one(db_path, session_id, store):
    store.close()
    line = one_line(run("pair", session_id, "--db", str(db_path)))
    assert f"facilitator serve {session_id}" in line
    assert one_line(run("pair", "nergens", "--db", str(db_path), "--lang", "en")).endswith(
        "no session 'nergens' in this database"
    )


def test_join_refuses_an_address_that_is_not_one(tmp_path):
    db = tmp_path / "laptop.db"
    line = one_line(
        run("join", "https://example.org/", "--author", "CD", "--no-open", "--db", str(db))
    )
    assert "geen aanmeldadres" in line
    s = Store.open(db)
    try:
        assert s.sessions.list() == []
    finally:
        s.close()


def test_join_to_a_host_that_does_not_answer_exits_1(tmp_path):
    address = "https://127.0.0.1:9/j/x?c=ABCD-EFGH&fp=" + "a" * 64
    result = run("join", address, "--author", "CD", "--no-open", "--db", str(tmp_path / "l.db"))
    assert "niet bereikbaar" in one_line(result, status=1)


def test_sync_without_a_joined_session_is_bad_input(db_path, session_id, store):
    store.close()
    assert "facilitator join" in one_line(run("sync", "--db", str(db_path)))
    assert "facilitator join" in one_line(run("sync", session_id, "--db", str(db_path)))


def test_sync_to_a_host_that_is_away_exits_1_and_keeps_the_outbox(
    db_path, session_id, store, clock
):
    store.sync.link_host(
        session_id,
        address="https://127.0.0.1:9",
        fingerprint="a" * 64,
        token="t",
        device_id="d",
        author="CD",
    )
    store.entries.add(session_id, "quote", {"text": "bewaard"}, author="CD", now=clock())
    store.close()
    result = run("sync", "--db", str(db_path))
    line = one_line(result, status=1)
    assert "niet bereikbaar" in line and "1 te versturen" in line
    s = Store.open(db_path)
    try:
        assert s.sync.pending_count(session_id) == 1
    finally:
        s.close()


def test_a_typed_address_needs_a_code_and_a_fingerprint_without_a_terminal(tmp_path):
    db = str(tmp_path / "l.db")
    assert "--code" in one_line(
        run("join", "127.0.0.1:9", "--author", "CD", "--no-open", "--db", db)
    )
    line = one_line(
        run("join", "127.0.0.1:9", "--code", "ABCD-EFGH", "--author", "CD", "--no-open", "--db", db)
    )
    assert "--fingerprint" in line
    line = one_line(
        run(
            "join",
            "127.0.0.1:9",
            "--code",
            "ABCD-EFGH",
            "--fingerprint",
            "4DBB",
            "--author",
            "CD",
            "--no-open",
            "--db",
            db,
        )
    )
    assert "16" in line
