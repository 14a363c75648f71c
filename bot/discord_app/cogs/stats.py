"""`/stats [days]`: for server managers, what people asked the bot in this server (the `summit-bot report`
summary): questions, share per confidence, votes, answer time, most asked, refused, voted down."""

from __future__ import annotations

import asyncio
import datetime as dt

import discord
from discord import app_commands
from discord.ext import commands

from bot.answering.framing import ENGLISH
from bot.i18n import N_, Texts
from bot.report import CONFIDENCES, Group, Report, build_report
from bot.store import READ_TIMEOUT, StoreError, utcnow

from ..client import SummitBot, as_summit_bot
from ..localization import interaction_texts, loc
from ..render import EMBED_TOTAL_MAX, FIELD_VALUE_MAX, TITLE_MAX, fit, plain
from ..respond import send
from .admin import for_server_managers

# What /stats says (English here, other languages in bot/locales), in the manager's language.
LOG_OFF = N_("The question log is off (SUMMIT_BOT_QUESTION_LOG=off), so there is nothing to show.")
UNAVAILABLE = N_("I cannot read the question store right now; please try again later.")
NOTHING = N_("No questions were recorded here in this period.")
QUESTIONS = N_("Questions")
CONFIDENCE = N_("Answered")
VOTES = N_("Votes")
LATENCY = N_("Answer time")
MOST_ASKED = N_("Most asked")
REFUSED = N_("Refused (gaps in the coverage)")
DOWN_VOTED = N_("Voted down")
NONE = N_("none")
BAD_DAYS = N_("The number of days must be between 1 and {n}.")
SHOWN = 5
MAX_DAYS = 365


def title(days: int, t: Texts = ENGLISH) -> str:
    return t.n_("Questions asked here in the last day", "Questions asked here in the last {n} days", days)


def confidence_names(t: Texts = ENGLISH) -> dict[str, str]:
    """How the shares per confidence are named ("high 60% · medium 20% · none 20%")."""
    return {"high": t.p_("confidence", "high"), "medium": t.p_("confidence", "medium"),
            "none": t.p_("confidence", "none")}


def _groups(groups: list[Group], t: Texts) -> str:
    lines = [f"{g.count}× {g.question}" for g in groups[:SHOWN]]
    return fit("\n".join(lines) or t._(NONE), FIELD_VALUE_MAX, discord.utils.escape_markdown)


def stats_embed(report: Report, days: int, t: Texts = ENGLISH) -> discord.Embed:
    embed = discord.Embed(title=fit(title(days, t), TITLE_MAX, plain), colour=discord.Colour(0x546E7A))
    if not report.questions:
        embed.description = t._(NOTHING)
        return embed
    ms = lambda value: "–" if value is None else f"{t.number(value, 0)} ms"  # noqa: E731
    names = confidence_names(t)
    embed.add_field(name=t._(QUESTIONS), value=t.n_("{count} ({n} follow-up)", "{count} ({n} follow-ups)",
                                                     report.followups, count=report.questions))
    embed.add_field(name=t._(CONFIDENCE),
                    value=" · ".join(f"{names[c]} {t.percent(report.share(c))}" for c in CONFIDENCES))
    embed.add_field(name=t._(VOTES), value=f"👍 {report.votes_up} · 👎 {report.votes_down}")
    embed.add_field(name=t._(LATENCY), value=f"p50 {ms(report.latency_p50_ms)} · p95 {ms(report.latency_p95_ms)}")
    embed.add_field(name=t._(MOST_ASKED), value=_groups(report.top, t), inline=False)
    embed.add_field(name=t._(REFUSED), value=_groups(report.refused, t), inline=False)
    down = "\n".join(f"👎{d.down} {d.question} ({', '.join(p.split('#')[-1] for p in d.passage_ids)})"
                     for d in report.down_voted[:SHOWN])
    embed.add_field(name=t._(DOWN_VOTED), value=fit(down or t._(NONE), FIELD_VALUE_MAX, discord.utils.escape_markdown),
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
    @for_server_managers()
    async def stats(self, interaction: discord.Interaction[SummitBot],
                    days: app_commands.Range[int, 1, MAX_DAYS] = 7) -> None:
        store = self.bot.store
        t = interaction_texts(interaction)
        if not 1 <= days <= MAX_DAYS:  # Discord checks the range; a forged interaction need not
            await send(interaction, ephemeral=True, content=t._(BAD_DAYS).format(n=MAX_DAYS))
            return
        if not store.enabled:
            await send(interaction, ephemeral=True, content=t._(LOG_OFF))
            return
        await interaction.response.defer(thinking=True, ephemeral=True)
        until = utcnow() + dt.timedelta(seconds=1)
        since = until - dt.timedelta(days=days)
        encode = self.bot.engine.embedder().encode
        try:
            report = await asyncio.wait_for(asyncio.wrap_future(store.read_later(lambda conn: build_report(
                conn, since=since, until=until, guild_id=interaction.guild_id, encode=encode))), READ_TIMEOUT)
        except (StoreError, TimeoutError):
            await send(interaction, ephemeral=True, content=t._(UNAVAILABLE))
            return
        await send(interaction, ephemeral=True, embed=stats_embed(report, days, t))


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(StatsCog(as_summit_bot(bot)))
