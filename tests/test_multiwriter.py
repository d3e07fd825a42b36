"""Several note-takers' apps writing to one database at once: no lost write, no "locked" error.

Real processes, each with its own connection, as two facilitator instances on one laptop have.
Every process adds entries, edits one shared entry and keeps a draft, all at the same time, while
another searches; afterwards every row is counted.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from facilitator.store import Store

pytestmark = pytest.mark.slow

WRITERS = 4
ENTRIES = 60
EDITS = 15

WRITER = textwrap.dedent(
    """
    import sys
    from datetime import UTC, datetime
    from facilitator.store import Store

    path, session_id, shared, n, entries, edits = sys.argv[1:7]
    store = Store.open(path)
    now = lambda: datetime.now(UTC)
    sys.stdin.readline()  # start together
    for i in range(int(entries)):
        store.entries.add(
            session_id, "quote", {"text": f"writer{n} zegt nummer{i}"}, author=f"W{n}",
            tags=[f"w{n}", "samen"], now=now(),
        )
        store.drafts.save(f"draft{n}", session_id, "story", {"i": i}, author=f"W{n}", now=now())
        if i < int(edits):
            store.entries.update(shared, {"text": f"bewerkt door {n} ({i})"}, now=now())
    store.drafts.discard(f"draft{n}")
    store.close()
    print("done")
    """
)

READER = textwrap.dedent(
    """
    import sys
    from facilitator.store import Store

    store = Store.open(sys.argv[1])
    sys.stdin.readline()
    seen = 0
    for _ in range(200):
        seen = max(seen, store.entries.count(sys.argv[2], search="zegt"))
        store.entries.find(sys.argv[2], search="nummer1", limit=50)
        store.entries.signature(sys.argv[2])
    store.close()
    print("read", seen)
    """
)


def test_writer_processes_at_once_lose_nothing(db_path, session_id, clock):
    store = Store.open(db_path)
    shared = store.entries.add(session_id, "insight", {"text": "gedeeld"}, now=clock()).id
    store.close()
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                WRITER,
                str(db_path),
                session_id,
                shared,
                str(n),
                str(ENTRIES),
                str(EDITS),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for n in range(WRITERS)
    ]
    procs.append(
        subprocess.Popen(
            [sys.executable, "-c", READER, str(db_path), session_id],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
    )
    for p in procs:
        p.stdin.write("go\n")
        p.stdin.flush()
    results = [p.communicate(timeout=240) for p in procs]
    for p, (out, err) in zip(procs, results, strict=True):
        assert p.returncode == 0, err
        assert out.startswith(("done", "read"))
        assert "locked" not in err.lower()

    store = Store.open(db_path)
    try:
        assert store.entries.count(session_id, kind="quote") == WRITERS * ENTRIES
        for n in range(WRITERS):
            # Every row is there, in the full-text index too, with its tags.
            assert store.entries.count(session_id, search=f"writer{n}") == ENTRIES
            assert store.entries.count(session_id, tag=f"w{n}") == ENTRIES
        assert store.entries.count(session_id, tag="samen") == WRITERS * ENTRIES
        edited = store.entries.get(shared)
        assert edited.revision == 1 + WRITERS * EDITS
        revisions = store.entries.revisions(shared)
        assert [r["revision"] for r in revisions] == list(range(1, WRITERS * EDITS + 1))
        assert store.drafts.list(session_id) == []
        assert store.query("PRAGMA integrity_check")[0]["integrity_check"] == "ok"
        # The full-text index matches the rows exactly (raises "database disk image is malformed"
        # otherwise).
        store.conn.execute(
            "INSERT INTO entries_fts(entries_fts, rank) VALUES ('integrity-check', 1)"
        )
    finally:
        store.close()
