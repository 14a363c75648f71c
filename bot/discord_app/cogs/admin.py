"""`/reindex`: re-read the corpus and reload (or rebuild) the index without restarting the bot.

Only for members with Manage Server: Discord hides the command from everyone else by default
(`default_permissions`), and the permission is checked again when the command runs, because a
server can override who sees it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TypeVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import describe

from ..client import SummitBot, as_summit_bot
from ..localization import interaction_texts, loc
from ..render import CONTENT_MAX, fit
from ..respond import send

log = logging.getLogger(__name__)

T = TypeVar("T")


def manage_guild_at_run_time() -> Callable[[T], T]:
    """App-command check: in a server, and the member has Manage Server there (whatever Discord showed them)."""

    async def predicate(interaction: discord.Interaction[SummitBot]) -> bool:
        if interaction.guild_id is None:
            raise app_commands.NoPrivateMessage()
        if not interaction.permissions.manage_guild:
            raise app_commands.MissingPermissions(["manage_guild"])
        return True

    return app_commands.check(predicate)


def for_server_managers() -> Callable[[T], T]:
    """A command for server managers only: hidden from other members (`default_permissions`), usable only in a
    server, and checked again when it runs (`manage_guild_at_run_time`)."""
    hidden, in_guild, checked = (app_commands.default_permissions(manage_guild=True), app_commands.guild_only(),
                                 manage_guild_at_run_time())

    def decorate(command: T) -> T:
        return hidden(in_guild(checked(command)))

    return decorate


class AdminCog(commands.Cog):
    """Maintenance commands for server managers."""

    def __init__(self, bot: SummitBot) -> None:
        self.bot = bot

    @app_commands.command(name=loc("command name", "reindex"),
                          description=loc("description", "Admins: re-read the corpus and reload the index"))
    @app_commands.rename(force=loc("option name", "force"))
    @app_commands.describe(force=loc("description", "Rebuild the index even if it matches the corpus"))
    @for_server_managers()
    async def reindex(self, interaction: discord.Interaction[SummitBot], force: bool = False) -> None:
        await interaction.response.defer(thinking=True, ephemeral=True)
        t = interaction_texts(interaction)
        engine = self.bot.engine
        try:
            report = await asyncio.to_thread(engine.reload, force=force)
        except Exception as exc:
            reason = describe(exc)
            if reason is None:
                raise
            log.warning("/reindex by user %s failed: %s", interaction.user.id, reason)
            text = t._("Could not reindex: {reason}. Still answering from the previous index.", reason=reason)
            await send(interaction, ephemeral=True, content=fit(text, CONTENT_MAX))
            return
        info = engine.info
        log.info("/reindex by user %s: %d passages, index %s", interaction.user.id, info.passages,
                 "loaded unchanged" if report is None else f"rebuilt in {report.seconds:.1f} s")
        articles = len(engine.catalog.corpus.articles)
        if report is None:
            text = t._("Reindexed: {passages} passages from {articles} article(s); index loaded unchanged.",
                       passages=info.passages, articles=articles)
        else:
            text = t._("Reindexed: {passages} passages from {articles} article(s); index rebuilt in {seconds} s.",
                       passages=info.passages, articles=articles, seconds=t.number(report.seconds))
        await send(interaction, ephemeral=True, content=text)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(AdminCog(as_summit_bot(bot)))
