"""Two `summit-bot run` processes with two shards each (of four) against the fake Discord, sharing one
PostgreSQL question store: each guild's events reach the shard that owns it, each process answers its
own guilds, exactly one process syncs the commands, and both report their shards in /healthz."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import aiohttp
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families

from bot.answering.engine import Engine
from bot.settings import Settings
from tests.fake_discord import APPLICATION_ID, GUILD_ID, FakeDiscord
from tests.postgres import Cluster

from .helpers import bot_process, only_embed, quote_of, shown_text

SHARDS = 4
QUESTION = "What did Maduro propose?"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _guild_on_shard(shard: int, base: int = 2_000_000) -> int:
    """A snowflake that Discord routes to `shard` of SHARDS."""
    return (((base * SHARDS) + shard) << 22) + 4242


async def _get(port: int, path: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}{path}") as response:
        return response.status, await response.text()


def _questions(text: str) -> float:
    return sum(sample.value for family in text_string_to_metric_families(text) for sample in family.samples
               if sample.name == "summit_bot_questions_total")


async def test_two_processes_with_two_shards_each_answer_their_own_guilds_and_share_the_store(
    engine: Engine, settings: Settings, postgres: Cluster, tmp_path: Path
) -> None:
    url = postgres.new_database()
    shared_state = tmp_path / "state"  # one machine: the processes share the state dir (and its secret)
    async with FakeDiscord() as fake:
        guilds = {(GUILD_ID >> 22) % SHARDS: GUILD_ID}
        for shard in range(SHARDS):
            if shard not in guilds:
                guilds[shard], _ = fake.world.add_guild(f"guild-{shard}", guild_id=_guild_on_shard(shard))
        ports = {"0,1": _free_port(), "2,3": _free_port()}
        processes = {}
        for ids, port in ports.items():
            folder = tmp_path / ids.replace(",", "-")
            folder.mkdir()
            processes[ids] = bot_process(
                fake, folder, DISCORD_TOKEN=fake.token, SUMMIT_BOT_INDEX_DIR=str(settings.index_dir),
                SUMMIT_BOT_STATE_DIR=str(shared_state), SUMMIT_BOT_DATABASE_URL=url,
                SUMMIT_BOT_SHARD_COUNT=str(SHARDS), SUMMIT_BOT_SHARD_IDS=ids, SUMMIT_BOT_METRICS_PORT=str(port))
        async with processes["0,1"] as first, processes["2,3"] as second:

            def all_identified() -> bool:
                return sorted(tuple(i["shard"]) for i in fake.identifies if "shard" in i) == [
                    (s, SHARDS) for s in range(SHARDS)]

            try:  # each process waits 5 s between its shards' IDENTIFYs, as discord.py does
                await fake.wait_for(all_identified, timeout=180, what="four shard IDENTIFYs")
                for port in ports.values():
                    await _eventually_healthy(port)
            except (TimeoutError, AssertionError) as exc:
                raise AssertionError(first.logs()[-2000:] + second.logs()[-2000:]) from exc

            for shard, guild in sorted(guilds.items()):
                routed_before = len(fake.gateway.routed)
                interaction = fake.inject_slash_command("ask", {"question": QUESTION}, guild_id=guild)
                followup = await fake.wait_for_followup(interaction.token, timeout=30)
                expected = engine.ask(QUESTION).citations[0].passage.text
                assert shown_text(quote_of(only_embed(followup.json)["description"])) == expected
                assert (shard, "INTERACTION_CREATE") in fake.gateway.routed[routed_before:]

            health = {ids: json.loads((await _get(port, "/healthz"))[1]) for ids, port in ports.items()}
            assert health["0,1"]["shards"] == {"0": True, "1": True}
            assert health["2,3"]["shards"] == {"2": True, "3": True}
            answered = {ids: _questions((await _get(port, "/metrics"))[1]) for ids, port in ports.items()}
            assert answered == {"0,1": 2, "2,3": 2}  # each process answered the two guilds its shards own

            assert await first.stop() == 0 and await second.stop() == 0
        logs = first.logs() + second.logs()
        assert "Traceback" not in logs, logs[-3000:]
        assert "synced by the process that runs shard 0; not this one (shards 2,3)" in second.logs()
        syncs = fake.requests_to("PUT", rf"^/applications/{APPLICATION_ID}/commands$")
        assert len(syncs) == 1  # exactly one process registered the commands

    engine_pg = sa.create_engine(url)
    with engine_pg.connect() as conn:
        recorded = conn.execute(sa.text("SELECT guild_id FROM questions")).scalars().all()
    engine_pg.dispose()
    assert sorted(recorded) == sorted(guilds.values())  # both processes wrote into the one shared store


async def _eventually_healthy(port: int, attempts: int = 200) -> None:
    import asyncio

    for _ in range(attempts):  # bounded: 200 × 100 ms
        try:
            if (await _get(port, "/healthz"))[0] == 200:
                return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    raise AssertionError(f"/healthz on {port} never became 200")


def test_shard_settings_are_checked_and_only_the_process_with_shard_0_syncs(tmp_path: Path) -> None:
    import pytest
    from pydantic import ValidationError

    from tests.conftest import make_settings

    assert make_settings(tmp_path).syncs_commands and not make_settings(tmp_path).sharded
    assert make_settings(tmp_path, shard_count=4).syncs_commands  # one process running all four
    assert make_settings(tmp_path, shard_count=4, shard_ids="1,0").shard_ids == (0, 1)
    assert not make_settings(tmp_path, shard_count=4, shard_ids="2,3").syncs_commands
    for bad in ({"shard_ids": "0"}, {"shard_count": 2, "shard_ids": "2"}, {"shard_count": 2, "shard_ids": "0,,1"},
                {"shard_count": 0}):
        with pytest.raises(ValidationError):
            make_settings(tmp_path, **bad)
