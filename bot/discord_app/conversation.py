"""Which answer a question follows up: the bot's answer it replies to, or the latest answer in the
thread it is asked in (a thread opened from an answer starts with that answer)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import discord

from bot.answering.followup import Turn

from .custom_ids import answer_ref
from .render import asked_in

if TYPE_CHECKING:  # client.py imports this module: the type only
    from .client import SummitBot

log = logging.getLogger(__name__)

HISTORY = 25  # messages of a thread looked through for the latest answer


@dataclass(frozen=True)
class Previous:
    """The answer a question follows up, as the engine needs it, and its message id (recorded)."""

    turn: Turn
    message_id: int


def answer_turn(message: discord.Message, bot: SummitBot) -> Previous | None:
    """The exchange behind one of the bot's answers (None for any other message)."""
    me = bot.user
    if me is None or message.author.id != me.id or not message.embeds or not message.embeds[0].title:
        return None
    _, searched = asked_in(message.embeds[0])
    ids: tuple[str, ...] = ()
    for row in message.components:
        for component in getattr(row, "children", []):
            ref = answer_ref(getattr(component, "custom_id", None) or "")
            passage = bot.engine.catalog.by_ref(ref) if ref else None
            if passage is not None:
                ids = (passage.id,)
    return Previous(Turn(searched, ids), message.id)


async def previous_answer(bot: SummitBot, channel: Any, reference: discord.MessageReference | None = None,
                          before: discord.abc.Snowflake | None = None) -> Previous | None:
    """The answer a question follows up: the one it replies to, else the latest in its thread."""
    resolved = reference.resolved if reference is not None else None
    if isinstance(resolved, discord.Message):
        return answer_turn(resolved, bot)
    if not isinstance(channel, discord.Thread):
        return None
    try:
        async for message in channel.history(limit=HISTORY, before=before):
            found = answer_turn(message, bot)
            if found is not None:
                return found
        parent = channel.parent
        if isinstance(parent, discord.TextChannel):  # a thread opened from an answer: its id is the answer's
            return answer_turn(await parent.fetch_message(channel.id), bot)
    except discord.HTTPException as exc:
        log.info("could not read thread %s for context: %s %s", channel.id, exc.status, exc.text)
    return None
