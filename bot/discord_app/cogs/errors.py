"""The one app-command error handler: every failure gets a polite ephemeral reply and a log line."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.question import QuestionError

from ..client import SummitBot, as_summit_bot
from ..replies import ERROR, slow_down
from ..respond import send_private

log = logging.getLogger(__name__)


def user_message(error: app_commands.AppCommandError) -> tuple[str, bool]:
    """What to tell the user, and whether this is a bug worth a traceback."""
    if isinstance(error, app_commands.CommandOnCooldown):
        return slow_down(error.retry_after), False
    original = getattr(error, "original", None)
    if isinstance(original, QuestionError):
        return str(original), False
    if isinstance(error, app_commands.NoPrivateMessage):
        return "That command only works in a server.", False
    if isinstance(error, app_commands.CheckFailure):
        return "You can't use that command here.", False
    if isinstance(error, app_commands.CommandSignatureMismatch | app_commands.CommandNotFound):
        return "That command is out of date; Discord will update it shortly, please try again then.", True
    return ERROR, True


class ErrorsCog(commands.Cog):
    """Installs itself as `bot.tree.on_error` while loaded."""

    def __init__(self, bot: SummitBot) -> None:
        self.bot = bot
        self._previous = bot.tree.on_error

    async def cog_load(self) -> None:
        self.bot.tree.on_error = self.on_app_command_error  # type: ignore[method-assign]

    async def cog_unload(self) -> None:
        self.bot.tree.on_error = self._previous  # type: ignore[method-assign]

    async def on_app_command_error(
        self, interaction: discord.Interaction[SummitBot], error: app_commands.AppCommandError
    ) -> None:
        name = interaction.command.qualified_name if interaction.command else "?"
        message, is_bug = user_message(error)
        if is_bug:
            log.error("/%s failed (interaction %s, user %s)", name, interaction.id, interaction.user.id,
                      exc_info=error)
        else:
            log.info("/%s refused for user %s: %s", name, interaction.user.id, message)
        await send_private(interaction, message)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(ErrorsCog(as_summit_bot(bot)))
