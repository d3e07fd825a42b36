"""The session clock, derived from stored wall-clock events and the current time.

Nothing here counts ticks: `compute(blocks, events, now)` folds the events the facilitator made
(start a block, pause, resume, extend, rebalance, undo, ...) into the state shown on screen. The
same events and the same `now` always give the same state, so a restart after a crash lands on
the right second, and a test can run a whole day with a fake clock.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from facilitator.core.programme import MAX_MINUTES, Block

Clock = Callable[[], datetime]

# Event kinds, as stored in the clock_events table.
# data: {"key": block key}, and "interrupt": true when `b` pulled a break forward: a phase still
# having time then waits for its turn again after the break (see `compute`).
START = "start"
# data: {"key", "name", "minutes"}: insert a break after the current block and start it
EXTRA_BREAK = "extra_break"
PAUSE = "pause"
RESUME = "resume"
EXTEND = "extend"  # data: {"minutes": n}: the current block gets n more minutes
REBALANCE = "rebalance"  # data: {"minutes": {key: new planned minutes}}
DECLINE = "decline_rebalance"  # data: {"late": minutes late when the offer was declined}
CLOSE = "close"
UNDO = "undo"
ACTIONS = (START, EXTRA_BREAK, PAUSE, RESUME, EXTEND, REBALANCE, DECLINE, CLOSE)

WARN_FRACTION = 0.20
URGENT_FRACTION = 0.05
OFFER_LATE_MINUTES = 3  # offer to take time back once the day runs this late
OFFER_AGAIN_MINUTES = 5  # after a decline, offer again only when it got this much later
EXTRA_BREAK_MINUTES = 10
# A phase interrupted by a break continues after it only with at least this much time left.
RESUME_AFTER_BREAK_SECONDS = 60.0


def utcnow() -> datetime:
    return datetime.now(UTC)


def speed_clock(speed: float, origin: datetime | None = None) -> Clock:
    """A clock that runs `speed` times faster than real time from `origin` on (for the demo)."""
    real_start = utcnow()
    base = origin or real_start

    def now() -> datetime:
        return base + (utcnow() - real_start) * speed

    return now


@dataclass(frozen=True)
class ClockEvent:
    """One facilitator action as stored: when (UTC), what, and its details."""

    seq: int
    at: datetime
    kind: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class BlockState:
    """A block on the agenda with its planned and actual times."""

    block: Block
    index: int
    planned_minutes: int  # after any rebalance
    extra_minutes: int = 0  # extensions while it ran
    paused_seconds: float = 0.0
    inserted: bool = False  # an unplanned break
    # Each stretch the block ran: more than one when a break interrupted it and it went on after.
    segments: list[tuple[datetime, datetime | None]] = field(default_factory=list)
    suspended: bool = False  # interrupted by a break, with time left: it goes on after the break

    @property
    def started_at(self) -> datetime | None:
        """When it first started (None: not yet)."""
        return self.segments[0][0] if self.segments else None

    @property
    def ended_at(self) -> datetime | None:
        """When its last stretch ended (None: not started, or running now)."""
        return self.segments[-1][1] if self.segments else None

    @property
    def key(self) -> str:
        return self.block.key

    @property
    def name(self) -> str:
        return self.block.name

    @property
    def status(self) -> str:
        """pending, running, suspended (waits for its turn after a break) or done."""
        if self.started_at is None:
            return "pending"
        if self.suspended:
            return "suspended"
        return "done" if self.ended_at is not None else "running"

    @property
    def allowed_seconds(self) -> float:
        return (self.planned_minutes + self.extra_minutes) * 60.0

    def actual_seconds(self, now: datetime) -> float | None:
        """Time spent in this block, interruptions (and the breaks it waited through) left out."""
        if not self.segments:
            return None
        return max(0.0, _ran(self.segments, now) - self.paused_seconds)

    def remaining_seconds(self, now: datetime) -> float:
        """Seconds left of its time (negative when it overran)."""
        return self.allowed_seconds - (self.actual_seconds(now) or 0.0)


@dataclass
class ClockState:
    """Everything the run screen shows about time, at one moment."""

    now: datetime
    blocks: list[BlockState]
    started_at: datetime | None
    closed_at: datetime | None
    current: BlockState | None
    paused_since: datetime | None
    paused_seconds: float  # all interruptions so far, the running one included
    planned_total_minutes: int
    declined_late: float | None
    can_undo: bool
    last_action: ClockEvent | None

    @property
    def state(self) -> str:
        """planned | running | closed, as the CLI and JSON contract name them."""
        if self.closed_at is not None:
            return "closed"
        return "running" if self.started_at is not None else "planned"

    @property
    def paused(self) -> bool:
        return self.paused_since is not None

    @property
    def block_elapsed(self) -> float:
        if self.current is None:
            return 0.0
        return self.current.actual_seconds(self.now) or 0.0

    @property
    def block_remaining(self) -> float:
        """Seconds left in the current block; negative when it overran."""
        if self.current is None:
            return 0.0
        return self.current.allowed_seconds - self.block_elapsed

    @property
    def level(self) -> str:
        """normal, warn (20% left), urgent (5% left) or overrun, for the colour of the countdown."""
        if self.current is None:
            return "normal"
        allowed = self.current.allowed_seconds
        left = self.block_remaining
        if left < 0:
            return "overrun"
        if left <= allowed * URGENT_FRACTION:
            return "urgent"
        if left <= allowed * WARN_FRACTION:
            return "warn"
        return "normal"

    @property
    def session_elapsed(self) -> float:
        """Programme time used: from the first block to now (or the close), interruptions left out."""
        if self.started_at is None:
            return 0.0
        end = self.closed_at or self.now
        return max(0.0, (end - self.started_at).total_seconds() - self.paused_seconds)

    @property
    def pending(self) -> list[BlockState]:
        return [b for b in self.blocks if b.status == "pending"]

    @property
    def suspended(self) -> list[BlockState]:
        """Phases a break interrupted, the latest first: they go on before anything new starts."""
        waiting = [b for b in self.blocks if b.status == "suspended"]
        return sorted(waiting, key=lambda b: b.ended_at or self.now, reverse=True)

    def next_block(self) -> BlockState | None:
        """What `n` starts: an interrupted phase first, else the next block not yet started."""
        waiting = self.suspended
        if waiting:
            return waiting[0]
        pending = self.pending
        return pending[0] if pending else None

    def next_break(self) -> BlockState | None:
        for b in self.pending:
            if b.block.kind == "break":
                return b
        return None

    @property
    def planned_end(self) -> datetime | None:
        if self.started_at is None:
            return None
        return self.started_at + timedelta(minutes=self.planned_total_minutes)

    @property
    def projected_end(self) -> datetime:
        """When the day ends if every remaining block takes its planned time."""
        if self.closed_at is not None:
            return self.closed_at
        left = sum(b.planned_minutes for b in self.pending) * 60.0
        left += sum(max(0.0, b.remaining_seconds(self.now)) for b in self.suspended)
        if self.current is not None:
            left += max(0.0, self.block_remaining)
        return self.now + timedelta(seconds=left)

    @property
    def late_minutes(self) -> float:
        """How many minutes the day runs past its planned end (negative: ahead)."""
        if self.planned_end is None:
            return 0.0
        return (self.projected_end - self.planned_end).total_seconds() / 60.0

    def rebalance_offer(self) -> dict[str, int] | None:
        """New planned minutes for the remaining blocks that take the lateness back, if worth offering."""
        if self.state != "running" or not self.pending:
            return None
        late = self.late_minutes
        if late < OFFER_LATE_MINUTES:
            return None
        if self.declined_late is not None and late < self.declined_late + OFFER_AGAIN_MINUTES:
            return None
        proposal = propose_rebalance(
            [(b.key, b.planned_minutes) for b in self.pending], math.ceil(late - 1e-9)
        )
        return proposal or None

    def planned_start(self, index: int) -> datetime | None:
        """When block `index` was planned to start, by the original programme."""
        if self.started_at is None:
            return None
        minutes = sum(b.block.minutes for b in self.blocks[:index] if not b.inserted)
        return self.started_at + timedelta(minutes=minutes)


def propose_rebalance(pending: Sequence[tuple[str, int]], late: int) -> dict[str, int]:
    """Shorten the pending blocks in proportion to their length so they give back `late` minutes.

    Every block keeps at least one minute; whole minutes are shared out by largest remainder so
    the cuts add up exactly (or as close as the one-minute floor allows).
    """
    total = sum(m for _, m in pending)
    room = sum(m - 1 for _, m in pending)
    cut = min(late, room)
    if cut <= 0 or total <= 0:
        return {}
    shares = [(key, m, cut * m / total) for key, m in pending]
    cuts = {key: min(m - 1, math.floor(s)) for key, m, s in shares}
    left = cut - sum(cuts.values())
    for key, m, _share in sorted(shares, key=lambda x: x[2] - math.floor(x[2]), reverse=True):
        if left <= 0:
            break
        if cuts[key] < m - 1:
            cuts[key] += 1
            left -= 1
    # If the floor stopped some blocks, the rest of the cut goes to the longest blocks.
    while left > 0:
        room_left = [(m - 1 - cuts[k], k) for k, m in pending if cuts[k] < m - 1]
        if not room_left:
            break
        _, key = max(room_left)
        cuts[key] += 1
        left -= 1
    return {key: m - cuts[key] for key, m in pending if cuts[key]}


def _whole(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def check_event(kind: str, data: Any) -> str | None:
    """What is wrong with a clock action and its data, or None: `compute` trusts what is stored,
    so the store and the import check every action with this first."""
    if kind not in ACTIONS and kind != UNDO:
        return f"unknown clock action {kind!r}"
    if not isinstance(data, dict):
        return f"the data of a {kind} must be an object"
    if kind in (START, EXTRA_BREAK):
        key = data.get("key")
        if not isinstance(key, str) or not key:
            return f"a {kind} needs the key of its block as text"
    if kind == EXTRA_BREAK:
        if data.get("name") is not None and not isinstance(data["name"], str):
            return "the name of an extra break must be text"
        if data.get("minutes") is not None and not _whole(data["minutes"], 1, MAX_MINUTES):
            return f"the minutes of an extra break must be a whole number from 1 to {MAX_MINUTES}"
    elif kind == EXTEND:
        if not _whole(data.get("minutes"), -MAX_MINUTES, MAX_MINUTES):
            return f"an extend needs its minutes as a whole number up to {MAX_MINUTES}"
    elif kind == REBALANCE:
        planned = data.get("minutes")
        if not isinstance(planned, dict) or not all(
            isinstance(k, str) and _whole(v, 1, MAX_MINUTES) for k, v in planned.items()
        ):
            return f"a rebalance needs the new minutes per block key, from 1 to {MAX_MINUTES}"
    elif kind == DECLINE:
        late = data.get("late", 0)
        if (
            isinstance(late, bool)
            or not isinstance(late, int | float)
            or not math.isfinite(late)
            or abs(late) > 10 * MAX_MINUTES
        ):
            return "a declined rebalance needs the minutes late as a number"
    return None


def refusal(state: ClockState, kind: str, data: dict[str, Any]) -> str | None:
    """Why an action would change nothing on a clock in `state` (None when it is in force).

    `compute` skips such actions, yet stored they would still be the last action, and `u` would
    undo them without a visible change. Two apps on one session can send them: both press `n`
    on the same block, or both undo the same action.
    """
    if state.state == "closed" and kind != UNDO:
        return "the session is closed (undo the close to go on)"
    if kind == START:
        target = next((b for b in state.blocks if b.key == data.get("key")), None)
        if target is None:
            return f"no block {data.get('key')!r} in this session"
        if target.status not in ("pending", "suspended"):
            return f"{target.name} has already started"
    elif kind == EXTRA_BREAK and any(b.key == data.get("key") for b in state.blocks):
        return f"a block {data.get('key')!r} is already on the agenda"
    elif kind in (PAUSE, EXTEND, CLOSE) and state.state != "running":
        return "the session has not started"
    elif kind == PAUSE and state.paused:
        return "the clock is already interrupted"
    elif kind == RESUME and not state.paused:
        return "the clock is not interrupted"
    elif kind == EXTEND and state.current is None:
        return "no block is running"
    elif kind == UNDO:
        if state.last_action is None:
            return "nothing to undo"
        undoes = data.get("undoes")
        if undoes is not None and undoes != state.last_action.seq:
            return "that action was undone already, or another one came after it"
    return None


def effective_events(events: Sequence[ClockEvent]) -> list[ClockEvent]:
    """The actions still in force: each undo cancels the latest action not yet undone.

    A declined offer to take time back is not a step of its own for undo: it changes nothing on
    the clock (`u` would seem to do nothing), and `k` shows the offer again at any time.
    """
    stack: list[ClockEvent] = []
    for ev in events:
        if ev.kind == UNDO:
            for i in range(len(stack) - 1, -1, -1):
                if stack[i].kind != DECLINE:
                    del stack[i]
                    break
        else:
            stack.append(ev)
    return stack


def _undoable(acts: Sequence[ClockEvent]) -> ClockEvent | None:
    """The action `u` would undo now."""
    return next((ev for ev in reversed(acts) if ev.kind != DECLINE), None)


def compute(blocks: Sequence[Block], events: Sequence[ClockEvent], now: datetime) -> ClockState:
    """Fold the stored events into the clock state at `now`."""
    acts = effective_events(events)
    states = [BlockState(block=b, index=i, planned_minutes=b.minutes) for i, b in enumerate(blocks)]
    by_key = {s.key: s for s in states}
    current: BlockState | None = None
    started_at: datetime | None = None
    closed_at: datetime | None = None
    paused_since: datetime | None = None
    pauses: list[tuple[datetime, datetime | None]] = []
    declined: float | None = None

    def end_pause(at: datetime) -> None:
        nonlocal paused_since
        if paused_since is not None:
            pauses[-1] = (paused_since, at)
            paused_since = None

    def end_current(at: datetime, *, interrupt: bool = False) -> None:
        """The running block stops at `at`: for good, or (a phase a break interrupts while it
        still has time) to go on after the break."""
        if current is None or current.ended_at is not None:
            return
        start, _ = current.segments[-1]
        current.segments[-1] = (start, at)
        if interrupt and current.block.kind == "phase":
            ran = _ran(current.segments, at) - _paused_within(pauses, current.segments, at)
            current.suspended = current.allowed_seconds - ran >= RESUME_AFTER_BREAK_SECONDS

    target: BlockState | None
    for ev in acts:
        at = min(ev.at, now)  # a clock set back must not put events in the future
        if closed_at is not None and ev.kind != CLOSE:
            continue
        if ev.kind in (START, EXTRA_BREAK):
            if ev.kind == EXTRA_BREAK:
                key = str(ev.data.get("key"))
                if key in by_key:
                    continue
                block = Block(
                    key=key,
                    kind="break",
                    name=str(ev.data.get("name") or "Pauze"),
                    minutes=int(ev.data.get("minutes") or EXTRA_BREAK_MINUTES),
                )
                pos = current.index + 1 if current is not None else 0
                target = BlockState(
                    block=block, index=pos, planned_minutes=block.minutes, inserted=True
                )
                states.insert(pos, target)
                for i, s in enumerate(states):
                    s.index = i
                by_key[key] = target
            else:
                target = by_key.get(str(ev.data.get("key")))
                if target is None or target.status not in ("pending", "suspended"):
                    continue
            end_pause(at)
            end_current(at, interrupt=ev.kind == EXTRA_BREAK or ev.data.get("interrupt") is True)
            if started_at is None:
                started_at = at
            target.suspended = False  # an interrupted phase goes on where it stopped
            target.segments.append((at, None))
            current = target
        elif ev.kind == PAUSE:
            if started_at is not None and paused_since is None:
                paused_since = at
                pauses.append((at, None))
        elif ev.kind == RESUME:
            end_pause(at)
        elif ev.kind == EXTEND:
            if current is not None:
                current.extra_minutes += int(ev.data.get("minutes", 0))
        elif ev.kind == REBALANCE:
            for key, minutes in dict(ev.data.get("minutes", {})).items():
                shortened = by_key.get(key)
                if shortened is not None and shortened.status == "pending" and int(minutes) >= 1:
                    shortened.planned_minutes = int(minutes)
            declined = None
        elif ev.kind == DECLINE:
            declined = float(ev.data.get("late", 0))
        elif ev.kind == CLOSE:
            if closed_at is None and started_at is not None:
                end_pause(at)
                end_current(at)
                closed_at = at
                current = None
                for s in states:  # what a break interrupted and nobody went back to is over
                    s.suspended = False

    # Interruptions count against the block that was running during them.
    total_paused = sum(((end or now) - start).total_seconds() for start, end in pauses)
    for s in states:
        s.paused_seconds = _paused_within(pauses, s.segments, now)

    undoable = _undoable(acts)
    return ClockState(
        now=now,
        blocks=states,
        started_at=started_at,
        closed_at=closed_at,
        current=current,
        paused_since=paused_since,
        paused_seconds=total_paused,
        planned_total_minutes=sum(b.minutes for b in blocks),
        declined_late=declined,
        can_undo=undoable is not None,
        last_action=undoable,
    )


def _ran(runs: Sequence[tuple[datetime, datetime | None]], now: datetime) -> float:
    """Seconds from the start to the end (open end: `now`) of each stretch, added up."""
    return sum(((end or now) - start).total_seconds() for start, end in runs)


def _paused_within(
    pauses: Sequence[tuple[datetime, datetime | None]],
    runs: Sequence[tuple[datetime, datetime | None]],
    now: datetime,
) -> float:
    """Seconds of the interruptions that fall inside a block's stretches (open ends: `now`)."""
    total = 0.0
    for p_start, p_end in pauses:
        for r_start, r_end in runs:
            overlap = (min(p_end or now, r_end or now) - max(p_start, r_start)).total_seconds()
            total += max(0.0, overlap)
    return total


def whole_minutes(seconds: float | None) -> int:
    """Minutes as the agenda and the reports show a block's duration: rounded, never negative."""
    return max(0, round((seconds or 0.0) / 60.0))


def fmt_duration(seconds: float, *, countdown: bool = False, hours: bool = False) -> str:
    """H:MM:SS or M:SS (H:MM:SS always with `hours`).

    A countdown counts whole minutes (90:00), rounds up (0.4 s left shows 0:01) and shows
    overrun as +M:SS.
    """
    if countdown:
        over = seconds < 0
        whole = math.floor(-seconds) if over else math.ceil(seconds)
    else:
        over = False
        whole = math.floor(max(0.0, seconds))
    if countdown:  # a block's countdown reads in minutes: 90:00, not 1:30:00
        m, sec = divmod(int(whole), 60)
        return ("+" if over else "") + f"{m}:{sec:02d}"
    h, rem = divmod(int(whole), 3600)
    m, sec = divmod(rem, 60)
    text = f"{h}:{m:02d}:{sec:02d}" if h or hours else f"{m}:{sec:02d}"
    return "+" + text if over else text
