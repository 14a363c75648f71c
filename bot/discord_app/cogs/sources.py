"""`/sources`: the articles in the corpus."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from ..client import SummitBot, as_summit_bot
from ..localization import loc
from ..render_info import sources_embeds
from ..replies import command_reply
from ..respond import send_pages


class SourcesCog(commands.Cog):
    """Lists title, author, date, outlet, link and passage count of every article."""

    def __init__(self, bot: SummitBot) -> None:
        self.bot = bot

    @app_commands.command(name=loc("command name", "sources"),
                          description=loc("description", "The articles my answers quote"))
    async def sources(self, interaction: discord.Interaction[SummitBot]) -> None:
        t, note = command_reply(interaction)
        await send_pages(interaction, sources_embeds(self.bot.engine.catalog.sources, t), ephemeral=note is not None,
                         content=note)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(SourcesCog(as_summit_bot(bot)))
