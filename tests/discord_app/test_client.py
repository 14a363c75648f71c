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
    questions = ["What did Maduro propose?", "What did Arce warn about?", "Who wrote the article?", "Who spoke?"]
    tasks = [asyncio.create_task(bot.answer(q)) for q in questions]
    await asyncio.sleep(0)  # one turn of the loop: every task has run up to its first real wait
    finished_in_one_turn = sum(task.done() for task in tasks)  # computed inline, all 4 would be
    answers = await asyncio.gather(*tasks)
    assert finished_in_one_turn == 0
    assert [a.question for a in answers] == questions and answers[0].answered
