"""Faults found by probing the bot as a careful operator and a hostile member would (hardening round 3), each
through the fake Discord with the real client: More on a private answer, a click that cannot be served,
clicks against the question budget, a forged `/stats` period, a graceful stop, a store that comes back."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

import pytest

from bot.answering.engine import Engine
from bot.discord_app import buttons
from bot.discord_app.client import SummitBot
from bot.discord_app.cogs import stats
from bot.discord_app.replies import RESTARTING, error_text
from bot.settings import Settings
from bot.store import DATABASE_FILE
from tests.conftest import make_settings
from tests.fake_discord import ADMIN_USER_ID, CHANNEL_ID, EPHEMERAL, FakeDiscord

from .conftest import COOLDOWN_RATE
from .helpers import ask_by_message, connected_bot, replies_to, run_command, sent_for
from .test_e2e_buttons import QUESTION, ask, click

pytestmark = pytest.mark.asyncio(loop_scope="package")


def more_id(message: dict[str, Any]) -> str:
    [found] = [c["custom_id"] for row in message["components"] for c in row["components"]
               if c["custom_id"].startswith("sb:more:")]
    return found


async def test_more_on_a_private_answer_shows_its_pages_privately(fake: FakeDiscord, bot: SummitBot,
                                                                   elsewhere: int, user: int) -> None:
    state, _ = await run_command(fake, "ask", {"question": QUESTION}, user_id=user, channel_id=elsewhere)
    assert state.ephemeral and state.original is not None  # outside the allowed channels: private
    clicked, [page] = await click(fake, more_id(state.original), state.original["id"], user)
    assert clicked.ephemeral and page["embeds"]
    assert not [m for m in fake.channel_messages(elsewhere) if m.get("embeds")]  # nothing public there


async def test_a_click_on_an_answer_whose_embed_was_removed_gets_a_polite_private_reply(
        fake: FakeDiscord, bot: SummitBot, user: int) -> None:
    message = await ask(fake, user)
    fake.world.messages[int(message["id"])]["embeds"] = []  # a moderator removed the embed
    state, [reply] = await click(fake, more_id(message), message["id"], user)
    assert state.ephemeral and reply["content"] == buttons.UNREADABLE
    assert reply["content"] != error_text()


async def test_clicks_that_search_are_charged_to_the_question_budget(fake: FakeDiscord, bot: SummitBot,
                                                                      user: int) -> None:
    message = await ask(fake, user)  # one question of the budget
    replies = []
    for _ in range(COOLDOWN_RATE + 1):
        _, sent = await click(fake, more_id(message), message["id"], user)
        replies.append(sent[-1])
    told_to_wait = [r for r in replies if "faster than I can keep up" in (r.get("content") or "")]
    assert len(told_to_wait) == 2  # the budget of COOLDOWN_RATE: the question and two clicks, then refusals
    assert all(r["flags"] & EPHEMERAL for r in told_to_wait)


async def test_a_forged_stats_period_is_refused_politely(fake: FakeDiscord, bot: SummitBot) -> None:
    for days in (10**12, 0, -5):
        state, [reply] = await run_command(fake, "stats", {"days": days}, user_id=ADMIN_USER_ID)
        assert state.ephemeral and reply["content"] == stats.BAD_DAYS.format(n=stats.MAX_DAYS)


async def test_a_stop_answers_the_questions_in_flight_and_refuses_new_ones_politely(
        engine: Engine, settings: Settings, tmp_path: Path) -> None:
    config = make_settings(tmp_path, index_dir=settings.index_dir, cooldown_rate=100)
    async with FakeDiscord(callback_deadline=3.0) as fake, connected_bot(fake, engine, config) as client:
        users = [fake.add_user(f"stopper{i}").id for i in range(6)]
        asked = [fake.inject_slash_command("ask", {"question": QUESTION}, user_id=u, channel_id=CHANNEL_ID)
                 for u in users]
        states = [await fake.wait_for_ack(i.id) for i in asked]
        stopping = asyncio.create_task(client.shutdown(grace=30))
        await fake.wait_for(lambda: client.work.stopping, what="the bot stopping")
        late = fake.inject_slash_command("ask", {"question": QUESTION}, user_id=users[0], channel_id=CHANNEL_ID)
        late_state = await fake.wait_for_ack(late.id)
        await stopping
        answered = [s for s in states if any(p.get("embeds") for p in sent_for(fake, s))]
        assert len(answered) == len(states)  # every acknowledged question got its answer before the close
        [refusal] = sent_for(fake, late_state)
        assert refusal["content"] == RESTARTING and refusal["flags"] & EPHEMERAL


async def test_a_store_that_cannot_be_opened_at_start_is_opened_when_it_comes_back(
        engine: Engine, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = make_settings(tmp_path, index_dir=settings.index_dir)
    blocker = config.state_dir / DATABASE_FILE
    blocker.mkdir(parents=True)  # a folder where the database file should be: SQLite cannot open it
    monkeypatch.setattr(SummitBot, "STORE_RETRY_SECONDS", (0.05, 0.1))
    async with FakeDiscord(callback_deadline=3.0) as fake, connected_bot(fake, engine, config) as client:
        assert not client.store.enabled
        _, [answer] = await run_command(fake, "ask", {"question": QUESTION}, channel_id=CHANNEL_ID)
        assert answer["embeds"]  # answered without the store
        shutil.rmtree(blocker)
        await fake.wait_for(lambda: client.store.enabled, timeout=10, what="the store opened")
        _, [again] = await run_command(fake, "ask", {"question": QUESTION}, channel_id=CHANNEL_ID,
                                       user_id=fake.add_user("after").id)
        assert any(c["custom_id"] == "sb:vote:up" for row in again["components"] for c in row["components"])


async def test_a_mention_in_a_channel_the_bot_may_not_write_to_is_not_answered(
        engine: Engine, settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    config = make_settings(tmp_path, index_dir=settings.index_dir)
    async with FakeDiscord(callback_deadline=3.0) as fake:
        muted = fake.add_channel("read-only")
        fake.world.channels[muted]["permission_overwrites"] = [  # @everyone may read, not send
            {"id": str(fake.world.guild_id), "type": 0, "allow": "0", "deny": str(1 << 11)}]
        async with connected_bot(fake, engine, config) as client:
            me = client.user
            assert me is not None
            asked = fake.inject_message(f"<@{me.id}> {QUESTION}", mentions=[me.id], channel_id=muted)
            _, reply = await ask_by_message(fake, f"<@{me.id}> {QUESTION}", mentions=[me.id])  # then elsewhere
            assert reply["embeds"]
            assert not replies_to(fake, asked)  # nothing sent (or attempted) where it may not write
    assert "Traceback" not in caplog.text
