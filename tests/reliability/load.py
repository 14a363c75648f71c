"""Load through the fake Discord, and what became of every question: shared by tests/reliability and
bench/discord_load.py.

`inject` sends `/ask` interactions and mentions at a steady pace, round-robin over users; `measure`
waits until each has its final reply (or the time is up) and reports acks, answers, losses,
duplicates, cooldown refusals, latencies, event-loop lag and heartbeat gaps. Nothing here changes
the bot: `LoopLag` is a task sleeping beside it, `ConcurrencyProbe` counts calls of the real
`Engine.ask` as they pass.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import math
import threading
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Literal

from bot.answering.engine import Engine
from bot.discord_app.client import SummitBot
from bot.settings import PROJECT_ROOT, Settings
from bot.tools.evaluation import load_questions
from tests.discord_app.helpers import connected_bot
from tests.fake_discord import BOT_USER_ID, FakeDiscord, RecordedRequest
from tests.fake_discord.models import JSON

HEARTBEAT_MS = 1000  # the fake's heartbeat interval under load: short, so that gaps mean something
ACK_DEADLINE = 3.0  # Discord's: an interaction not acknowledged by then is dead
SLOW_DOWN = "You're asking faster than I can keep up"
QUESTIONS = tuple(q.question for q in load_questions(PROJECT_ROOT / "eval" / "dev_questions.jsonl"))

Kind = Literal["ask", "mention", "click"]
Target = tuple[int, Sequence[str]]  # an answer message and the custom_ids of its buttons
Hook = Callable[[], Awaitable[object]]


@dataclass
class Sent:
    """One question injected: an `/ask` interaction or a message mentioning the bot."""

    kind: Kind
    user: int
    question: str
    at: float
    interaction_id: int | None = None
    token: str | None = None
    message_id: int | None = None


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (`share` in 0..1); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


@contextlib.asynccontextmanager
async def serving(engine: Engine, settings: Settings,
                  **fake_options: Any) -> AsyncIterator[tuple[FakeDiscord, SummitBot]]:
    """A fresh fake Discord (3 s ack deadline, 1 s heartbeats unless told otherwise) and a bot connected to it."""
    options: dict[str, Any] = {"callback_deadline": ACK_DEADLINE, "heartbeat_interval": HEARTBEAT_MS, **fake_options}
    async with FakeDiscord(**options) as fake, connected_bot(fake, engine, settings) as bot:
        yield fake, bot


async def answers_to_click(fake: FakeDiscord, user: int, count: int = 4) -> list[Target]:
    """`count` answers sent before the load, and their buttons (all but Delete) to click during it."""
    targets: list[Target] = []
    for question in QUESTIONS[:count]:
        interaction = fake.inject_slash_command("ask", {"question": question}, user_id=user)

        def answered(iid: int = interaction.id) -> JSON | None:
            state = fake.interaction_state(iid)
            return state.original if state.original and not state.original_loading else None

        message = await fake.wait_for(answered, timeout=30, what="an answer to click on")
        ids = [c["custom_id"] for row in message.get("components") or [] for c in row["components"]
               if not c["custom_id"].startswith("sb:del:")]
        targets.append((int(message["id"]), ids))
    return targets


def new_users(fake: FakeDiscord, count: int, prefix: str = "user") -> list[int]:
    """`count` fresh guild members (each with a fresh cooldown budget)."""
    return [fake.add_user(f"{prefix}{i}").id for i in range(count)]


# -- probes ------------------------------------------------------------------------------------


class LoopLag:
    """How late the event loop wakes a task that sleeps `tick` seconds over and over (its lag)."""

    def __init__(self, tick: float = 0.01) -> None:
        self.tick = tick
        self.samples: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            started = loop.time()
            await asyncio.sleep(self.tick)
            self.samples.append(loop.time() - started - self.tick)

    @property
    def worst(self) -> float:
        return max(self.samples, default=0.0)

    async def __aenter__(self) -> LoopLag:
        self._task = asyncio.create_task(self._run(), name="loop-lag-probe")
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)


class ConcurrencyProbe:
    """Counts `engine.ask` calls in progress at once (the real method runs; the peak is recorded)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.calls = 0
        self.peak = 0
        self._running = 0
        self._lock = threading.Lock()

    def _counted(self, ask: Callable[..., Any]) -> Callable[..., Any]:
        def counted(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                self.calls += 1
                self._running += 1
                self.peak = max(self.peak, self._running)
            try:
                return ask(*args, **kwargs)
            finally:
                with self._lock:
                    self._running -= 1

        return counted

    def __enter__(self) -> ConcurrencyProbe:
        setattr(self.engine, "ask", self._counted(self.engine.ask))  # noqa: B010 (shadows the method on this instance)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        delattr(self.engine, "ask")


# -- traffic -----------------------------------------------------------------------------------


def interleave(asks: int, mentions: int, clicks: int = 0) -> list[Kind]:
    """`asks` "ask", `mentions` "mention" and `clicks` "click", each kind spread evenly through the sequence."""
    keyed: list[tuple[float, Kind]] = [((i + 0.5) / asks, "ask") for i in range(asks)]
    keyed += [((i + 0.5) / mentions, "mention") for i in range(mentions)]
    keyed += [((i + 0.25) / clicks, "click") for i in range(clicks)]
    return [kind for _, kind in sorted(keyed)]


async def inject(fake: FakeDiscord, users: Sequence[int], *, asks: int, mentions: int = 0, window: float = 2.0,
                 hooks: dict[int, Hook] | None = None, questions: Sequence[str] = QUESTIONS, clicks: int = 0,
                 targets: Sequence[Target] = ()) -> list[Sent]:
    """Inject the questions evenly over `window` seconds, event i from `users[i % len(users)]`.

    `hooks[i]` is awaited just before event i (e.g. to drop the gateway in the middle of the load).
    Clicks go round the `targets`' buttons (answers sent before the load).
    """
    kinds = interleave(asks, mentions, clicks)
    buttons = itertools.cycle([(message_id, custom_id) for message_id, ids in targets for custom_id in ids])
    clicks_sent = 0
    loop = asyncio.get_running_loop()
    start = loop.time()
    sent: list[Sent] = []
    texts = itertools.cycle(questions)
    for i, kind in enumerate(kinds):
        if hooks and i in hooks:
            await hooks[i]()
        delay = start + i * window / len(kinds) - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        if kind == "click":  # clicks go round the users on their own, so questions keep their spread
            user = users[clicks_sent % len(users)]
            clicks_sent += 1
            message_id, custom_id = next(buttons)
            interaction = fake.inject_component(custom_id, message_id, user_id=user)
            sent.append(Sent(kind, user, custom_id, interaction.created_at, interaction_id=interaction.id,
                             token=interaction.token))
            continue
        user, question = users[(i - clicks_sent) % len(users)], next(texts)
        if kind == "ask":
            interaction = fake.inject_slash_command("ask", {"question": question}, user_id=user)
            sent.append(Sent(kind, user, question, interaction.created_at, interaction_id=interaction.id,
                             token=interaction.token))
        else:
            message_id = fake.inject_message(f"<@{BOT_USER_ID}> {question}", author_id=user)
            sent.append(Sent(kind, user, question, time.monotonic(), message_id=message_id))
    return sent


@dataclass
class Outcome:
    """What the bot did about one question."""

    acked_at: float | None = None
    replies: list[tuple[float, dict[str, Any]]] = field(default_factory=list)  # (time, payload) of final messages
    rejected: int = 0

    @property
    def answered(self) -> bool:
        return bool(self.replies)

    @property
    def told_to_wait(self) -> bool:
        return any(str(payload.get("content") or "").startswith(SLOW_DOWN) for _, payload in self.replies)


class Tracker:
    """Reads the fake's request log once, incrementally, into the outcome of each question."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self._seen = 0
        self._followups: dict[str, list[RecordedRequest]] = defaultdict(list)
        self._replies: dict[int, list[RecordedRequest]] = defaultdict(list)

    def _update(self) -> None:
        requests = self.fake.requests
        for request in requests[self._seen:]:
            if request.method != "POST" or not request.ok or not isinstance(request.json, dict):
                continue
            parts = request.path.split("/")
            if parts[1] == "webhooks" and len(parts) == 4:
                self._followups[parts[3]].append(request)
            elif parts[1] == "channels" and parts[-1] == "messages":
                reference = request.json.get("message_reference") or {}
                if reference.get("message_id") is not None:
                    self._replies[int(reference["message_id"])].append(request)
        self._seen = len(requests)

    def outcome(self, sent: Sent) -> Outcome:
        self._update()
        if sent.kind == "mention":  # (a click is read like an /ask: its ack, then its one reply)
            assert sent.message_id is not None
            return Outcome(replies=[(r.at, r.json) for r in self._replies.get(sent.message_id, [])])
        assert sent.interaction_id is not None and sent.token is not None
        state = self.fake.interaction_state(sent.interaction_id)
        result = Outcome(acked_at=state.acked_at, rejected=len(state.rejections))
        if state.ack_type == 4 and state.callback is not None:
            result.replies.append((state.acked_at or 0.0, state.callback.get("data") or {}))
        result.replies += [(r.at, r.json) for r in self._followups.get(sent.token, [])]
        return result

    def outcomes(self, sent: Sequence[Sent]) -> Iterator[tuple[Sent, Outcome]]:
        return ((s, self.outcome(s)) for s in sent)


# -- the report --------------------------------------------------------------------------------


@dataclass
class Report:
    """Figures for one load run (times in ms)."""

    asks: int
    mentions: int
    acked: int
    late_acks: int
    answered: int
    lost: int
    duplicated: int
    told_to_wait: int
    ack_ms: list[float]
    answer_ms: list[float]
    mention_ms: list[float]
    worst_loop_lag_ms: float
    max_heartbeat_gap_ms: float
    heartbeat_interval_ms: int
    heartbeats: int
    skipped_heartbeats: int
    resumes: int
    identifies: int
    peak_answers: int
    wall_s: float
    lost_ids: list[int] = field(default_factory=list)
    clicks: int = 0
    clicks_acked: int = 0
    clicks_late: int = 0
    clicks_answered: int = 0
    clicks_lost: int = 0
    clicks_duplicated: int = 0
    click_ack_ms: list[float] = field(default_factory=list)

    def figures(self) -> dict[str, float | int]:
        """A flat dict of every figure (for --json and assertion messages)."""
        def ms(values: list[float], share: float) -> float:
            return round(percentile(values, share), 1)

        return {
            "asks": self.asks, "mentions": self.mentions, "acked": self.acked, "late acks": self.late_acks,
            "answered": self.answered, "lost": self.lost, "duplicated": self.duplicated,
            "told to wait": self.told_to_wait,
            "ack p50 ms": ms(self.ack_ms, 0.5), "ack p99 ms": ms(self.ack_ms, 0.99),
            "answer p50 ms": ms(self.answer_ms, 0.5), "answer p99 ms": ms(self.answer_ms, 0.99),
            "mention answer p50 ms": ms(self.mention_ms, 0.5), "mention answer p99 ms": ms(self.mention_ms, 0.99),
            "worst loop lag ms": round(self.worst_loop_lag_ms, 1),
            "max heartbeat gap ms": round(self.max_heartbeat_gap_ms, 1),
            "heartbeat interval ms": self.heartbeat_interval_ms, "heartbeats": self.heartbeats,
            "skipped heartbeats": self.skipped_heartbeats,
            "resumes": self.resumes, "identifies": self.identifies, "peak concurrent answers": self.peak_answers,
            "wall s": round(self.wall_s, 2),
            "clicks": self.clicks, "clicks acked": self.clicks_acked, "clicks late": self.clicks_late,
            "clicks answered": self.clicks_answered, "clicks lost": self.clicks_lost,
            "clicks duplicated": self.clicks_duplicated,
            "click ack p50 ms": ms(self.click_ack_ms, 0.5), "click ack p99 ms": ms(self.click_ack_ms, 0.99),
        }


def heartbeat_gaps(fake: FakeDiscord, since: float) -> tuple[int, float, int]:
    """Heartbeats received after `since`, the largest gap between two on one connection (seconds), and
    how many beats were skipped: whole intervals in which a connection sent none (a blocked loop).

    The gap before the first beat after `since` counts too, so a loop stalled from the start shows.
    """
    last: dict[int, float] = {}
    gap, count, skipped = 0.0, 0, 0
    interval = fake.heartbeat_interval / 1000
    for beat in fake.heartbeat_log:
        previous = last.get(beat.connection_id)
        if beat.at >= since:
            count += 1
            if previous is not None:
                gap = max(gap, beat.at - previous)
                skipped += max(0, int((beat.at - previous) // interval) - 1)
        last[beat.connection_id] = beat.at
    return count, gap, skipped


async def measure(fake: FakeDiscord, engine: Engine, users: Sequence[int], *, asks: int, mentions: int = 0,
                  window: float = 2.0, hooks: dict[int, Hook] | None = None, settle: float = 30.0,
                  clicks: int = 0, targets: Sequence[Target] = (),
                  min_seconds: float = 2.5) -> Report:
    """Inject the load, wait (at most `settle` s after the last question) for every reply, and report.

    Measuring lasts at least `min_seconds`, so that a few heartbeats fall inside it.
    """
    tracker = Tracker(fake)
    resumes, identifies = fake.resume_count, fake.identify_count
    started = time.monotonic()
    with ConcurrencyProbe(engine) as probe:
        async with LoopLag() as lag:
            sent = await inject(fake, users, asks=asks, mentions=mentions, window=window, hooks=hooks,
                                clicks=clicks, targets=targets)
            pending = list(sent)

            def all_answered() -> bool:
                pending[:] = [s for s in pending if not tracker.outcome(s).answered]
                return not pending

            with contextlib.suppress(TimeoutError):  # the unanswered are counted as lost below
                await fake.wait_for(all_answered, timeout=settle, what="every question answered")
            await asyncio.sleep(max(0.2, started + min_seconds - time.monotonic()))  # duplicates would show by then
    wall = time.monotonic() - started
    everything = list(tracker.outcomes(sent))
    results = [(s, o) for s, o in everything if s.kind != "click"]
    clicked = [(s, o) for s, o in everything if s.kind == "click"]
    click_ack_ms = [(o.acked_at - s.at) * 1000 for s, o in clicked if o.acked_at is not None]
    beats, gap, skipped = heartbeat_gaps(fake, started)
    ack_ms = [(o.acked_at - s.at) * 1000 for s, o in results if s.kind == "ask" and o.acked_at is not None]
    first = [(s, o.replies[0][0] - s.at) for s, o in results if o.answered]
    return Report(
        asks=asks, mentions=mentions,
        acked=sum(1 for s, o in results if s.kind == "ask" and o.acked_at is not None),
        late_acks=sum(1 for ms in ack_ms if ms > ACK_DEADLINE * 1000),
        answered=sum(1 for _, o in results if o.answered),
        lost=sum(1 for _, o in results if not o.answered),
        duplicated=sum(1 for _, o in results if len(o.replies) > 1 or o.rejected),
        told_to_wait=sum(1 for _, o in results if o.told_to_wait),
        ack_ms=ack_ms,
        answer_ms=[t * 1000 for s, t in first if s.kind == "ask"],
        mention_ms=[t * 1000 for s, t in first if s.kind == "mention"],
        worst_loop_lag_ms=lag.worst * 1000,
        max_heartbeat_gap_ms=gap * 1000,
        heartbeat_interval_ms=fake.heartbeat_interval,
        heartbeats=beats,
        skipped_heartbeats=skipped,
        resumes=fake.resume_count - resumes,
        identifies=fake.identify_count - identifies,
        peak_answers=probe.peak,
        wall_s=wall,
        lost_ids=[s.interaction_id or s.message_id or 0 for s, o in everything if not o.answered],
        clicks=clicks,
        clicks_acked=len(click_ack_ms),
        clicks_late=sum(1 for ms in click_ack_ms if ms > ACK_DEADLINE * 1000),
        clicks_answered=sum(1 for _, o in clicked if o.answered),
        clicks_lost=sum(1 for _, o in clicked if not o.answered),
        clicks_duplicated=sum(1 for _, o in clicked if len(o.replies) > 1 or o.rejected),
        click_ack_ms=click_ack_ms,
    )
