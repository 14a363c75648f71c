"""Reading back what the bot rendered (undoing our markdown to compare with the verbatim passage),
and running the real `summit-bot` entry point against a fake Discord."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from discord import app_commands

from bot.answering.engine import Engine
from bot.discord_app.client import SummitBot
from bot.settings import Settings
from tests.conftest import CORPUS_DIR
from tests.fake_discord import FakeDiscord, InteractionState, RecordedRequest, running_bot

SUMMIT_BOT = Path(sys.executable).with_name("summit-bot")
FAKE_SITE = Path(__file__).with_name("fake_site")

_ESCAPABLE = set("\\*_`~|>#-[]()")


def _scan(markdown: str) -> tuple[str, list[str]]:
    """(shown text, bold parts): escapes resolved, our `**` markers removed."""
    out: list[str] = []
    bold: list[str] = []
    start: int | None = None
    i = 0
    while i < len(markdown):
        ch = markdown[i]
        if ch == "\\" and i + 1 < len(markdown) and markdown[i + 1] in _ESCAPABLE:
            out.append(markdown[i + 1])
            i += 2
        elif markdown.startswith("**", i):
            if start is None:
                start = len(out)
            else:
                bold.append("".join(out[start:]))
                start = None
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out).replace("@\u200b", "@"), [b.replace("@\u200b", "@") for b in bold]


def unquote(markdown: str) -> str:
    """A block quote's lines without their "> "."""
    return "\n".join(line[2:] if line.startswith("> ") else line for line in markdown.split("\n"))


def shown_text(markdown: str) -> str:
    """The characters a reader sees in a quoted, highlighted, escaped passage."""
    return _scan(unquote(markdown))[0]


def bold_parts(markdown: str) -> list[str]:
    """The texts shown in bold (our highlights), unescaped."""
    return _scan(unquote(markdown))[1]


def quote_of(block: str) -> str:
    """The quoted passage of a citation block (its block-quote lines, before the "— [1] …" citation)."""
    return "\n".join(line for line in block.split("\n") if line.startswith("> "))


def citation_of(block: str) -> str:
    """The citation line under a quoted passage ("— \\[1\\] Section — ¶9")."""
    return block.rsplit("\n", 1)[-1]


# -- the bot ---------------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def connected_bot(fake: FakeDiscord, engine: Engine, settings: Settings,
                        *commands: app_commands.Command[Any, ..., Any]) -> AsyncIterator[SummitBot]:
    """A real `SummitBot` (plus test-only `commands`) connected to `fake`; afterwards, no unknown API calls."""
    client = SummitBot(engine, settings, guild_ready_timeout=0.05)
    for command in commands:
        client.tree.add_command(command)
    async with running_bot(fake, client):
        yield client
    fake.assert_no_unknown_requests()


# -- reading what the bot sent -----------------------------------------------------------------


def sent_for(fake: FakeDiscord, state: InteractionState) -> list[dict[str, Any]]:
    """Every message payload the bot sent for an interaction (callback data, followups, edits), in order."""
    payloads = []
    for request in fake.requests:
        if not request.ok:
            continue
        if request.path == f"/interactions/{state.id}/{state.token}/callback":
            if request.json.get("type") in (4, 7):
                payloads.append(request.json["data"])
        elif state.token in request.path and request.path.startswith("/webhooks/"):
            payloads.append(request.json)
    return payloads


def message_requests(fake: FakeDiscord) -> list[RecordedRequest]:
    """Every request by which the bot sent or edited a message."""
    return [r for r in fake.requests
            if (r.method == "POST" and r.path.startswith("/channels/") and r.path.endswith("/messages"))
            or (r.path.startswith("/webhooks/") and r.method in ("POST", "PATCH"))
            or (r.path.endswith("/callback") and isinstance(r.json, dict) and r.json.get("type") in (4, 7))]


