"""The one app-command error handler: every failure gets a polite ephemeral reply and a log line."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.answering.framing import ENGLISH
from bot.answering.question import QuestionError
from bot.i18n import N_, Texts

from ..client import SummitBot, as_summit_bot
from ..localization import interaction_texts
from ..replies import error_text, restarting_text, slow_down
from ..respond import send_private
from ..work import ShuttingDown

log = logging.getLogger(__name__)

# Discord's own names for the permissions the commands need (what members see in server settings).
PERMISSION_NAMES = {"manage_guild": N_("Manage Server"), "manage_messages": N_("Manage Messages")}

EXPIRED = (10062, 10015)  # Unknown interaction, Unknown webhook: Discord's 3 s (or 15 min) were up


def discord_failure(error: app_commands.AppCommandError) -> discord.HTTPException | None:
    """The Discord-side failure behind `error`, if that is what it is: a 5xx after discord.py's retries,
    a 429 it gave up on, or an interaction that expired before it could be acknowledged."""
    original = getattr(error, "original", None)
    if not isinstance(original, discord.HTTPException):
        return None
    if isinstance(original, discord.DiscordServerError) or original.status == 429 or original.code in EXPIRED:
        return original
    return None


def permission_name(permission: str, t: Texts = ENGLISH) -> str:
    """"manage_guild" → "Manage Server" (as Discord's settings name it, in the reader's language)."""
    known = PERMISSION_NAMES.get(permission)
    return t._(known) if known else permission.replace("_", " ").replace("guild", "server").title()


def user_message(error: app_commands.AppCommandError, t: Texts = ENGLISH) -> tuple[str, bool]:
    """What to tell the user (in the language of `t`), and whether this is a bug worth a traceback."""
    if isinstance(error, app_commands.CommandOnCooldown):
        return slow_down(error.retry_after, t), False
    original = getattr(error, "original", None)
    if isinstance(original, QuestionError):
        return original.message(t), False
    if isinstance(original, ShuttingDown):
        return restarting_text(t), False
    if isinstance(error, app_commands.NoPrivateMessage):
        return t._("That command only works in a server."), False
    if isinstance(error, app_commands.MissingPermissions):
        needed = ", ".join(permission_name(p, t) for p in error.missing_permissions)
        return t.n_("Only members with the {needed} permission can use that command.",
                    "Only members with the {needed} permissions can use that command.",
                    len(error.missing_permissions), needed=needed), False
    if isinstance(error, app_commands.CheckFailure):
        return t._("You can't use that command here."), False
    if isinstance(error, app_commands.CommandSignatureMismatch | app_commands.CommandNotFound):
        return t._("That command is out of date; Discord will update it shortly, please try again then."), True
    return error_text(t), True


class ErrorsCog(commands.Cog):
    """Installs itself as `bot.tree.on_error` while loaded."""

    def __init__(self, bot: SummitBot) -> None:
        self.bot = bot
        self._previous = bot.tree.on_error

    async def cog_load(self) -> None:
        self.bot.tree.on_error = self.on_app_command_error  # type: ignore[method-assign]  # discord.py's way

    async def cog_unload(self) -> None:
        self.bot.tree.on_error = self._previous  # type: ignore[method-assign]  # to set the tree's handler

    async def on_app_command_error(
        self, interaction: discord.Interaction[SummitBot], error: app_commands.AppCommandError
    ) -> None:
        name = interaction.command.qualified_name if interaction.command else "?"
        message, is_bug = user_message(error, interaction_texts(interaction))
        failure = discord_failure(error)
        if failure is not None:
            log.warning("/%s could not be answered (interaction %s, user %s): Discord answered %s %s",
                        name, interaction.id, interaction.user.id, failure.status, failure.text or failure)
        elif is_bug:
            log.error("/%s failed (interaction %s, user %s)", name, interaction.id, interaction.user.id,
                      exc_info=error)
        else:
            log.info("/%s refused for user %s: %s", name, interaction.user.id, message)
        await send_private(interaction, message)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(ErrorsCog(as_summit_bot(bot)))
