"""`/stats [days]`: for server managers, what people asked the bot in this server (the `summit-bot report`
summary): questions, share per confidence, votes, answer time, most asked, refused, voted down."""

from __future__ import annotations

import asyncio
import datetime as dt

import discord
from discord import app_commands
from discord.ext import commands

from bot.report import CONFIDENCES, Group, Report, build_report
from bot.store import StoreError, utcnow

from ..client import SummitBot, as_summit_bot
from ..render import EMBED_TOTAL_MAX, FIELD_VALUE_MAX, TITLE_MAX, fit, plain
from ..respond import send
from ..translator import loc
from .admin import manage_guild_at_run_time

# What /stats says (English for now).
TITLE = "Questions asked here in the last {days} day(s)"
LOG_OFF = "The question log is off (SUMMIT_BOT_QUESTION_LOG=off), so there is nothing to show."
UNAVAILABLE = "I cannot read the question store right now; please try again later."
NOTHING = "No questions were recorded here in this period."
QUESTIONS = "Questions"
QUESTIONS_VALUE = "{count} ({followups} follow-ups)"
CONFIDENCE = "Answered"
VOTES = "Votes"
VOTES_VALUE = "👍 {up} · 👎 {down}"
LATENCY = "Answer time"
LATENCY_VALUE = "p50 {p50} · p95 {p95}"
MOST_ASKED = "Most asked"
REFUSED = "Refused (gaps in the coverage)"
DOWN_VOTED = "Voted down"
NONE = "none"
SHOWN = 5


def _groups(groups: list[Group]) -> str:
    lines = [f"{g.count}× {g.question}" for g in groups[:SHOWN]]
    return fit("\n".join(lines) or NONE, FIELD_VALUE_MAX, discord.utils.escape_markdown)


def stats_embed(report: Report, days: int) -> discord.Embed:
    embed = discord.Embed(title=fit(TITLE.format(days=days), TITLE_MAX, plain), colour=discord.Colour(0x546E7A))
    if not report.questions:
        embed.description = NOTHING
        return embed
    ms = lambda value: "–" if value is None else f"{value:.0f} ms"  # noqa: E731
    embed.add_field(name=QUESTIONS, value=QUESTIONS_VALUE.format(count=report.questions, followups=report.followups))
    embed.add_field(name=CONFIDENCE, value=" · ".join(f"{c} {report.share(c):.0%}" for c in CONFIDENCES))
    embed.add_field(name=VOTES, value=VOTES_VALUE.format(up=report.votes_up, down=report.votes_down))
    embed.add_field(name=LATENCY, value=LATENCY_VALUE.format(p50=ms(report.latency_p50_ms),
                                                              p95=ms(report.latency_p95_ms)))
    embed.add_field(name=MOST_ASKED, value=_groups(report.top), inline=False)
    embed.add_field(name=REFUSED, value=_groups(report.refused), inline=False)
    down = "\n".join(f"👎{d.down} {d.question} ({', '.join(p.split('#')[-1] for p in d.passage_ids)})"
                     for d in report.down_voted[:SHOWN])
    embed.add_field(name=DOWN_VOTED, value=fit(down or NONE, FIELD_VALUE_MAX, discord.utils.escape_markdown),
                    inline=False)
    while len(embed) > EMBED_TOTAL_MAX and embed.fields:
        embed.remove_field(-1)
    return embed


class StatsCog(commands.Cog):
    """`/stats` for server managers."""

    def __init__(self, bot: SummitBot) -> None:
        self.bot = bot

    @app_commands.command(name=loc("command name", "stats"),
                          description=loc("description", "Admins: what people asked the bot in this server"))
    @app_commands.rename(days=loc("option name", "days"))
    @app_commands.describe(days=loc("description", "How many days back to look (default 7)"))
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    @manage_guild_at_run_time()
    async def stats(self, interaction: discord.Interaction[SummitBot],
                    days: app_commands.Range[int, 1, 365] = 7) -> None:
        store = self.bot.store
        if not store.enabled:
            await send(interaction, ephemeral=True, content=LOG_OFF)
            return
        await interaction.response.defer(thinking=True, ephemeral=True)
        until = utcnow() + dt.timedelta(seconds=1)
        since = until - dt.timedelta(days=days)
        encode = self.bot.engine.embedder().encode
        try:
            report = await asyncio.to_thread(store.read, lambda conn: build_report(
                conn, since=since, until=until, guild_id=interaction.guild_id, encode=encode))
        except StoreError:
            await send(interaction, ephemeral=True, content=UNAVAILABLE)
            return
        await send(interaction, ephemeral=True, embed=stats_embed(report, days))


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(StatsCog(as_summit_bot(bot)))
