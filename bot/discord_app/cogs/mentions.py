"""Questions asked by mentioning the bot (or replying to it, or in a DM): answered as a reply.

Without the privileged message-content intent, Discord still delivers the content of messages
that mention the bot and of DMs, which is all this needs. A reply to the bot that does not ping
it arrives without content: it gets the help text.
"""

from __future__ import annotations

import contextlib
import logging
import re
import time
from typing import Any

import discord
from discord.ext import commands

from bot.answering.question import Question, QuestionError, is_greeting
from bot.i18n import texts

from ..buttons import answer_view
from ..channels import message_public
from ..client import SummitBot, as_summit_bot
from ..conversation import previous_answer
from ..localization import message_texts
from ..render import answer_embed
from ..replies import ask_there, error_text, help_text, restarting_text, slow_down
from ..respond import NO_MENTIONS
from ..work import ShuttingDown

log = logging.getLogger(__name__)

_ANSWERABLE = (discord.MessageType.default, discord.MessageType.reply)


def addressed_text(message: discord.Message, me: discord.abc.User) -> str | None:
    """The message's text without the bot's mention if it addresses the bot, else None.

    A message addresses the bot when it mentions it (or its managed role, which Discord's
    autocomplete sometimes picks instead), replies to one of its messages, or is a DM.
    """
    role = message.guild.self_role if message.guild else None
    mentioned = any(user.id == me.id for user in message.mentions)
    role_mentioned = role is not None and role.id in message.raw_role_mentions
    resolved = message.reference.resolved if message.reference else None
    replied = isinstance(resolved, discord.Message) and resolved.author.id == me.id
    if not (mentioned or role_mentioned or replied or message.guild is None):
        return None
    pattern = rf"<@!?{me.id}>" + (rf"|<@&{role.id}>" if role else "")
    text = re.sub(pattern, " ", message.content)
    return text.strip().lstrip(",:;").strip()


def can_reply(message: discord.Message) -> bool:
    """Whether the bot may send in the message's channel (True where Discord's data does not say)."""
    guild = message.guild
    if guild is None or guild.me is None:
        return True  # a DM, or not enough known to tell
    try:
        permissions = message.channel.permissions_for(guild.me)
    except (AttributeError, TypeError):
        return True
    if isinstance(message.channel, discord.Thread):
        return permissions.send_messages_in_threads
    return permissions.send_messages


class MentionsCog(commands.Cog):
    """Replies to messages addressed to the bot; other messages, and all bots, are ignored."""

    def __init__(self, bot: SummitBot) -> None:
        self.bot = bot
        self._warned_until: dict[int, float] = {}  # user id -> end of a cooldown already warned about

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        me = self.bot.user
        if me is None or message.author.bot or message.type not in _ANSWERABLE:
            return
        text = addressed_text(message, me)
        if text is None:
            return
        if not can_reply(message):
            log.info("mentioned in channel %s, where I may not send messages: not answered", message.channel.id)
            return
        try:
            async with self.bot.work.track():
                await self.handle(message, text, me)
        except ShuttingDown:
            with contextlib.suppress(discord.HTTPException):
                await self.reply(message, content=restarting_text(
                    message_texts(message, text, self.bot.engine.index.frequencies)))
        except discord.Forbidden as exc:  # permissions changed meanwhile: one line, no traceback
            log.info("could not answer message %s in channel %s: %s", message.id, message.channel.id, exc.text)
        except Exception:
            log.exception("answering message %s in channel %s failed", message.id, message.channel.id)
            try:
                t = message_texts(message, text, self.bot.engine.index.frequencies)
                await self.reply(message, content=error_text(t))
            except discord.HTTPException:
                log.warning("could not tell the user about the failure either", exc_info=True)

    async def handle(self, message: discord.Message, text: str, me: discord.abc.User) -> None:
        settings = self.bot.settings
        try:  # checked once: the engine answers what it checked here
            checked: Question | QuestionError = self.bot.engine.check(text)
        except QuestionError as exc:
            checked = exc
        # The question's language, detected when it was checked: a mention carries no client locale.
        t = (texts(checked.language) if isinstance(checked, Question)
             else message_texts(message, text, self.bot.engine.index.frequencies))
        retry_after = self.bot.limiter.hit(message.author.id)
        if retry_after is not None:
            if self.first_warning(message.author.id, retry_after):
                await self.reply(message, content=slow_down(retry_after, t))
            return
        if not message_public(settings.allowed_channel_ids, message):
            await self.reply(message, content=ask_there(settings.allowed_channel_ids, t, client_language_known=False))
            return
        if not text or is_greeting(text):  # "@bot", "@bot hola": the help, not a refusal
            await self.reply(message, content=help_text(me.display_name, t, client_language_known=False))
            return
        if isinstance(checked, QuestionError):
            await self.reply(message, content=checked.message(t))
            return
        previous = await previous_answer(self.bot, message.channel, message.reference, before=message)
        answered = await self.bot.timed_answer(checked, previous.turn if previous else None)
        answer = answered.answer
        view = answer_view(answer, message.author.id, votes=self.bot.store.enabled, deletable=True, t=t,
                           translatable=self.bot.engine.to_spanish is not None)
        sent = await self.reply(message, embed=answer_embed(answer, t, client_language_known=False), view=view)
        self.bot.record(answered, source="mention", user_id=message.author.id,
                        guild_id=message.guild.id if message.guild else None, channel_id=message.channel.id,
                        message_id=sent.id, followup_of=previous.message_id if previous else None)

    def first_warning(self, user_id: int, retry_after: float) -> bool:
        """True once per cooldown per user: past their budget, users are told once, then ignored."""
        now = time.monotonic()
        if self._warned_until.get(user_id, 0.0) > now:
            return False
        self._warned_until = {u: t for u, t in self._warned_until.items() if t > now}
        self._warned_until[user_id] = now + retry_after
        return True

    async def reply(self, message: discord.Message, *, content: str | None = None,
                    embed: discord.Embed | None = None, view: discord.ui.View | None = None) -> discord.Message:
        """A reply that pings nobody and still arrives if the question was deleted meanwhile."""
        extra: dict[str, Any] = {"view": view} if view is not None else {}
        if embed is not None:
            extra["embed"] = embed
        return await message.channel.send(content=content, allowed_mentions=NO_MENTIONS,
                                          reference=message.to_reference(fail_if_not_exists=False), **extra)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(MentionsCog(as_summit_bot(bot)))
