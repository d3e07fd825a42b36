"""The sample session of `facilitator demo`: a programme, a place, the first block running."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from facilitator.core.clock import CLOSE, START, compute, refusal
from facilitator.core.programme import Programme
from facilitator.store import Store


def seed_demo(store: Store, programme: Programme, now: datetime, *, sample: bool = True) -> str:
    """Create the demo: a finished sample session to browse and export, and a live one.

    The live session starts at the top of the day, so the whole programme passes by; the sample
    session (the day before) shows what a full log, remarks and a report look like.
    `sample=False` leaves the sample to the caller (`facilitator demo` writes it once the run
    screen is painted: see `sample_day`).
    """
    if sample:
        seed_sample_session(store, programme, sample_day(now))
    session_id = store.sessions.create(
        programme,
        "Demo",
        now.astimezone().date().isoformat(),
        facilitators=["Demo"],
        expected_participants=20,
        now=now,
    )
    store.clock.add(session_id, START, now, {"key": programme.blocks[0].key})
    return session_id


def sample_day(now: datetime) -> datetime:
    """The day of the demo's sample session: the day before."""
    return now - timedelta(days=1)


def seed_sample_session(store: Store, programme: Programme, day: datetime) -> str:
    """A whole session as it might have gone: every block a little off plan, then closed.

    A demo run again on the same --db the same day finds its sample there and leaves it be.
    """
    session_id = f"voorbeeld-{day.astimezone().date().isoformat()}"
    if any(s.id == session_id for s in store.sessions.list()):
        return session_id
    store.sessions.create(
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
        store.clock.add(session_id, START, at, {"key": block.key})
        at += timedelta(minutes=block.minutes + extra)
    store.clock.add(session_id, CLOSE, at)
    seed_capture(store, session_id, start)
    for slot, text in SAMPLE_REMARKS:
        store.remarks.add(session_id, slot, text)
    store.remarks.release(session_id)
    store.participants.set(session_id, SAMPLE_PROFILE)
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
    session = store.sessions.get(session_id)
    events = store.clock.events(session_id)
    starts = {e.data.get("key"): e.at for e in events if e.kind == START}
    first = session.programme.blocks[0].key
    by_phase = {b.phase: b.key for b in reversed(session.programme.blocks) if b.phase}
    order = [30, 28, 27, 25, 20, 15, 12, 8, 5]  # earlier in the list: earlier in its block

    def add(minutes_ago: int, kind: str, phase: int | None, fields: dict, **kw):
        key = by_phase.get(phase, first) if phase else first
        began = starts.get(key, now)
        return store.entries.add(
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


# -- autoplay: the demo plays a short day by itself until a key is pressed --
# (block index, fraction of the block gone, kind, fields, tags): entries a note-taker might type.
SCRIPT_ENTRIES: tuple[tuple[int, float, str, dict, list[str]], ...] = (
    (
        0,
        0.5,
        "observation",
        {
            "text": "De zaal loopt langzaam vol; bij de koffie staan "
            "mensen al in kleine groepjes te praten."
        },
        ["sfeer"],
    ),  # fmt: skip
    (
        1,
        0.3,
        "story",
        {
            "text": "Op het schoolplein werd mijn zoon uitgelachen om zijn "
            "lunch. Een andere moeder ging ernaast zitten en vroeg wat het was."
        },
        ["misverstand", "omstanders"],
    ),  # fmt: skip
    (
        1,
        0.7,
        "quote",
        {
            "text": "Je merkt pas hoe weinig je van je buren weet als je het samen over eten hebt.",
            "speaker": "deelnemer",
        },
        ["ontmoeting"],
    ),  # fmt: skip
    (
        3,
        0.4,
        "insight",
        {"text": "Kleine gebaren van omstanders maken meer verschil dan grote campagnes."},
        ["omstanders"],
    ),  # fmt: skip
    (
        3,
        0.8,
        "design_question",
        {"text": "Hoe maken we de drempel lager om een buurman aan te spreken die je niet kent?"},
        ["ontmoeting"],
    ),  # fmt: skip
)

# Remarks from phones, anonymous, posted during a break (or the meal) the way the server does.
SCRIPT_REMARKS = (
    "Ik vond het spannend om mijn verhaal te vertellen, maar het luchtte op.",
    "Meer tijd voor de kleine groepjes graag.",
)


class Autoplay:
    """Plays the demo's day: the next block shortly before a block's time runs out, a few
    entries and remarks on the way. Reads the clock on every `step` (no counted ticks), writes
    through the store like a facilitator's clock action and a phone's remark; `stop` is final.
    """

    def __init__(
        self,
        store: Store,
        session_id: str,
        clock: Callable[[], datetime],
        *,
        lead_seconds: float = 60.0,
    ) -> None:
        self.store = store
        self.session_id = session_id
        self.clock = clock
        self.lead_seconds = lead_seconds  # start the next block this long before time runs out
        self.stopped = False
        self._done: set[tuple[str, int]] = set()

    def stop(self) -> bool:
        """Stop for good; True the first time (so the caller says so once)."""
        first = not self.stopped
        self.stopped = True
        return first

    def step(self) -> list[str]:
        """Do what is due now; returns what was done ("start:KEY", "entry:KIND", "remark",
        "close"), empty when nothing was."""
        if self.stopped:
            return []
        session = self.store.sessions.get(self.session_id)
        blocks = session.programme.blocks
        now = self.clock()
        state = compute(blocks, self.store.clock.events(self.session_id), now)
        current = state.current
        if state.state == "closed" or current is None or state.paused:
            return []
        done: list[str] = []
        index = next(i for i, b in enumerate(blocks) if b.key == current.key)
        allowed = max(current.allowed_seconds, 1.0)
        gone = 1.0 - state.block_remaining / allowed
        for n, (at, fraction, kind, fields, tags) in enumerate(SCRIPT_ENTRIES):
            if at == index and gone >= fraction and ("entry", n) not in self._done:
                self._done.add(("entry", n))
                self.store.entries.add(
                    self.session_id,
                    kind,
                    dict(fields),
                    author="DEMO",
                    block_key=current.key,
                    tags=list(tags),
                    now=now,
                )
                done.append(f"entry:{kind}")
        if blocks[index].kind in ("break", "meal") and gone >= 0.3:
            for n, text in enumerate(SCRIPT_REMARKS):
                if ("remark", n) not in self._done:
                    self._done.add(("remark", n))
                    slot, _released = self.store.remarks.post(self.session_id, text, now=now)
                    if slot is not None:
                        done.append("remark")
                    break  # one remark per step: they arrive one by one
        if state.block_remaining <= self.lead_seconds:
            nxt = state.next_block()
            if nxt is None:
                self.store.clock.add(self.session_id, CLOSE, now)
                self.stopped = True
                done.append("close")
            elif refusal(state, START, {"key": nxt.key}) is None:
                self.store.clock.add(self.session_id, START, now, {"key": nxt.key})
                done.append(f"start:{nxt.key}")
        return done


# -- end autoplay --
