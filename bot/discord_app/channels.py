"""`ALLOWED_CHANNEL_IDS`: where the bot answers publicly (threads count as their parent channel)."""

from __future__ import annotations

from collections.abc import Set

import discord


def answers_publicly(allowed: Set[int], *, guild_id: int | None, channel_id: int | None,
                     parent_id: int | None = None) -> bool:
    """True if answers may be public here: no restriction, a private (DM) channel, or an allowed one."""
    if not allowed or guild_id is None:
        return True
    return channel_id in allowed or parent_id in allowed


def interaction_public(allowed: Set[int], interaction: discord.Interaction) -> bool:
    """`answers_publicly` for the channel an interaction comes from."""
    return answers_publicly(allowed, guild_id=interaction.guild_id, channel_id=interaction.channel_id,
                            parent_id=getattr(interaction.channel, "parent_id", None))


def message_public(allowed: Set[int], message: discord.Message) -> bool:
    """`answers_publicly` for the channel a message was sent in."""
    guild_id = message.guild.id if message.guild else None
    return answers_publicly(allowed, guild_id=guild_id, channel_id=message.channel.id,
                            parent_id=getattr(message.channel, "parent_id", None))
