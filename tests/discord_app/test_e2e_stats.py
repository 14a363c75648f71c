"""`/stats`: for server managers only, the report's summary for this server, from the question store."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bot.discord_app.client import SummitBot
from bot.discord_app.cogs import stats
from bot.store import questions
from tests.fake_discord import ADMIN_USER_ID, GUILD_ID, FakeDiscord

from .helpers import only_embed, run_command

pytestmark = pytest.mark.asyncio(loop_scope="package")


async def test_stats_shows_this_servers_questions_to_a_manager_only(fake: FakeDiscord, bot: SummitBot,
                                                                     user: int) -> None:
    await run_command(fake, "ask", {"question": "Who wrote the article?"}, user_id=user)
    await run_command(fake, "ask", {"question": "How do I bake sourdough bread at home?"}, user_id=user)

    def recorded() -> int | None:
        bot.store.flush()
        count = bot.store.read(lambda conn: conn.execute(
            sa.select(sa.func.count()).select_from(questions).where(questions.c.guild_id == GUILD_ID)).scalar())
        return count if count and count >= 2 else None

    count = await fake.wait_for(recorded, what="questions recorded")
    state, [refused] = await run_command(fake, "stats", user_id=user)
    assert state.ephemeral and "Manage Server" in refused["content"]

    state, [payload] = await run_command(fake, "stats", user_id=ADMIN_USER_ID)
    embed = only_embed(payload)
    assert state.ephemeral and embed["title"] == "Questions asked here in the last 7 days"
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields[stats.QUESTIONS].startswith(f"{count} (")
    assert "How do I bake sourdough bread at home?" in fields[stats.REFUSED]
    most = [line.split("× ", 1) for line in fields[stats.MOST_ASKED].split("\n")]
    assert 1 <= len(most) <= stats.SHOWN and sum(int(n) for n, _ in most) <= count
