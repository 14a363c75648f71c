"""Sending to an interaction whether or not it was answered yet; mentions are never parsed."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import aiohttp
import discord

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()


def interaction_data(interaction: discord.Interaction) -> dict[str, Any]:
    """The interaction's raw data as a plain dict (empty when it has none)."""
    data = interaction.data
    return dict(data) if isinstance(data, dict) else {}


async def send(interaction: discord.Interaction, *, ephemeral: bool, content: str | None = None,
               embed: discord.Embed | None = None, view: discord.ui.View | None = None) -> discord.Message | None:
    """The first response, or a followup when the interaction was already acknowledged (deferred).

    The message sent is returned for a followup (None for a first response, which has no id to hand).
    """
    kwargs: dict[str, Any] = {"ephemeral": ephemeral, "allowed_mentions": NO_MENTIONS}
    if content is not None:
        kwargs["content"] = content
    if embed is not None:
        kwargs["embed"] = embed
    if view is not None:
        kwargs["view"] = view
    if interaction.response.is_done():
        return await interaction.followup.send(wait=True, **kwargs)
    await interaction.response.send_message(**kwargs)
    return None


async def send_pages(interaction: discord.Interaction, embeds: Sequence[discord.Embed], *, ephemeral: bool,
                     content: str | None = None) -> None:
    """One message per embed (each within the 6000-character message limit); `content` on the first."""
    for number, embed in enumerate(embeds):
        await send(interaction, ephemeral=ephemeral, content=content if number == 0 else None, embed=embed)


async def send_private(interaction: discord.Interaction, content: str) -> None:
    """An ephemeral text reply that never raises (used for errors: there is nowhere left to report to)."""
    try:
        await send(interaction, ephemeral=True, content=content)
    except discord.HTTPException as exc:
        log.warning("could not reply to interaction %s: %s %s", interaction.id, exc.status, exc.text)
    except (aiohttp.ClientError, OSError, TimeoutError) as exc:
        log.warning("could not reply to interaction %s: %s", interaction.id, exc.__class__.__name__)
