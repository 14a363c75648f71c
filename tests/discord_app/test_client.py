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
    """While answers are computed, the loop keeps turning: a heartbeat task counts its turns. Computed on the
    loop (even behind an `await` of a coroutine that never yields), no turn would pass until they were done."""
    questions = ["What did Maduro propose?", "What did Arce warn about?", "Who wrote the article?", "Who spoke?"]
    turns = 0

    async def heartbeat() -> None:
        nonlocal turns
        while True:
            turns += 1
            await asyncio.sleep(0)

    beating = asyncio.create_task(heartbeat())
    await asyncio.sleep(0)
    before = turns
    answers = [await bot.answer(q) for q in questions]  # one at a time: each must leave the loop free
    during = turns - before
    beating.cancel()
    assert during >= len(questions)  # at least one turn of the loop per answer computed elsewhere
    assert [a.question for a in answers] == questions and answers[0].answered
