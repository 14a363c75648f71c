"""The bot: a `commands.Bot` holding the engine and settings, with one extension (cog) per feature."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import discord
from discord.ext import commands

from bot.answering.answer import Answer, Citation
from bot.answering.engine import Engine
from bot.answering.followup import Turn
from bot.answering.question import Question
from bot.settings import Settings
from bot.store import QuestionRecord, Store

from .buttons import DYNAMIC_ITEMS, submit_why
from .cooldown import UserCooldown
from .custom_ids import kind_label
from .health import Health, HealthServer
from .localization import CatalogTranslator, interaction_texts
from .metrics import BotMetrics
from .replies import restarting_text
from .respond import interaction_data, send_private
from .sync import SyncResult, sync_commands
from .work import InFlight

log = logging.getLogger(__name__)

EXTENSIONS = tuple(
    f"bot.discord_app.cogs.{name}" for name in ("errors", "ask", "leaders", "sources", "about", "mentions", "admin",
                                                       "stats")
)


@dataclass(frozen=True)
class Answered:
    """An answer and how long the asker waited for it (queue included)."""

    answer: Answer
    latency_ms: float


SHUTDOWN_GRACE = 8.0  # seconds in flight work may take after SIGTERM (container runtimes kill after 10 s)


class SummitBot(commands.Bot):
    """Answers questions about the summit with cited passages; see the cogs for each feature."""

    STORE_WAIT = 2.0  # seconds the start waits for the question store; then online without it, still trying
    STORE_RETRY_SECONDS = (5.0, 300.0)  # first and longest wait between attempts to open an unreachable store

    def __init__(self, engine: Engine, settings: Settings, *, force_sync: bool = False, store: Store | None = None,
                 **options: Any) -> None:
        # No voice features: silence discord.py's start-up warnings about missing voice libraries.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        self.metrics = BotMetrics()
        options.setdefault("http_trace", self.metrics.http_trace())
        super().__init__(
            command_prefix=commands.when_mentioned,  # required by commands.Bot; there are no text commands
            help_command=None,
            intents=discord.Intents.default(),
            allowed_mentions=discord.AllowedMentions.none(),
            **options,
        )
        self.engine = engine
        self.settings = settings
        self.force_sync = force_sync
        self.limiter = UserCooldown(settings.cooldown_rate, settings.cooldown_seconds)
        self.sync_result: SyncResult | None = None
        self._answer_slots = asyncio.Semaphore(settings.max_concurrent_answers)
        self._own_store = store is None
        self.store = store or Store.disabled()  # until `_open_store` has opened the real one
        self._store_task: asyncio.Task[None] | None = None
        self.work = InFlight()  # questions and clicks being handled: `shutdown` lets them finish
        # Gateway connections by shard id (None without sharding): True while connected.
        self._gateway: dict[int | None, bool] = {}
        self.metrics.watch_index(lambda: self.engine)
        self.metrics.watch_gateway(self._latencies)
        self.metrics.watch_store(lambda: self.store.failures)
        self.health_server: HealthServer | None = None
        if settings.metrics_port is not None:
            self.health_server = HealthServer(self.health, self.metrics.registry, settings.metrics_host,
                                              settings.metrics_port)

    async def setup_hook(self) -> None:
        if self.health_server is not None:  # up before the gateway: it says 503 until connected
            await self.health_server.start()
        await self.tree.set_translator(CatalogTranslator())
        if self._own_store:  # a database that is slow or down delays going online by STORE_WAIT at most
            self._store_task = asyncio.create_task(self._open_store(), name="open-question-store")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._store_task), self.STORE_WAIT)
        self.add_dynamic_items(*DYNAMIC_ITEMS)  # the buttons under answers, including those sent before a restart
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        if self.settings.syncs_commands:
            self.sync_result = await sync_commands(self.tree, self.settings, force=self.force_sync)
        else:  # several processes share the work; one registers the commands
            log.info("slash commands are synced by the process that runs shard 0; not this one (shards %s)",
                     ",".join(map(str, self.settings.shard_ids or ())))

    async def _open_store(self) -> None:
        """Open the question store; while the database cannot be reached, try again with growing waits."""
        if not self.settings.question_log:
            self.store = Store.open(self.settings)  # says once that the log is off
            return
        wait, longest = self.STORE_RETRY_SECONDS
        while True:
            store = await asyncio.to_thread(Store.try_open, self.settings)
            if store is not None:
                self.store = store
                return
            log.info("question store: trying again in %.0f s", wait)
            await asyncio.sleep(wait)
            wait = min(longest, wait * 2)

    async def close(self) -> None:
        await super().close()
        if self._store_task is not None:
            self._store_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._store_task
        if self._own_store:
            await asyncio.to_thread(self.store.close)
        if self.health_server is not None:
            await self.health_server.stop()

    async def shutdown(self, grace: float = SHUTDOWN_GRACE) -> None:
        """The graceful stop (SIGTERM): take no new work, let what is in flight finish for at most `grace`
        seconds, apologise to whoever is still waiting after that, then close."""
        if self.work.stopping:
            return
        if len(self.work):
            log.info("stopping: waiting up to %.0f s for %d piece(s) of work in flight", grace, len(self.work))
        left = await self.work.stop(grace)
        if left:
            log.warning("stopping: %d answer(s) did not finish in time; their askers are told to ask again", len(left))
            await asyncio.gather(*(send_private(i, restarting_text(interaction_texts(i))) for i in left),
                                 return_exceptions=True)
        await self.close()

    async def answer(self, question: str | Question, previous: Turn | None = None) -> Answer:
        """`engine.ask` in a worker thread, at most `max_concurrent_answers` at a time (`previous`: the
        exchange the question follows up)."""
        started = time.perf_counter()
        async with self._answer_slots:
            if previous is None:
                answer = await asyncio.to_thread(self.engine.ask, question)
            else:
                answer = await asyncio.to_thread(self.engine.ask, question, None, previous)
        self.metrics.observe_answer(answer.confidence, time.perf_counter() - started)
        return answer

    async def timed_answer(self, question: str | Question, previous: Turn | None = None) -> Answered:
        """`answer`, with the time the asker waited for it."""
        started = time.perf_counter()
        answer = await self.answer(question, previous)
        return Answered(answer, (time.perf_counter() - started) * 1000)

    async def passages(self, query: str, k: int) -> tuple[Citation, ...]:
        """The `k` passages nearest to `query`, best first (for More and the closest passages)."""
        async with self._answer_slots:
            return await asyncio.to_thread(self.engine.passages, query, k)

    def record(self, answered: Answered, *, source: str, user_id: int, guild_id: int | None,
               channel_id: int | None, message_id: int | None, followup_of: int | None = None) -> None:
        """Queue the question for the store (nothing happens when the question log is off)."""
        if not self.store.enabled:
            return
        answer = answered.answer
        self.store.record(QuestionRecord(
            question=answer.question, searched_for=answer.searched_for, confidence=answer.confidence,
            passage_ids=tuple(c.passage.id for c in answer.citations), latency_ms=answered.latency_ms,
            asker=self.store.user_key(user_id), source=source, guild_id=guild_id, channel_id=channel_id,
            message_id=message_id, followup_of=followup_of,
        ))

    # -- health: gateway connections and the index ------------------------------------------------

    def health(self) -> Health:
        shards = {"" if k is None else str(k): v for k, v in sorted(self._gateway.items(), key=lambda kv: kv[0] or 0)}
        connected = bool(shards) and all(shards.values()) and not self.is_closed()
        return Health(connected, shards, len(self.engine.index))

    def _latencies(self) -> Iterable[tuple[int | None, float]]:
        if isinstance(self, discord.AutoShardedClient):
            return self.latencies
        return [] if math.isinf(self.latency) else [(None, self.latency)]

    def _gateway_up(self, shard_id: int | None, *, resumed: bool) -> None:
        if self._gateway.get(shard_id) is False:
            self.metrics.gateway_reconnects.inc()
        if resumed:
            self.metrics.gateway_resumes.inc()
        self._gateway[shard_id] = True

    def _gateway_down(self, shard_id: int | None) -> None:
        if self._gateway.get(shard_id):
            self.metrics.gateway_disconnects.inc()
            self._gateway[shard_id] = False

    @property
    def _sharded(self) -> bool:
        return isinstance(self, discord.AutoShardedClient)

    async def on_connect(self) -> None:
        if not self._sharded:
            self._gateway_up(None, resumed=False)

    async def on_resumed(self) -> None:
        if not self._sharded:
            self._gateway_up(None, resumed=True)

    async def on_disconnect(self) -> None:
        if not self._sharded:
            self._gateway_down(None)

    async def on_shard_connect(self, shard_id: int) -> None:
        self._gateway_up(shard_id, resumed=False)

    async def on_shard_resumed(self, shard_id: int) -> None:
        self._gateway_up(shard_id, resumed=True)

    async def on_shard_disconnect(self, shard_id: int) -> None:
        self._gateway_down(shard_id)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        if interaction.type is discord.InteractionType.component:
            custom_id = str(interaction_data(interaction).get("custom_id", ""))
            self.metrics.button_clicks.labels(component_kind(custom_id)).inc()
        await submit_why(interaction)  # the 👎 form, taken here so that it survives a restart

    async def on_message(self, message: discord.Message, /) -> None:
        """No prefix commands: the mentions cog handles messages."""

    async def on_ready(self) -> None:
        user = self.user
        log.info("connected as %s (id %s) to %d guild(s)", user, user.id if user else "?", len(self.guilds))


class ShardedSummitBot(SummitBot, commands.AutoShardedBot):
    """The same bot on several gateway shards in one process (discord.py's AutoShardedBot).

    `SUMMIT_BOT_SHARD_COUNT` shards in all, of which this process runs `SUMMIT_BOT_SHARD_IDS`;
    Discord sends each guild's events to shard `(guild_id >> 22) % shard_count`.
    """


def make_bot(engine: Engine, settings: Settings, **options: Any) -> SummitBot:
    """The bot the settings ask for: sharded when `SUMMIT_BOT_SHARD_COUNT` is set."""
    if not settings.sharded:
        return SummitBot(engine, settings, **options)
    shard_ids = list(settings.shard_ids) if settings.shard_ids is not None else None
    return ShardedSummitBot(engine, settings, shard_count=settings.shard_count, shard_ids=shard_ids, **options)


def component_kind(custom_id: str) -> str:
    """A button's kind from its custom_id, for a metric label: the leading parts before any id or number.

    "sb:vote:up" -> "sb:vote:up", "sb:more:1234:…" -> "sb:more"; per-answer parts never become labels
    (they would grow without bound).
    """
    ours = kind_label(custom_id)
    if ours is not None:
        return ours
    parts = []  # anything else (a modal's id, another bot's): its leading wordy parts
    for part in re.split(r"[:/|]", custom_id)[:3]:
        if not part or re.search(r"\d", part) or len(part) > 24:
            break
        parts.append(part)
    return ":".join(parts) or "other"


def as_summit_bot(bot: commands.Bot) -> SummitBot:
    """`bot`, checked: the extensions need the engine and settings only `SummitBot` carries."""
    if not isinstance(bot, SummitBot):
        raise TypeError(f"summit-bot extensions need a SummitBot, not {type(bot).__name__}")
    return bot
