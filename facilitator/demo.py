"""The sample session of `facilitator demo`: a programme, a place, the first block running."""

from __future__ import annotations

from datetime import datetime, timedelta

from facilitator.core.clock import CLOSE, START
from facilitator.core.programme import Programme
from facilitator.store import Store


def seed_demo(store: Store, programme: Programme, now: datetime) -> str:
    """Create the demo: a finished sample session to browse and export, and a live one.

    The live session starts at the top of the day, so the whole programme passes by; the sample
    session (the day before) shows what a full log, remarks and a report look like.
    """
    seed_sample_session(store, programme, now - timedelta(days=1))
    session_id = store.create_session(
        programme,
        "Demo",
        now.astimezone().date().isoformat(),
        facilitators=["Demo"],
        expected_participants=20,
        now=now,
    )
    store.add_clock_event(session_id, START, now, {"key": programme.blocks[0].key})
    return session_id


def seed_sample_session(store: Store, programme: Programme, day: datetime) -> str:
    """A whole session as it might have gone: every block a little off plan, then closed.

    A demo run again on the same --db the same day finds its sample there and leaves it be.
    """
    session_id = f"voorbeeld-{day.astimezone().date().isoformat()}"
    if any(s.id == session_id for s in store.list_sessions()):
        return session_id
    store.create_session(
        programme,
        "Zwolle (voorbeeld)",
        day.astimezone().date().isoformat(),
        facilitators=["Anna", "Said"],
        expected_participants=20,
        now=day,
        session_id=session_id,
    )
    start = day.astimezone().replace(hour=9, minute=30, second=0, microsecond=0)
    drift = (2, 4, -1, 3, 0, 5, -2, 1, 0)  # minutes each block ran over (or under) its plan
    at = start
    for block, extra in zip(programme.blocks, drift + (0,) * len(programme.blocks), strict=False):
        store.add_clock_event(session_id, START, at, {"key": block.key})
        at += timedelta(minutes=block.minutes + extra)
    store.add_clock_event(session_id, CLOSE, at)
    seed_capture(store, session_id, start)
    for slot, text in SAMPLE_REMARKS:
        store.add_remark(session_id, slot, text)
    store.release_remarks(session_id)
    store.set_participants(session_id, SAMPLE_PROFILE)
    return session_id


SAMPLE_REMARKS = (
    (
        "Pauze 1",
        "In mijn groepje durfde ik niet te zeggen dat ik vaak word nagekeken in de winkel.",
    ),
    ("Pauze 1", "Fijn dat er ook naar praktisch opgeleide mensen wordt geluisterd."),
    (
        "Gezamenlijke maaltijd",
        "Op mijn werk wordt mijn naam steeds verkeerd uitgesproken, ook na jaren.",
    ),
    ("Pauze 2", "Ik mis jongeren hier. Volgende keer ook op een zaterdag?"),
)

SAMPLE_PROFILE = {
    "age": {"18-30": 5, "30-50": 7, "50-65": 5, "65+": 3},
    "gender": {"female": 11, "male": 9, "nonbinary": 0},
    "education": {"practical": 4, "middle": 9, "theoretical": 7},
    "migration": {"first": 6, "second": 2, "none": 12},
    "area": {"urban": 14, "rural": 6},
}


# -- capture: sample entries --
def seed_capture(store: Store, session_id: str, now: datetime) -> None:
    """A handful of entries in the report's spirit, so the sample's log has something to show.

    Each is stamped with a block of the phase it belongs to and a time inside that block (the
    session started at `now`), by two note-takers.
    """
    session = store.get_session(session_id)
    events = store.clock_events(session_id)
    starts = {e.data.get("key"): e.at for e in events if e.kind == START}
    first = session.programme.blocks[0].key
    by_phase = {b.phase: b.key for b in reversed(session.programme.blocks) if b.phase}
    order = [30, 28, 27, 25, 20, 15, 12, 8, 5]  # earlier in the list: earlier in its block

    def add(minutes_ago: int, kind: str, phase: int | None, fields: dict, **kw):
        key = by_phase.get(phase, first) if phase else first
        began = starts.get(key, now)
        return store.add_entry(
            session_id,
            kind,
            fields,
            block_key=key,
            now=began + timedelta(minutes=3 + order.index(minutes_ago)),
            **kw,
        )

    add(30, "observation", None, {"text": "Twee deelnemers kwamen samen binnen en bleven "
        "de hele welkomstronde naast elkaar zitten; de rest zocht een plek bij onbekenden."},
        author="DEMO", tags=["sfeer"])  # fmt: skip
    add(28, "story", 1, {"text": "In de bus sprak een oudere vrouw mij aan op mijn hoofddoek. "
        "Ik schrok, maar ze wilde alleen weten waar ik hem had gekocht.\nDaarna praatten we tot "
        "haar halte."}, author="DEMO", tags=["misverstand", "openbare-ruimte"])  # fmt: skip
    quote = add(27, "quote", 1, {"text": "Het is belangrijk dat je kunt oefenen om als omstander "
        "in te grijpen. Mij viel op hoeveel een klein gebaar of een vraag kan doen.",
        "speaker": "deelnemer, Zwolle"}, author="AS", tags=["omstanders"])  # fmt: skip
    add(25, "emblem", 1, {"title": "De open deur", "text": "Een huis met een deur die op een "
        "kier staat; binnen een tafel met stoelen van verschillende kleuren."}, author="AS",
        tags=["ontmoeting"])  # fmt: skip
    add(20, "design_question", 2, {"text": "Hoe kunnen we omstanders helpen om te reageren "
        "wanneer iemand wordt buitengesloten?"}, author="DEMO", tags=["omstanders"])  # fmt: skip
    add(15, "rule", 3, {"text": "Licht je beweegredenen toe", "source": "Het verhaal over de "
        "vrouw in de bus"}, author="AS", tags=["misverstand"])  # fmt: skip
    add(12, "prototype", 3, {"title": "De Buurtkeuken", "text": "Een keuken in het buurthuis "
        "waar buren om de beurt voor elkaar koken.", "building_blocks": [
        "Activiteiten als motor voor verbinding", "Bruggenbouwers maken het verschil"]},
        author="DEMO", tags=["ontmoeting"])  # fmt: skip
    add(8, "insight", 2, {"text": "Verbinden is een werkwoord: het gebeurt niet vanzelf."},
        author="AS", tags=["ontmoeting"])  # fmt: skip
    add(5, "advice", 4, {"text": "Erken omstanders als bondgenoten en geef hen "
        "handelingsperspectief, bijvoorbeeld met trainingen en campagnes.", "level": "national"},
        author="DEMO", tags=["omstanders"], links=[quote.id])  # fmt: skip


# -- end capture: sample entries --