async def run_command(fake: FakeDiscord, name: str, options: dict[str, Any] | None = None, *, messages: int = 1,
                      **kwargs: Any) -> tuple[InteractionState, list[dict[str, Any]]]:
    """Inject `/name`, wait until the bot sent `messages` messages for it; the state and those payloads."""
    interaction = fake.inject_slash_command(name, options, **kwargs)
    state = await fake.wait_for_ack(interaction.id)

    def finished() -> list[dict[str, Any]] | None:
        sent = sent_for(fake, state)
        return sent if len(sent) >= messages and not state.original_loading else None

    sent = await fake.wait_for(finished, timeout=10.0, what=f"/{name} answered")
    return state, sent


def replies_to(fake: FakeDiscord, message_id: int, since: int = 0) -> list[RecordedRequest]:
    """The bot's replies (channel messages referencing it) to a message, from request `since` on."""
    return [r for r in fake.requests[since:]
            if r.method == "POST" and r.path.startswith("/channels/") and r.path.endswith("/messages")
            and str((r.json.get("message_reference") or {}).get("message_id")) == str(message_id)]


async def ask_by_message(fake: FakeDiscord, content: str, **kwargs: Any) -> tuple[int, dict[str, Any]]:
    """Send a message as a user; the bot's one reply to it (the payload it sent)."""
    since = len(fake.requests)
    message_id = fake.inject_message(content, **kwargs)
    found = await fake.wait_for(lambda: replies_to(fake, message_id, since), timeout=10.0, what="reply")
    assert len(found) == 1 and found[0].ok, found
    return message_id, found[0].json


def only_embed(payload: dict[str, Any]) -> dict[str, Any]:
    embeds = payload.get("embeds") or []
    assert len(embeds) == 1, payload
    return embeds[0]


def corpus_text(settings: Settings) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(Path(settings.corpus_dir).glob("*.md")))


# -- the `summit-bot` process --------------------------------------------------------------------


def clean_env(tmp_path: Path, **values: str) -> dict[str, str]:
    """The environment without any Discord or summit-bot setting, plus `values`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SUMMIT_BOT_", "ALLOWED_"))}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", SUMMIT_BOT_STATE_DIR=str(tmp_path / "state"),
               SUMMIT_BOT_INDEX_DIR=str(tmp_path / "index"), SUMMIT_BOT_CORPUS_DIR=str(CORPUS_DIR))
    env.update(values)
    return env


def run_cli(tmp_path: Path, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`summit-bot run` to completion (for runs that stop before connecting)."""
    return subprocess.run([str(SUMMIT_BOT), "run"], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)


@dataclass
class BotProcess:
    """A running `summit-bot run` and the files its output goes to."""

    process: asyncio.subprocess.Process
    stdout: Path
    stderr: Path

    def logs(self) -> str:
        return self.stdout.read_text(encoding="utf-8") + self.stderr.read_text(encoding="utf-8")

    async def stop(self, timeout: float = 30) -> int:  # noqa: ASYNC109
        """SIGTERM, then the exit code."""
        self.process.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.process.wait(), timeout=timeout)


@contextlib.asynccontextmanager
async def bot_process(
    fake: FakeDiscord, tmp_path: Path, *, executable: Path = SUMMIT_BOT, **env: str
) -> AsyncIterator[BotProcess]:
    """`summit-bot run` in `tmp_path`, pointed at `fake` (settings: `clean_env` plus `env`); killed if left running.

    `executable` is the `summit-bot` to run (another venv's, for the lean install).
    """
    full_env = clean_env(tmp_path, FAKE_DISCORD_API=fake.api_base, FAKE_DISCORD_GATEWAY=fake.gateway_url,
                         PYTHONPATH=os.pathsep.join(filter(None, [str(FAKE_SITE), os.environ.get("PYTHONPATH")])),
                         **env)
    stdout, stderr = tmp_path / "stdout.log", tmp_path / "stderr.log"
    with stdout.open("wb") as out, stderr.open("wb") as err:
        process = await asyncio.create_subprocess_exec(str(executable), "run", cwd=tmp_path, env=full_env,
                                                       stdout=out, stderr=err)
    try:
        yield BotProcess(process, stdout, stderr)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
