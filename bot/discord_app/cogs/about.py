"""`/about`: what the bot is, how to ask, and what its index holds."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from ..client import SummitBot, as_summit_bot
from ..localization import loc
from ..render_info import about_embed
from ..replies import command_reply
from ..respond import send


class AboutCog(commands.Cog):
    """Explains the bot to members; shows server managers the index's model, passage count and build time."""

    def __init__(self, bot: SummitBot) -> None:
        self.bot = bot

    @app_commands.command(name=loc("command name", "about"),
                          description=loc("description", "What this bot is, how to ask, and what it knows"))
    async def about(self, interaction: discord.Interaction[SummitBot]) -> None:
        t, note = command_reply(interaction)
        catalog = self.bot.engine.catalog
        people = len({s.person.name for s in catalog.speakers})
        # model, size and build time are for whoever runs the server, not every member
        embed = about_embed(self.bot.engine.info, speakers=people, sources=len(catalog.sources), t=t,
                            operator=interaction.permissions.manage_guild,
                            translatable=self.bot.engine.to_spanish is not None)
        await send(interaction, ephemeral=note is not None, content=note, embed=embed)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(AboutCog(as_summit_bot(bot)))
