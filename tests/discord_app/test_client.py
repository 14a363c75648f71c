"""The bot object: its cogs, its settings, and answers computed off the event loop."""

from __future__ import annotations

import asyncio

import discord
import pytest

from bot.discord_app.client import SummitBot
from bot.settings import Settings

from .conftest import COOLDOWN_RATE

pytestmark = pytest.mark.asyncio(loop_scope="package")


async def test_one_cog_per_feature_and_the_settings_applied(bot: SummitBot, bot_settings: Settings) -> None:
    assert set(bot.cogs) == {"ErrorsCog", "AskCog", "LeadersCog", "SourcesCog", "AboutCog", "MentionsCog", "AdminCog",
                                "StatsCog"}
    assert bot.intents == discord.Intents.default() and not bot.intents.message_content
    assert bot.allowed_mentions is not None and bot.allowed_mentions.to_dict() == {"parse": []}
    assert bot.limiter.cooldown.rate == COOLDOWN_RATE == bot_settings.cooldown_rate
    assert bot.tree.on_error == bot.get_cog("ErrorsCog").on_app_command_error  # type: ignore[union-attr]


async def test_answers_are_computed_off_the_event_loop(bot: SummitBot) -> None:
    work = asyncio.gather(*(bot.answer("What did Maduro propose?") for _ in range(4)))
    ticks = 0
    while not work.done():
        await asyncio.sleep(0)
        ticks += 1
    answers = await work
    assert all(a.answered for a in answers)
    assert ticks > 50  # the loop kept turning while the model ran (inline, it would turn ~4 times)
