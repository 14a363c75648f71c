"""`/leaders` (everyone who spoke) and `/leader name:<autocomplete>` (what one of them said)."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.answering.framing import person_line
from bot.corpus.catalog import Catalog, Speaker
from bot.text import fold

from ..client import SummitBot, as_summit_bot
from ..localization import interaction_texts, loc
from ..render import CONTENT_MAX, fit, plain
from ..render_info import leader_embeds, leader_names, leaders_embeds
from ..replies import command_reply
from ..respond import send, send_pages

CHOICES_MAX = 25
CHOICE_MAX = 100


class LeadersCog(commands.Cog):
    """The heads of state and government listed in the corpus metadata."""

    def __init__(self, bot: SummitBot) -> None:
        self.bot = bot

    # Each command reads `engine.catalog` once: a `/reindex` swapping it mid-command cannot mix two corpora.

    @staticmethod
    def resolve(catalog: Catalog, name: str) -> list[Speaker]:
        """Every entry (one per article) of the person `name` names: exact name or alias, else a unique match."""
        found = catalog.speaker(name)
        if found is None:
            people = {s.person.name for s in catalog.find_speakers(name)} if name.strip() else set()
            if len(people) != 1:
                return []
            found = next(s for s in catalog.speakers if s.person.name in people)
        return [s for s in catalog.speakers if fold(s.person.name) == fold(found.person.name)]

    @app_commands.command(name=loc("command name", "leaders"),
                          description=loc("description", "The heads of state and government who spoke at the summit"))
    async def leaders(self, interaction: discord.Interaction[SummitBot]) -> None:
        t, note = command_reply(interaction)
        catalog = self.bot.engine.catalog
        await send_pages(interaction, leaders_embeds(catalog.speakers, catalog.passage, t), ephemeral=note is not None,
                         content=note)

    @app_commands.command(name=loc("command name", "leader"),
                          description=loc("description", "Everything the coverage quotes or reports from one leader"))
    @app_commands.rename(name=loc("option name", "name"))
    @app_commands.describe(name=loc("description", "A leader's name, e.g. Maduro or Díaz-Canel"))
    async def leader(self, interaction: discord.Interaction[SummitBot], name: str) -> None:
        t = interaction_texts(interaction)
        catalog = self.bot.engine.catalog
        matches = self.resolve(catalog, name)
        if not matches:
            text = t._("I don't know a leader called “{name}”. The leaders who spoke are: {leaders}. "
                       "Start typing a name and pick one from the list.",
                       name=fit(name, 100), leaders=leader_names(catalog.speakers))
            await send(interaction, ephemeral=True, content=fit(text, CONTENT_MAX, plain))
            return
        note = command_reply(interaction)[1]
        await send_pages(interaction, leader_embeds(matches, catalog.passage, t), ephemeral=note is not None,
                         content=note)

    @leader.autocomplete("name")
    async def leader_autocomplete(
        self, interaction: discord.Interaction[SummitBot], current: str
    ) -> list[app_commands.Choice[str]]:
        t = interaction_texts(interaction)
        choices: dict[str, app_commands.Choice[str]] = {}
        for s in self.bot.engine.catalog.find_speakers(current):
            label = fit(person_line(s.person, t), CHOICE_MAX, plain)
            choices.setdefault(s.person.name, app_commands.Choice(name=label, value=s.person.name[:CHOICE_MAX]))
        return list(choices.values())[:CHOICES_MAX]


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(LeadersCog(as_summit_bot(bot)))

