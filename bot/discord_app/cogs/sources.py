"""`/sources`: the articles in the corpus."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from ..channels import interaction_public
from ..client import SummitBot, as_summit_bot
from ..render_catalog import sources_embeds
from ..replies import private_here
from ..respond import send_pages
from ..translator import interaction_texts, loc


class SourcesCog(commands.Cog):
    """Lists title, author, date, outlet, link and passage count of every article."""

    def __init__(self, bot: SummitBot) -> None:
        self.bot = bot

    @app_commands.command(name=loc("command name", "sources"),
                          description=loc("description", "The articles my answers quote"))
    async def sources(self, interaction: discord.Interaction[SummitBot]) -> None:
        allowed = self.bot.settings.allowed_channel_ids
        t = interaction_texts(interaction)
        public = interaction_public(allowed, interaction)
        embeds = sources_embeds(self.bot.engine.catalog.sources, t)
        await send_pages(interaction, embeds, ephemeral=not public,
                         content=None if public else private_here(allowed, t))


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(SourcesCog(as_summit_bot(bot)))
