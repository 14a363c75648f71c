"""Command sync through the fake: guild or global scope, skipped when unchanged, forced with --sync."""

from __future__ import annotations

from pathlib import Path

import discord
from discord import app_commands

from bot.answering.engine import Engine
from bot.discord_app.client import SummitBot
from bot.discord_app.sync import STATE_FILE
from bot.settings import Settings
from tests.conftest import make_settings
from tests.fake_discord import APPLICATION_ID, GUILD_ID, FakeDiscord, running_bot

COMMANDS = {"ask", "leaders", "leader", "sources", "about", "reindex", "stats"}


@app_commands.command(name="extra", description="Test only: changes the command definitions")
async def extra(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("extra")


async def start_once(fake: FakeDiscord, engine: Engine, settings: Settings, *, force: bool = False,
                     more: app_commands.Command | None = None) -> tuple[SummitBot, int]:  # type: ignore[type-arg]
    """Connect a fresh bot and disconnect it; the bot and how many bulk overwrites it sent."""
    before = len(fake.requests_to("PUT", r"/commands$"))
    bot = SummitBot(engine, settings, force_sync=force, guild_ready_timeout=0.05)
    if more is not None:
        bot.tree.add_command(more)
    async with running_bot(fake, bot):
        pass
    return bot, len(fake.requests_to("PUT", r"/commands$")) - before


async def test_guild_sync_happens_only_when_definitions_change_or_forced(
    tmp_path: Path, engine: Engine, settings: Settings
) -> None:
    bot_settings = make_settings(tmp_path, index_dir=settings.index_dir, discord_guild_id=GUILD_ID)
    async with FakeDiscord() as fake:
        bot, puts = await start_once(fake, engine, bot_settings)
        assert puts == 1
        [put] = fake.requests_to("PUT", r"/commands$")
        assert put.path == f"/applications/{APPLICATION_ID}/guilds/{GUILD_ID}/commands"
        assert {c["name"] for c in fake.registered_commands(GUILD_ID)} == COMMANDS
        assert fake.registered_commands(None) == []
        assert bot.sync_result is not None and bot.sync_result.scope == f"guild {GUILD_ID}"
        assert (tmp_path / "state" / STATE_FILE).is_file()

        bot, puts = await start_once(fake, engine, bot_settings)
        assert puts == 0 and bot.sync_result is not None and not bot.sync_result.synced

        _, puts = await start_once(fake, engine, bot_settings, force=True)
        assert puts == 1

        _, puts = await start_once(fake, engine, bot_settings, more=extra)
        assert puts == 1
        assert {c["name"] for c in fake.registered_commands(GUILD_ID)} == COMMANDS | {"extra"}
        fake.assert_no_unknown_requests()


async def test_switching_from_a_guild_to_global_syncs_and_clears_the_guild(
    tmp_path: Path, engine: Engine, settings: Settings
) -> None:
    guild = make_settings(tmp_path, index_dir=settings.index_dir, discord_guild_id=GUILD_ID)
    global_ = make_settings(tmp_path, index_dir=settings.index_dir)  # same state dir
    async with FakeDiscord() as fake:
        assert (await start_once(fake, engine, guild))[1] == 1
        _, puts = await start_once(fake, engine, global_)
        assert puts == 2  # the global sync, and the old guild's commands removed
        assert {c["name"] for c in fake.registered_commands(None)} == COMMANDS
        assert fake.registered_commands(GUILD_ID) == []  # nothing shows up twice
