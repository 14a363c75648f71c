"""Faults: the gateway dropping mid-load, Discord answering 429 and 500, a damaged or unwritable index,
an index that cannot be rebuilt, and a broken corpus file. The bot resumes, retries, rebuilds or
refuses to start with one clear line; users never see a traceback."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.answering.engine import Engine
from bot.corpus.catalog import Catalog
from bot.discord_app.runner import run_bot
from bot.index.passage_index import VECTORS_FILE, PassageIndex
from bot.provision import index_key
from bot.settings import Settings
from tests.conftest import CORPUS_DIR, make_settings
from tests.discord_app.helpers import bot_process, clean_env, only_embed, run_cli
from tests.fake_discord import FakeDiscord

from .conftest import ASKS, MENTIONS, USERS, WINDOW, assert_healthy, bot_settings
from .load import measure, new_users, serving

QUESTION = "What did Maduro propose?"

# -- the gateway and REST --------------------------------------------------------------------------


async def test_the_session_resumes_after_a_dropped_socket_and_a_reconnect_request_mid_load(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    config = bot_settings(settings, tmp_path, cooldown_rate=ASKS // USERS)
    async with serving(engine, config) as (fake, _):

        async def reconnect_once_resumed() -> None:
            # discord.py waits a random 0-1 s before it resumes after the drop; op 7 needs a live socket.
            await fake.wait_for(fake.gateway.live_connection, timeout=10, what="the first resume")
            await fake.send_reconnect()

        hooks = {ASKS // 3: lambda: fake.drop_gateway(4000), 2 * ASKS // 3: reconnect_once_resumed}
        report = await measure(fake, engine, new_users(fake, USERS), asks=ASKS, window=WINDOW, hooks=hooks)
        connections = [(c.path, c.resumed, c.close_code) for c in fake.gateway_connections]
    assert_healthy(report, config, resumes=2)  # everything answered, before, during and after the resumes
    assert connections[0] == ("/", False, 4000)
    assert [(path, resumed) for path, resumed, _ in connections[1:]] == [("/resume", True)] * 2


async def test_answers_arrive_once_a_rate_limit_lifts(
    engine: Engine, settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = bot_settings(settings, tmp_path, cooldown_rate=(ASKS + MENTIONS) // USERS)
    async with serving(engine, config) as (fake, _):
        answers = r"^/webhooks/\d+/[^/]+$|^/channels/\d+/messages$"  # followups and replies to mentions
        # Limited for as many answers as there are questions (a count, not a time window, so a slow
        # machine cannot let answers slip past it): the first answers are refused, retried, refused again.
        rule = fake.rate_limit("POST", answers, times=ASKS + MENTIONS, retry_after=0.5)
        with caplog.at_level(logging.WARNING, logger="discord"):
            report = await measure(fake, engine, new_users(fake, USERS), asks=ASKS, mentions=MENTIONS,
                                   window=WINDOW)
        sent = fake.requests_to("POST", answers)
    refused, delivered = [r for r in sent if r.status == 429], [r for r in sent if r.ok]
    assert_healthy(report, config)  # every question answered, once, despite the 429s
    assert rule.hits == len(refused) == ASKS + MENTIONS
    assert max(r.at for r in refused) <= min(r.at for r in delivered)  # nothing slipped through while limited
    assert any("rate limited" in r.getMessage() for r in caplog.records)


async def test_a_500_on_a_callback_is_retried_or_logged_and_the_others_are_served(
    engine: Engine, settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = bot_settings(settings, tmp_path, cooldown_rate=ASKS // USERS)
    async with serving(engine, config) as (fake, _):
        unlucky, rules = [], []

        async def fail_two_callbacks() -> None:
            for failures in (1, 2):  # discord.py retries a 500 once after 1 s; twice runs past Discord's 3 s
                user = fake.add_user(f"unlucky{failures}").id
                interaction = fake.inject_slash_command("ask", {"question": QUESTION}, user_id=user)
                rules.append(fake.fail("POST", rf"^/interactions/{interaction.id}/", status=500, times=failures))
                unlucky.append(interaction.id)

        with caplog.at_level(logging.INFO, logger="bot"):
            report = await measure(fake, engine, new_users(fake, USERS), asks=ASKS, window=WINDOW,
                                   hooks={ASKS // 2: fail_two_callbacks})
            once, twice = (fake.interaction_state(i) for i in unlucky)

            def logged() -> list[str]:
                return [r.getMessage() for r in caplog.records if str(twice.id) in r.getMessage()]

            await fake.wait_for(logged, timeout=10, what="the lost interaction logged")
            await fake.wait_for(lambda: len(twice.rejections) >= 2, timeout=5, what="the apology attempted")
    assert_healthy(report, config)
    # The 500 was answered once, discord.py retried, and the fake (which enforces the 3 s deadline) accepted it.
    assert [rule.hits for rule in rules] == [1, 2]
    assert once.acked and once.rejections == [] and once.followups
    assert not twice.acked
    assert logged()[0].startswith(f"/ask could not be answered (interaction {twice.id}, ")
    assert logged()[0].endswith("Discord answered 404 Unknown interaction")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]  # one line, no traceback


# -- the index -------------------------------------------------------------------------------------


async def test_summit_bot_run_rebuilds_a_damaged_index_and_serves(
    private_index: Settings, engine: Engine, tmp_path: Path
) -> None:
    vectors = private_index.index_dir / VECTORS_FILE
    vectors.write_bytes(vectors.read_bytes()[: vectors.stat().st_size // 2])  # truncated while stopped
    async with FakeDiscord() as fake, bot_process(fake, tmp_path, DISCORD_TOKEN=fake.token,
                                                  SUMMIT_BOT_INDEX_DIR=str(private_index.index_dir)) as bot:
        await fake.wait_until_ready(timeout=90)
        interaction = fake.inject_slash_command("ask", {"question": QUESTION})
        followup = await fake.wait_for_followup(interaction.token, timeout=20)
        assert only_embed(followup.json)["title"] == QUESTION
        code = await bot.stop()
    logs = bot.logs()
    assert code == 0, logs[-3000:]
    assert f"rebuilding the index: index file {vectors} is damaged (checksum mismatch)" in logs
    assert "Traceback" not in logs and "ERROR" not in logs
    catalog = Catalog.from_settings(private_index)
    assert len(PassageIndex.load(private_index.index_dir, index_key(catalog))) == len(engine.index)  # saved whole


def test_starting_with_an_index_directory_that_cannot_be_written_serves_from_memory(
    engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """As `summit-bot run` starts (`Engine.open`, then questions): the index, the embedding cache and the
    ONNX export all fail to save, and the bot still answers. (tests/test_index.py: `ensure_index` alone.)"""
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the index's parent folder should be\n", encoding="utf-8")  # root ignores chmod
    unwritable = make_settings(tmp_path, index_dir=blocker / "index")
    with caplog.at_level(logging.INFO, logger="bot"):
        served = Engine.open(unwritable)
        answer = served.ask(QUESTION)
    assert answer.answered and answer.citations[0].passage.id == engine.ask(QUESTION).citations[0].passage.id
    assert f"could not save the index to {blocker / 'index'}" in caplog.text
    assert "using it from memory, it will be rebuilt next start" in caplog.text
    assert "queries will use sentence-transformers" in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_when_the_index_cannot_be_rebuilt_run_stops_with_one_line(
    private_index: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str], restored_logging: None
) -> None:
    vectors = private_index.index_dir / VECTORS_FILE
    data = vectors.read_bytes()
    vectors.write_bytes(data[:-1] + bytes([data[-1] ^ 0xFF]))  # damaged ...
    gone = tmp_path / "model"  # ... and the model's files gone: nothing to rebuild with
    gone.mkdir()
    token = "c2VjcmV0LXRva2Vu.cannot.rebuild"
    code = run_bot(private_index.model_copy(update={"model": str(gone), "discord_token": SecretStr(token)}))
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1 and err.startswith(f"summit-bot: cannot load embedding model '{gone}'")
    assert "Traceback" not in err and token not in err


# -- the corpus --------------------------------------------------------------------------------------


def test_a_corpus_file_with_broken_front_matter_stops_run_naming_the_file(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS_DIR, corpus)
    [article] = corpus.glob("*.md")
    text = article.read_text(encoding="utf-8")
    article.write_text(text.replace('author = "Pablo Meriguet"', 'author = "Pablo Meriguet'), encoding="utf-8")
    token = "c2VjcmV0LXRva2Vu.broken.front.matter"
    result = run_cli(tmp_path, clean_env(tmp_path, DISCORD_TOKEN=token, SUMMIT_BOT_CORPUS_DIR=str(corpus)))
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"summit-bot: broken corpus file: {article}: bad front matter (TOML): ")
    assert "Traceback" not in result.stderr and token not in result.stderr + result.stdout
