"""`summit-bot run`: exit codes and one-line errors, the token never logged, and the real entry point
serving a fake Discord as a subprocess until SIGTERM."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest

from bot.answering.engine import Engine
from bot.discord_app.runner import REDACTED, RedactSecret, run_bot, serve
from bot.settings import Settings
from tests.conftest import make_settings
from tests.fake_discord import GUILD_ID, FakeDiscord, patch_discord

from .helpers import bot_process, clean_env, only_embed, quote_of, run_cli, shown_text

COMMANDS = {"ask", "leaders", "leader", "sources", "about", "reindex", "stats"}


def test_without_a_token_run_exits_2_with_one_line(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("SUMMIT_BOT_TOP_K=3\n", encoding="utf-8")  # a .env without the token
    result = run_cli(tmp_path, clean_env(tmp_path))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("summit-bot: DISCORD_TOKEN is not set")
    # The help it points to exists: the README's Discord section, with its steps 1 and 3.
    assert "README.md, section Discord, steps 1 and 3" in result.stderr
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert "\n## Discord\n" in readme and "\n### 1. Create" in readme and "\n### 3. Configure" in readme


def test_a_broken_corpus_stops_run_before_connecting(tmp_path: Path) -> None:
    empty = tmp_path / "corpus"
    empty.mkdir()
    token = "c2VjcmV0LXRva2Vu.broken.corpus"
    result = run_cli(tmp_path, clean_env(tmp_path, DISCORD_TOKEN=token, SUMMIT_BOT_CORPUS_DIR=str(empty)))
    assert result.returncode == 1
    expected = f"summit-bot: broken corpus file: {empty}: no articles (*.md) in the corpus folder"
    assert result.stderr.strip().splitlines() == [expected]
    assert "Traceback" not in result.stderr and token not in result.stderr + result.stdout


def test_an_invalid_log_level_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = make_settings(tmp_path, discord_token="x", log_level="LOUD")
    assert run_bot(settings) == 2
    assert capsys.readouterr().err.startswith("summit-bot: SUMMIT_BOT_LOG_LEVEL must be")


async def test_a_rejected_token_exits_2_with_one_line(
    tmp_path: Path, engine: Engine, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    async with FakeDiscord() as fake:
        fake.reject_token = True
        with patch_discord(fake):
            code = await serve(engine, make_settings(tmp_path, index_dir=settings.index_dir), "wrong-token")
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("summit-bot: Discord rejected DISCORD_TOKEN")
    assert "wrong-token" not in err


async def test_a_guild_the_bot_cannot_sync_to_exits_1_with_one_line(
    tmp_path: Path, engine: Engine, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    bot_settings = make_settings(tmp_path, index_dir=settings.index_dir, discord_guild_id=GUILD_ID + 1)
    async with FakeDiscord() as fake:
        with patch_discord(fake):
            code = await serve(engine, bot_settings, fake.token)
    assert code == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"summit-bot: cannot sync slash commands to guild {GUILD_ID + 1} (DISCORD_GUILD_ID)")


def test_the_token_is_redacted_from_messages_arguments_and_tracebacks() -> None:
    secret = "c2VjcmV0LXRva2Vu.abc.def"
    redactor = RedactSecret(secret)
    try:
        raise RuntimeError(f"header Authorization: Bot {secret}")
    except RuntimeError:
        record = logging.LogRecord("discord.http", logging.ERROR, __file__, 1, "sent %s", (secret,), sys.exc_info())
    assert redactor.filter(record)
    formatted = logging.Formatter().format(record)
    assert secret not in formatted
    assert f"sent {REDACTED}" in formatted and f"Bot {REDACTED}" in formatted


async def test_summit_bot_run_logs_in_syncs_answers_and_stops_on_sigterm(
    tmp_path: Path, engine: Engine, settings: Settings
) -> None:
    async with FakeDiscord() as fake:
        # The token comes from .env this time; blank settings there mean "default", as in .env.example.
        (tmp_path / ".env").write_text(f"DISCORD_TOKEN={fake.token}\nDISCORD_GUILD_ID=\nALLOWED_CHANNEL_IDS=\n",
                                       encoding="utf-8")
        async with bot_process(fake, tmp_path, SUMMIT_BOT_INDEX_DIR=str(settings.index_dir),
                               SUMMIT_BOT_LOG_LEVEL="DEBUG") as bot:
            await fake.wait_until_ready(timeout=90)
            assert {c["name"] for c in fake.registered_commands(None)} == COMMANDS
            question = "What did Maduro propose?"
            interaction = fake.inject_slash_command("ask", {"question": question})
            followup = await fake.wait_for_followup(interaction.token, timeout=20)
            embed = only_embed(followup.json)
            assert embed["title"] == question
            assert shown_text(quote_of(embed["description"])) == engine.ask(question).citations[0].passage.text
            code = await bot.stop()
        logs = bot.logs()
        assert code == 0, logs[-3000:]
        assert fake.token not in logs
        assert "DEBUG discord.gateway" in logs and "DEBUG discord.http" in logs  # DEBUG really was on
        assert "SIGTERM received; finishing the answers in flight, then disconnecting" in logs
        assert "Traceback" not in logs and "WARNING" not in logs and "ERROR" not in logs
        connection = fake.gateway_connections[-1]
        assert connection.closed_at is not None and not connection.closed_by_server  # the bot hung up itself
        assert (tmp_path / "state" / "command-sync.json").is_file()
