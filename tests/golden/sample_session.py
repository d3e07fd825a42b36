"""The fixed sample session the export golden files are made from, built with store calls only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from facilitator.core import clock as ck
from facilitator.core.programme import find, shipped_dir
from facilitator.store import Store

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
SESSION = "utrecht-2026-03-01"


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def build_sample(store: Store) -> str:
    """A whole session of Spelregels in Utrecht: every kind of entry, remarks, a profile."""
    prog = find("spelregels", [shipped_dir()])
    assert prog is not None
    sid = store.sessions.create(
        prog,
        "Utrecht",
        "2026-03-01",
        facilitators=["Anna de Vries", "Bram Jansen"],
        expected_participants=20,
        now=at(-30),
    )
    ev = store.clock.add
    ids = iter(f"e{n:02d}" for n in range(1, 100))

    def add(*args, **kwargs):
        return store.entries.add(*args, entry_id=next(ids), **kwargs)

    ev(sid, ck.START, at(0), {"key": "welkom"})
    ev(sid, ck.START, at(22), {"key": "fase1"})
    story = add(
        sid,
        "story",
        {
            "text": "In de bus sprak een man mij aan op mijn hoofddoek.\nNiemand zei iets.",
            "sub_question": prog.sub_questions[0],
        },
        author="AB",
        block_key="fase1",
        tags=["omstanders", "openbaar vervoer"],
        now=at(30),
    )
    add(
        sid,
        "emblem",
        {
            "title": "De brug",
            "text": "Twee handen die elkaar net niet raken.",
            "photo": "fotos/de-brug.jpg",  # not on disk: the reports say so
        },
        author="AB",
        block_key="fase1",
        tags=["verbinding"],
        now=at(41),
    )
    q1 = add(
        sid,
        "quote",
        {
            "text": "Ik had gewild dat iemand opstond.",
            "speaker": "deelnemer, Utrecht",
            "sub_question": prog.sub_questions[0],
        },
        author="CD",
        block_key="fase1",
        tags=["omstanders"],
        now=at(45),
    )
    add(
        sid,
        "observation",
        {"text": "Over discriminatie op het werk zegt niemand iets in de grote groep."},
        author="CD",
        block_key="fase1",
        now=at(50),
    )
    ev(sid, ck.EXTEND, at(75), {"minutes": 5})
    ev(sid, ck.START, at(87), {"key": "pauze1"})
    ev(sid, ck.START, at(102), {"key": "fase2"})
    add(
        sid,
        "design_question",
        {"text": "Hoe zorgen we dat omstanders durven in te grijpen?"},
        author="AB",
        block_key="fase2",
        tags=["omstanders"],
        now=at(120),
    )
    ev(sid, ck.PAUSE, at(125))
    ev(sid, ck.RESUME, at(130))
    ev(sid, ck.START, at(147), {"key": "maaltijd"})
    ev(sid, ck.START, at(190), {"key": "fase3"})
    rule = add(
        sid,
        "rule",
        {"text": "Licht je beweegredenen toe"},
        author="AB",
        block_key="fase3",
        tags=["communicatie"],
        links=[story.id],
        now=at(200),
    )
    store.entries.add(  # a rule from before rules linked to their story: its source as typed
        sid,
        "rule",
        {"text": "Spreek elkaar aan, niet over elkaar.", "source": "groep 2"},
        author="AB",
        block_key="fase3",
        now=at(202),
        entry_id="e50",  # outside the e01, e02, ... sequence the other tests name
    )
    store.entries.update(rule.id, {"text": "Licht je beweegredenen toe."}, now=at(205))
    add(
        sid,
        "prototype",
        {
            "title": "Het buurtbankje",
            "text": "Een bank met een tafel op het plein.",
            "building_blocks": ["Activiteiten als motor voor verbinding"],
        },
        author="CD",
        block_key="fase3",
        tags=["ontmoeting"],
        now=at(215),
    )
    q2 = add(
        sid,
        "quote",
        {"text": "Een plek waar je gewoon mag zijn.", "speaker": "deelnemer, Utrecht"},
        author="CD",
        block_key="fase3",
        tags=["ontmoeting"],
        now=at(220),
    )
    gone = add(
        sid,
        "story",
        {"text": "Per ongeluk opgeslagen."},
        author="AB",
        block_key="fase3",
        now=at(221),
    )
    store.entries.delete(gone.id, now=at(222))
    ev(sid, ck.EXTRA_BREAK, at(236), {"key": "extra1", "name": "Extra pauze", "minutes": 10})
    ev(sid, ck.START, at(246), {"key": "pauze2"})
    ev(sid, ck.START, at(250), {"key": "fase4"})
    add(
        sid,
        "advice",
        {
            "text": "Train omstanders om in te grijpen, in de wijk en op school.",
            "level": "overarching",
        },
        author="AB",
        block_key="fase4",
        links=[q1.id],
        tags=["omstanders"],
        now=at(255),
    )
    add(
        sid,
        "advice",
        {"text": "Maak een landelijke campagne in gewone taal.", "level": "national"},
        author="AB",
        block_key="fase4",
        tags=["communicatie"],
        now=at(260),
    )
    add(
        sid,
        "advice",
        {"text": "Zet bankjes en tafels op pleinen.", "level": "local"},
        author="CD",
        block_key="fase4",
        links=[q2.id],
        tags=["ontmoeting"],
        now=at(263),
    )
    add(
        sid,
        "advice",
        {"text": "Geef buurthuizen een vast budget.", "level": "local"},
        author="CD",
        block_key="fase4",
        links=[story.id],
        now=at(266),
    )
    add(
        sid,
        "insight",
        {
            "title": "Omstanders willen helpen",
            "text": "Omstanders willen wel helpen, maar weten niet hoe.",
            "sub_question": prog.sub_questions[1],
        },
        author="AB",
        block_key="fase4",
        tags=["omstanders"],
        links=[q1.id],
        now=at(268),
    )
    add(
        sid,
        "insight",
        {"text": "Spelregels werken het best als ze samen gemaakt worden."},
        author="AB",
        block_key="fase4",
        now=at(270),
    )
    ev(sid, ck.START, at(276), {"key": "afsluiting"})
    ev(sid, ck.CLOSE, at(281))
    add(
        sid,
        "validation",
        {"text": "Deelnemers missen het verhaal over de supermarkt."},
        author="AB",
        block_key=None,
        now=at(60 * 24 * 7),
    )
    store.remarks.add(sid, "Pauze 1", "Op mijn werk word ik anders behandeld.")
    store.remarks.add(sid, "Gezamenlijke maaltijd", "Ik durfde het in de groep niet te zeggen.")
    hidden = store.remarks.add(sid, "Pauze 1", "Dit hoort niet in het verslag.")
    with store.transaction() as conn:
        conn.execute("UPDATE remarks SET hidden = 1 WHERE id = ?", (hidden,))
    store.participants.set(
        sid,
        {
            "age": {"18-30": 5, "30-50": 8, "50-65": 4, "65+": 3},
            "gender": {"female": 11, "male": 8, "nonbinary": 1},
            "education": {"practical": 6, "middle": 8, "theoretical": 6},
            "migration": {"first": 6, "second": 3, "none": 11},
            "area": {"urban": 14, "rural": 6},
        },
    )
    return sid
