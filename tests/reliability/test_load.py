"""Bursts of questions through the fake Discord: every `/ask` acknowledged within Discord's 3 s and
answered exactly once, mentions too, while the event loop keeps heartbeating on time; the per-user
cooldown and the concurrency cap hold. (bench/discord_load.py runs the full 200/50 load.)"""

from __future__ import annotations

from pathlib import Path

from bot.answering.engine import Engine
from bot.settings import Settings

from .conftest import ASKS, MENTIONS, USERS, WINDOW, assert_healthy, bot_settings
from .load import answers_to_click, measure, new_users, serving


async def test_a_burst_of_asks_is_acknowledged_in_time_and_answered_once(engine: Engine, settings: Settings,
                                                                        tmp_path: Path) -> None:
    config = bot_settings(settings, tmp_path, cooldown_rate=ASKS // USERS)  # everyone within budget
    async with serving(engine, config) as (fake, _):
        report = await measure(fake, engine, new_users(fake, USERS), asks=ASKS, window=WINDOW)
    assert_healthy(report, config)
    assert report.told_to_wait == 0


async def test_mentions_mixed_into_the_burst_are_answered_too(engine: Engine, settings: Settings,
                                                             tmp_path: Path) -> None:
    config = bot_settings(settings, tmp_path, cooldown_rate=(ASKS + MENTIONS) // USERS)
    async with serving(engine, config) as (fake, _):
        report = await measure(fake, engine, new_users(fake, USERS), asks=ASKS, mentions=MENTIONS, window=WINDOW)
    assert_healthy(report, config)
    assert len(report.mention_ms) == MENTIONS and report.told_to_wait == 0


async def test_the_cooldown_and_the_concurrency_cap_hold_under_load(engine: Engine, settings: Settings,
                                                                   tmp_path: Path) -> None:
    per_user = ASKS // USERS
    config = bot_settings(settings, tmp_path, cooldown_rate=per_user - 1, max_concurrent_answers=1)
    async with serving(engine, config) as (fake, _):
        report = await measure(fake, engine, new_users(fake, USERS), asks=ASKS, window=WINDOW)
    assert_healthy(report, config)
    assert report.told_to_wait == USERS  # each user's last question, told to wait (ephemerally), none dropped
    assert report.peak_answers == 1


async def test_button_clicks_mixed_into_the_burst_are_acknowledged_in_time_and_answered_once(
        engine: Engine, settings: Settings, tmp_path: Path) -> None:
    """As many clicks as questions (votes, More, Context and the closest passages, on answers sent just
    before), interleaved: every click acknowledged within Discord's 3 s, each answered exactly once."""
    # Clicks that search count against the question budget: everyone within it here (this test is about acks).
    config = bot_settings(settings, tmp_path, cooldown_rate=2 * ASKS + 4)
    async with serving(engine, config) as (fake, _):
        users = new_users(fake, USERS)
        targets = await answers_to_click(fake, users[0])
        assert sum(len(ids) for _, ids in targets) >= 12 and any("sb:vote:up" in ids for _, ids in targets)
        report = await measure(fake, engine, users, asks=ASKS, window=WINDOW, clicks=ASKS, targets=targets)
    assert_healthy(report, config)
    figures = report.figures()
    assert report.clicks_acked == report.clicks == ASKS and report.clicks_late == 0, figures
    assert report.clicks_answered == ASKS and report.clicks_lost == 0, (figures, report.lost_ids)
    assert report.clicks_duplicated == 0 and report.told_to_wait == 0, figures
