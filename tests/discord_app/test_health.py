"""`/healthz` and `/metrics` of the real bot on the fake Discord: a gateway outage flips health to 503 and
back, and every counter moves by exactly what the test did."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import aiohttp
import pytest
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families

from bot.answering.engine import Engine
from bot.discord_app.client import SummitBot, component_kind
from bot.settings import Settings
from tests.conftest import make_settings
from tests.fake_discord import FakeDiscord, running_bot

from .helpers import run_command

ON_TOPIC = ["What did Maduro propose?", "Who wrote the article?"]
OFF_TOPIC = "What is the capital of Australia?"


async def _get(bot: SummitBot, path: str) -> tuple[int, str]:
    assert bot.health_server is not None
    url = f"http://127.0.0.1:{bot.health_server.port}{path}"
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.text()


async def _eventually(probe: Callable[[], object], attempts: int = 200) -> None:
    for _ in range(attempts):  # bounded: 200 × 50 ms
        if await probe():  # type: ignore[misc]
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not reached")


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


@pytest.fixture
async def served(engine: Engine, settings: Settings, tmp_path: Path) -> AsyncIterator[tuple[FakeDiscord, SummitBot]]:
    config = make_settings(tmp_path, index_dir=settings.index_dir, metrics_port=0)
    async with FakeDiscord() as fake:
        bot = SummitBot(engine, config, guild_ready_timeout=0.05)
        async with running_bot(fake, bot):
            yield fake, bot


async def test_healthz_is_503_during_a_gateway_outage_and_200_once_resumed(
    served: tuple[FakeDiscord, SummitBot], engine: Engine
) -> None:
    fake, bot = served
    status, body = await _get(bot, "/healthz")
    assert status == 200
    assert json.loads(body) == {"status": "ok", "gateway": "connected", "shards": {"": True},
                                "index": {"loaded": True, "passages": len(engine.index)}}

    fake.hold_gateway()
    await fake.drop_gateway(4000)
    await fake.wait_for(lambda: fake.gateway.waiting >= 1, timeout=15, what="the bot knocking to reconnect")
    status, body = await _get(bot, "/healthz")
    assert status == 503
    assert json.loads(body)["gateway"] == "disconnected" and json.loads(body)["status"] == "unavailable"

    fake.admit_gateway()
    await fake.wait_for_resume(1, timeout=15)

    async def healthy() -> bool:
        return (await _get(bot, "/healthz"))[0] == 200

    await _eventually(healthy)
    metrics = _samples((await _get(bot, "/metrics"))[1])
    assert metrics[("summit_bot_gateway_disconnects_total", ())] == 1
    assert metrics[("summit_bot_gateway_reconnects_total", ())] == 1
    assert metrics[("summit_bot_gateway_resumes_total", ())] == 1
    assert fake.identify_count == 1  # resumed, not identified again


async def test_metrics_count_exactly_the_questions_429s_clicks_votes_and_store_errors_the_test_made(
    served: tuple[FakeDiscord, SummitBot], engine: Engine
) -> None:
    fake, bot = served
    before = _samples((await _get(bot, "/metrics"))[1])
    assert before[("summit_bot_questions_total", (("confidence", "high"),))] == 0
    assert before[("summit_bot_answer_seconds_count", ())] == 0

    rule = fake.rate_limit("*", r"^/webhooks/", times=2, retry_after=0.05)
    messages = []
    for question in [*ON_TOPIC, OFF_TOPIC]:
        state, _ = await run_command(fake, "ask", {"question": question})
        assert state.original is not None
        messages.append(state.original)
    vote = fake.inject_component("sb:vote:up", messages[0]["id"])
    await fake.wait_for_ack(vote.id)
    vote_cast = ("summit_bot_votes_total", (("vote", "up"),))

    async def voted() -> bool:
        return _samples((await _get(bot, "/metrics"))[1]).get(vote_cast, 0) >= 1

    await _eventually(voted)
    # A store that cannot write: the next question's record fails, once.
    bot.store.flush()
    bot.store.read(lambda conn: conn.execute(sa.text("DROP TABLE questions")))
    await run_command(fake, "ask", {"question": ON_TOPIC[0]})
    bot.store.flush()

    text = (await _get(bot, "/metrics"))[1]
    after = _samples(text)
    expected = dict.fromkeys(("high", "medium", "none"), 0)
    for question in [*ON_TOPIC, OFF_TOPIC, ON_TOPIC[0]]:
        expected[engine.ask(question).confidence] += 1
    for confidence, count in expected.items():
        assert after[("summit_bot_questions_total", (("confidence", confidence),))] == count, confidence
    assert after[("summit_bot_answer_seconds_count", ())] == 4
    assert after[("summit_bot_rate_limited_total", ())] == rule.hits == 2
    assert after[("summit_bot_button_clicks_total", (("component", "sb:vote:up"),))] == 1
    assert after[vote_cast] == 1 and after[("summit_bot_votes_total", (("vote", "down"),))] == 0
    assert after[("summit_bot_store_errors_total", ())] == 1
    assert after[("summit_bot_index_passages", ())] == len(engine.index)
    assert after[("summit_bot_index_build_seconds", ())] == engine.index.manifest.build_seconds
    assert after[("summit_bot_gateway_latency_seconds", (("shard", ""),))] >= 0
    assert after[("summit_bot_gateway_disconnects_total", ())] == 0
    assert "# TYPE summit_bot_answer_seconds histogram" in text


async def test_the_endpoints_are_off_by_default_and_bind_loopback_when_on(tmp_path: Path) -> None:
    assert make_settings(tmp_path).metrics_port is None
    assert make_settings(tmp_path, metrics_port=9108).metrics_host == "127.0.0.1"


async def test_health_command_reports_the_running_bot(served: tuple[FakeDiscord, SummitBot], tmp_path: Path) -> None:
    _, bot = served
    assert bot.health_server is not None
    env = {"SUMMIT_BOT_METRICS_PORT": str(bot.health_server.port), "PATH": "/usr/bin:/bin",
           "SUMMIT_BOT_STATE_DIR": str(tmp_path), "PYTHONPATH": os.environ.get("PYTHONPATH", "")}
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "health", env=env, cwd=tmp_path,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await process.communicate()
    assert process.returncode == 0, err
    assert json.loads(out)["status"] == "ok"


def test_component_kinds_never_carry_per_answer_ids() -> None:
    assert component_kind("sb:vote:up") == "sb:vote:up"
    assert component_kind("sb:more:1234:p9") == "sb:more"
    assert component_kind("sb:why:98765") == "sb:why"
    assert component_kind("123456") == "other"
    assert component_kind("") == "other"


def test_health_command_without_a_fixed_port_says_why_it_cannot_check(tmp_path: Path) -> None:
    import subprocess

    base = {"PATH": "/usr/bin:/bin", "SUMMIT_BOT_STATE_DIR": str(tmp_path),
            "PYTHONPATH": os.environ.get("PYTHONPATH", "")}
    for port, expected in ((None, "SUMMIT_BOT_METRICS_PORT is not set"), ("0", "pick any free port")):
        env = {**base, **({"SUMMIT_BOT_METRICS_PORT": port} if port else {})}
        result = subprocess.run([sys.executable, "-m", "bot", "health"], env=env, cwd=tmp_path, capture_output=True,
                                text=True, timeout=60, check=False)
        assert result.returncode == 2 and expected in result.stderr and "Traceback" not in result.stderr


async def test_half_sent_requests_are_capped_and_closed_and_healthz_answers_again(
        served: tuple[FakeDiscord, SummitBot]) -> None:
    """A client that opens connections and never finishes its request (the open-file exhaustion probe): beyond
    the cap each is closed at once, the rest when their head does not arrive in time, then /healthz answers."""
    _, bot = served
    server = bot.health_server
    assert server is not None
    server.HEAD_TIMEOUT = 0.5  # type: ignore[misc]  # this server's setting, shortened for the test
    cap = server.MAX_CONNECTIONS
    streams = []
    try:
        for _ in range(cap + 8):
            reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
            writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # no blank line: the head never ends
            with contextlib.suppress(ConnectionResetError):  # already closed by the server
                await writer.drain()
            streams.append((reader, writer))

        async def closed_unanswered(reader: asyncio.StreamReader) -> bool:
            try:
                return await asyncio.wait_for(reader.read(), timeout=10) == b""
            except ConnectionResetError:
                return True

        closed = [await closed_unanswered(reader) for reader, _ in streams]
        assert all(closed)  # every one closed by the server, none answered
        assert server.refused == 8 and server.timed_out == cap
    finally:
        for _, writer in streams:
            writer.close()
    assert (await _get(bot, "/healthz"))[0] == 200
    status, _ = await _get(bot, "/nothing-here")
    assert status == 404


def test_a_repeated_error_is_logged_once_a_minute_with_a_count_of_the_rest() -> None:
    from bot.discord_app.runner import RepeatLimit

    now = [0.0]
    limit = RepeatLimit(interval=60, clock=lambda: now[0])

    def record(message: str) -> logging.LogRecord:
        return logging.LogRecord("asyncio", logging.ERROR, __file__, 1, message, None, None)

    passed = [limit.filter(record("socket.accept() out of system resource")) for _ in range(15_000)]
    assert passed.count(True) == 1
    assert limit.filter(record("another fault"))  # other messages are not held back
    now[0] = 61
    later = record("socket.accept() out of system resource")
    assert limit.filter(later) and "14999 more like this" in later.getMessage()
