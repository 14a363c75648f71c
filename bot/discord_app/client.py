"""The bot: a `commands.Bot` holding the engine and settings, with one extension (cog) per feature."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord
from discord.ext import commands

from bot.answer import Answer
from bot.engine import Engine
from bot.settings import Settings

from .cooldown import UserCooldown
from .sync import SyncResult, sync_commands
from .translator import CatalogTranslator

log = logging.getLogger(__name__)

EXTENSIONS = tuple(
    f"bot.discord_app.cogs.{name}" for name in ("errors", "ask", "leaders", "sources", "about", "mentions", "admin")
)


class SummitBot(commands.Bot):
    """Answers questions about the summit with cited passages; see the cogs for each feature."""

    def __init__(self, engine: Engine, settings: Settings, *, force_sync: bool = False, **options: Any) -> None:
        # No voice features: silence discord.py's start-up warnings about missing voice libraries.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
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

    async def setup_hook(self) -> None:
        await self.tree.set_translator(CatalogTranslator())
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        self.sync_result = await sync_commands(self.tree, self.settings, force=self.force_sync)

    async def answer(self, question: str) -> Answer:
        """`engine.ask` in a worker thread, at most `max_concurrent_answers` at a time."""
        async with self._answer_slots:
            return await asyncio.to_thread(self.engine.ask, question)

    async def on_message(self, message: discord.Message, /) -> None:
        """No prefix commands: the mentions cog handles messages."""

    async def on_ready(self) -> None:
        user = self.user
        log.info("connected as %s (id %s) to %d guild(s)", user, user.id if user else "?", len(self.guilds))


def as_summit_bot(bot: commands.Bot) -> SummitBot:
    """`bot`, checked: the extensions need the engine and settings only `SummitBot` carries."""
    if not isinstance(bot, SummitBot):
        raise TypeError(f"summit-bot extensions need a SummitBot, not {type(bot).__name__}")
    return bot
