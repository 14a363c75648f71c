"""`/ask question:<text> [thread:True]`: the closest passages, verbatim and cited, with buttons."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.answering.question import Question, QuestionError, is_greeting
from bot.i18n import Texts

from ..buttons import answer_view
from ..channels import interaction_public
from ..client import SummitBot, as_summit_bot
from ..conversation import previous_answer
from ..cooldown import per_user_cooldown
from ..localization import interaction_texts, loc
from ..render import answer_embed, fit, plain
from ..replies import help_text, private_here, thread_welcome
from ..respond import NO_MENTIONS, send

log = logging.getLogger(__name__)

THREAD_NAME_MAX = 100


class AskCog(commands.Cog):
    """Answers `/ask`; the model runs in a worker thread after the interaction is deferred."""

    def __init__(self, bot: SummitBot) -> None:
        self.bot = bot

    @app_commands.command(name=loc("command name", "ask"),
                          description=loc("description", "Ask about the ALBA-TCP summit; I answer with cited passages"))
    @app_commands.rename(question=loc("option name", "question"), thread=loc("option name", "thread"))
    @app_commands.describe(question=loc("description", "Your question, e.g. What did Maduro propose?"),
                           thread=loc("description", "Answer in a new thread, so that a conversation does not flood the channel"))  # noqa: E501
    @per_user_cooldown()
    async def ask(self, interaction: discord.Interaction[SummitBot], question: str, thread: bool = False) -> None:
        t = interaction_texts(interaction)
        try:  # before deferring, so that the error can be ephemeral; the engine answers what it checked
            checked = self.bot.engine.check(question)
        except QuestionError as exc:
            await send(interaction, ephemeral=True, content=exc.message(t))
            return
        if is_greeting(checked.text):
            me = self.bot.user
            await send(interaction, ephemeral=True, content=help_text(me.display_name if me else "summit-bot", t))
            return
        async with self.bot.work.track(interaction):  # refused while stopping (the error handler says so)
            await self.answer(interaction, checked, thread, t)

    async def answer(self, interaction: discord.Interaction[SummitBot], question: Question, thread: bool,
                     t: Texts) -> None:
        settings = self.bot.settings
        public = interaction_public(settings.allowed_channel_ids, interaction)
        await interaction.response.defer(thinking=True, ephemeral=not public)
        previous = await previous_answer(self.bot, interaction.channel)  # asked in a thread of answers
        answered = await self.bot.timed_answer(question, previous.turn if previous else None)
        answer = answered.answer
        note = None if public else private_here(settings.allowed_channel_ids, t)
        view = answer_view(answer, interaction.user.id, votes=self.bot.store.enabled, deletable=public, t=t,
                           translatable=self.bot.engine.to_spanish is not None)
        message = await send(interaction, ephemeral=not public, content=note, embed=answer_embed(answer, t),
                             view=view)
        self.bot.record(answered, source="slash", user_id=interaction.user.id, guild_id=interaction.guild_id,
                        channel_id=interaction.channel_id, message_id=message.id if message else None,
                        followup_of=previous.message_id if previous else None)
        if thread and public and message is not None:
            await self.open_thread(interaction.channel, message, answer.question, t)

    async def open_thread(self, channel: object, message: discord.Message, question: str, t: Texts) -> None:
        """A thread from the answer, for follow-up questions, opened with a message saying how to ask them
        (where threads can be made; else nothing)."""
        if not isinstance(channel, discord.TextChannel):
            return
        try:
            thread = await channel.get_partial_message(message.id).create_thread(
                name=fit(question, THREAD_NAME_MAX, plain), auto_archive_duration=1440)
            me = self.bot.user
            await thread.send(thread_welcome(me.id if me else 0, t), allowed_mentions=NO_MENTIONS)
        except discord.HTTPException as exc:
            log.info("could not open a thread on answer %s: %s %s", message.id, exc.status, exc.text)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(AskCog(as_summit_bot(bot)))
