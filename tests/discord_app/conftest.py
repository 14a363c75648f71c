"""One fake Discord and one real `SummitBot` (real engine, real discord.py) shared by the e2e tests.

A discord.py client can be started only once, and the model warm-up costs seconds, so the bot is
package-scoped: tests keep out of each other's way by acting as fresh users (`user` fixture).
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator

import discord
import pytest
import pytest_asyncio
from discord import app_commands

from bot.answering.engine import Engine
from bot.discord_app.client import SummitBot
from bot.settings import Settings
from tests.conftest import make_settings
from tests.fake_discord import CHANNEL_ID, FakeDiscord

from .helpers import connected_bot

COOLDOWN_RATE = 3
TEST_ONLY_COMMANDS = {"boom"}
_users = itertools.count(1)


@app_commands.command(name="boom", description="Test only: fails before answering")
async def boom(interaction: discord.Interaction) -> None:
    raise RuntimeError("boom: a deliberate failure inside a command")


@pytest.fixture(scope="package")
def bot_settings(tmp_path_factory: pytest.TempPathFactory, settings: Settings) -> Settings:
    """The bot's settings: the session's index, a fresh state dir, public answers only in #general."""
    return make_settings(tmp_path_factory.mktemp("bot"), index_dir=settings.index_dir,
                         allowed_channel_ids=frozenset({CHANNEL_ID}), cooldown_rate=COOLDOWN_RATE,
                         cooldown_seconds=60.0)


@pytest_asyncio.fixture(scope="package", loop_scope="package")
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(callback_deadline=3.0) as server:
        yield server
    assert not server.internal_errors, server.internal_errors


@pytest_asyncio.fixture(scope="package", loop_scope="package")
async def bot(fake: FakeDiscord, engine: Engine, bot_settings: Settings, elsewhere: int) -> AsyncIterator[SummitBot]:
    async with connected_bot(fake, engine, bot_settings, boom) as client:
        yield client


@pytest.fixture
def user(fake: FakeDiscord) -> int:
    """A fresh guild member, so each test has its own cooldown budget."""
    return fake.add_user(f"tester{next(_users)}").id


@pytest_asyncio.fixture(scope="package", loop_scope="package")
async def elsewhere(fake: FakeDiscord) -> int:
    """A channel outside ALLOWED_CHANNEL_IDS (created before the bot connects)."""
    return fake.add_channel("elsewhere")
