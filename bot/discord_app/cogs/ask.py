"""`/ask question:<text>`: the closest passages, verbatim and cited."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.question import QuestionError, clean_question

from ..channels import interaction_public
from ..client import SummitBot, as_summit_bot
from ..cooldown import per_user_cooldown
from ..render import answer_embed
from ..replies import private_here
from ..respond import send
from ..translator import interaction_texts, loc


class AskCog(commands.Cog):
    """Answers `/ask`; the model runs in a worker thread after the interaction is deferred."""

    def __init__(self, bot: SummitBot) -> None:
        self.bot = bot

    @app_commands.command(name=loc("command name", "ask"),
                          description=loc("description", "Ask about the ALBA-TCP summit; I answer with cited passages"))
    @app_commands.rename(question=loc("option name", "question"))
    @app_commands.describe(question=loc("description", "Your question, e.g. What did Maduro propose?"))
    @per_user_cooldown()
    async def ask(self, interaction: discord.Interaction[SummitBot], question: str) -> None:
        settings = self.bot.settings
        t = interaction_texts(interaction)
        try:  # before deferring, so that the error can be ephemeral
            clean_question(question, max_chars=settings.max_question_chars)
        except QuestionError as exc:
            await send(interaction, ephemeral=True, content=exc.message(t))
            return
        public = interaction_public(settings.allowed_channel_ids, interaction)
        await interaction.response.defer(thinking=True, ephemeral=not public)
        answer = await self.bot.answer(question)
        note = None if public else private_here(settings.allowed_channel_ids, t)
        await send(interaction, ephemeral=not public, content=note, embed=answer_embed(answer, t))


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(AskCog(as_summit_bot(bot)))
