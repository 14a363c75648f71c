"""A fake Discord API (REST + gateway) that the real discord.py client can connect to.

Typical use::

    async with FakeDiscord(callback_deadline=0.5) as fake:
        bot = make_bot()  # e.g. commands.Bot(..., guild_ready_timeout=0.1)
        async with running_bot(fake, bot):
            interaction = fake.inject_slash_command("ping")
            request = await fake.wait_for_callback(interaction.id)
"""

from .discord_patch import patch_discord, running_bot
from .limits import FormErrors
from .models import (
    ADMIN_ROLE_ID,
    ADMIN_USER_ID,
    APPLICATION_ID,
    BOT_ROLE_ID,
    BOT_USER_ID,
    CHANNEL_ID,
    EPHEMERAL,
    EVERYONE_ROLE_ID,
    FAKE_TOKEN,
    GUILD_ID,
    OTHER_BOT_ID,
    OTHER_USER_ID,
    USER_ID,
    FakeInteraction,
    FakeUser,
    FaultRule,
    GatewayConnectionRecord,
    HeartbeatRecord,
    InteractionState,
    RecordedFile,
    RecordedRequest,
    Rejection,
)
from .server import FakeDiscord

__all__ = [
    "ADMIN_ROLE_ID",
    "ADMIN_USER_ID",
    "APPLICATION_ID",
    "BOT_ROLE_ID",
    "BOT_USER_ID",
    "CHANNEL_ID",
    "EPHEMERAL",
    "EVERYONE_ROLE_ID",
    "FAKE_TOKEN",
    "GUILD_ID",
    "OTHER_BOT_ID",
    "OTHER_USER_ID",
    "USER_ID",
    "FakeDiscord",
    "FakeInteraction",
    "FakeUser",
    "FaultRule",
    "FormErrors",
    "GatewayConnectionRecord",
    "HeartbeatRecord",
    "InteractionState",
    "RecordedFile",
    "RecordedRequest",
    "Rejection",
    "patch_discord",
    "running_bot",
]
