"""The token: never in a log record at any level (nothing redacts them here), never in an exception
message, never in the settings' text; `.env` never committed. (The `summit-bot run` process, whose
log handlers redact it as well, is checked in tests/discord_app/test_runner.py.)"""

from __future__ import annotations

import logging
import shutil
import subprocess
import traceback
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.answering.engine import Engine
from bot.discord_app.runner import serve
from bot.settings import PROJECT_ROOT, Settings
from tests.discord_app.helpers import ask_by_message, run_command
from tests.fake_discord import BOT_USER_ID, FakeDiscord, patch_discord

from .conftest import bot_settings
from .load import new_users, serving

SECRET = "c2VjcmV0LXNlY3VyaXR5LXRlc3Q.ZmFrZQ.never-log-me-7f3a9c"


def leaks(record: logging.LogRecord) -> bool:
    """Whether the token shows anywhere a handler could print from a record."""
    parts = [record.getMessage(), repr(record.args), record.stack_info or "", record.exc_text or ""]
    if record.exc_info and record.exc_info[1] is not None:
        parts.append("".join(traceback.format_exception(record.exc_info[1])))
    return any(SECRET in part for part in parts)


async def test_a_full_session_at_debug_never_logs_the_token(
    engine: Engine, settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    for name in (None, "discord", "bot"):
        caplog.set_level(logging.DEBUG, logger=name)
    config = bot_settings(settings, tmp_path, discord_token=SecretStr(SECRET), cooldown_rate=100)
    async with serving(engine, config, token=SECRET) as (fake, bot):
        [user] = new_users(fake, 1)
        await run_command(fake, "ask", {"question": "What did Maduro propose?"}, user_id=user)
        await ask_by_message(fake, f"<@{BOT_USER_ID}> What did Arce say?", author_id=user)
        await fake.wait_for_ack(fake.inject_autocomplete("leader", "name", "dia", user_id=user).id)
        fake.rate_limit("POST", r"^/webhooks/", times=1, retry_after=0.1)  # a 429, logged as a warning
        await run_command(fake, "ask", {"question": "Who spoke for Cuba?"}, user_id=user)
        fake.fail("POST", r"^/webhooks/", status=400, times=1,  # a failure logged with its traceback
                  body={"message": "Invalid Form Body", "code": 50035, "errors": {}})
        await run_command(fake, "ask", {"question": "What did Ortega stress?"}, user_id=user)
        await fake.drop_gateway(4000)  # RESUME carries the token
        await fake.wait_for_resume(1)
        await fake.send_reconnect()
        await fake.wait_for_resume(2)
        await run_command(fake, "about", user_id=user)
        assert SECRET not in repr(bot.settings) + str(bot.settings) + bot.settings.model_dump_json()
    records = caplog.records
    assert sum(r.levelno == logging.DEBUG and r.name.startswith("discord.") for r in records) > 50  # DEBUG was on
    assert any(r.levelno == logging.WARNING for r in records) and any(r.exc_info for r in records)
    assert not [r.getMessage()[:200] for r in records if leaks(r)]


async def test_a_rejected_token_is_in_neither_our_message_nor_any_log_record(
    engine: Engine, settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name in (None, "discord", "bot"):
        caplog.set_level(logging.DEBUG, logger=name)
    config = bot_settings(settings, tmp_path, discord_token=SecretStr(SECRET))
    async with FakeDiscord(token="the-right-one") as fake:
        fake.reject_token = True
        with patch_discord(fake):
            assert await serve(engine, config, SECRET) == 2
    out, err = capsys.readouterr()
    assert err.startswith("summit-bot: Discord rejected DISCORD_TOKEN") and SECRET not in out + err
    assert caplog.records and not [r.getMessage()[:200] for r in caplog.records if leaks(r)]


@pytest.mark.skipif(shutil.which("git") is None or not (PROJECT_ROOT / ".git").exists(), reason="needs a git checkout")
def test_dot_env_is_ignored_by_git_and_the_example_holds_no_token() -> None:
    ignored = subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=PROJECT_ROOT, check=False)
    assert ignored.returncode == 0
    tracked = subprocess.run(["git", "ls-files", "--", ".env"], cwd=PROJECT_ROOT, capture_output=True, text=True,
                             check=True)
    assert tracked.stdout == ""
    example = (PROJECT_ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
    assert "DISCORD_TOKEN=" in example  # present and empty
