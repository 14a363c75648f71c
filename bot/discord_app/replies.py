"""The short texts the bot sends besides answers (help, channel pointers, cooldown, errors), translated."""

from __future__ import annotations

import math
from collections.abc import Iterable, Set
from typing import TYPE_CHECKING

import discord

from bot.answering.framing import ENGLISH
from bot.i18n import N_, Texts

from .channels import interaction_public
from .localization import interaction_texts
from .render import CONTENT_MAX, escape, fit, plain, slash_names

if TYPE_CHECKING:
    from .client import SummitBot

ERROR = N_("Sorry, something went wrong while handling that. It has been logged; please try again in a moment.")


RESTARTING = N_("I'm restarting right now; please ask again in a minute.")


def restarting_text(t: Texts = ENGLISH) -> str:
    """The reply to work refused (or cut short) because the bot is stopping."""
    return t._(RESTARTING)


def error_text(t: Texts = ENGLISH) -> str:
    """The reply when answering failed unexpectedly."""
    return t._(ERROR)


def help_text(bot_name: str, t: Texts = ENGLISH, *, client_language_known: bool = True) -> str:
    """The reply to a bare mention."""
    return fit(t._(
        "Hi! Ask me about the ALBA-TCP summit of 3 February 2025: mention me with a question, e.g. "
        "“@{bot} {example}”, or use {ask}. {leaders} lists who spoke, {leader} shows "
        "what one of them said, {sources} lists the articles I quote and {about} says how I work.",
        bot=escape(bot_name), example=t._("What did Maduro propose?"),
        **slash_names(t, client_language_known=client_language_known),
    ), CONTENT_MAX, plain)


def thread_welcome(bot_id: int, t: Texts = ENGLISH) -> str:
    """The first message in a thread opened from an answer: how to ask follow-ups there."""
    return fit(t._("Ask follow-up questions here: mention me ({bot}) or reply to my answer, and I will read them "
                   "with the question above, e.g. “and what else was agreed?”.", bot=f"<@{bot_id}>"),
               CONTENT_MAX, plain)


def channel_list(channel_ids: Iterable[int]) -> str:
    """`<#1>, <#2>` (channel mentions never ping)."""
    return ", ".join(f"<#{cid}>" for cid in sorted(channel_ids))


def private_note(allowed: Set[int], interaction: discord.Interaction, t: Texts = ENGLISH) -> str | None:
    """None where an interaction is answered in the open; elsewhere the note an ephemeral answer carries."""
    return None if interaction_public(allowed, interaction) else private_here(allowed, t)


def command_reply(interaction: discord.Interaction[SummitBot]) -> tuple[Texts, str | None]:
    """A command's reply: in the asker's language, and with the note an ephemeral answer carries (`private_note`;
    None where it is answered in the open)."""
    t = interaction_texts(interaction)
    return t, private_note(interaction.client.settings.allowed_channel_ids, interaction, t)


def private_here(channel_ids: Iterable[int], t: Texts = ENGLISH) -> str:
    """Content of an ephemeral answer given outside the allowed channels."""
    text = t._("I answer publicly in {channels}; here, only you can see this.", channels=channel_list(channel_ids))
    return fit(text, CONTENT_MAX, plain)


def ask_there(channel_ids: Iterable[int], t: Texts = ENGLISH, *, client_language_known: bool = True) -> str:
    """Reply to a mention outside the allowed channels."""
    names = slash_names(t, client_language_known=client_language_known)
    text = t._("I answer questions in {channels}: ask me there, or use {ask} here (only you will see the answer).",
               channels=channel_list(channel_ids), ask=names["ask"])
    return fit(text, CONTENT_MAX, plain)


def slow_down(retry_after: float, t: Texts = ENGLISH) -> str:
    """The cooldown message."""
    seconds = max(1, math.ceil(retry_after))
    return t._("You're asking faster than I can keep up; please try again in {seconds} s.", seconds=seconds)
