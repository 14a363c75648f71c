"""What a member sees, end to end through the fake Discord with the real discord.py client: for the questions
members asked and a sample of the blind dev set, the first reply leads with the answering passage, bold only
inside it, within the reading budget; nothing else in it is bold; a Spanish asker reads Spanish framing."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import discord
import pytest

from bot.answering.engine import Engine
from bot.discord_app import render
from bot.discord_app.client import SummitBot
from bot.i18n import texts
from tests.fake_discord import FakeDiscord

from .helpers import bold_parts, citation_of, only_embed, quote_of, run_command

pytestmark = pytest.mark.asyncio(loop_scope="package")

BLIND_DEV = Path(__file__).parents[2] / "eval" / "blind_dev.jsonl"
ES = texts("es")
ASKED = [  # questions members asked when the bot was tried out (issue 20)
    ("what did maduro propose??", "en-US"), ("¿cuánto dinero se prometió?", "es-419"),
    ("cuáles países participaron en la cumbre", "es-419"), ("who are the leaders that spoke?", "en-US"),
    ("did petro or lula attend?", "en-US"), ("¿Qué dijo Skerrit?", "es-ES"),
]
SAMPLE = [(row["question"], "es-419" if row.get("lang") == "es" else "en-US")
          for row in map(json.loads, BLIND_DEV.read_text(encoding="utf-8").splitlines()[::8])]
_askers = itertools.count()


@pytest.mark.parametrize(("question", "locale"), ASKED + SAMPLE)
async def test_the_first_reply_leads_with_the_answer_within_the_reading_budget(
    fake: FakeDiscord, bot: SummitBot, engine: Engine, question: str, locale: str
) -> None:
    asker = fake.add_user(f"member{next(_askers)}").id  # each their own cooldown
    _, [payload] = await run_command(fake, "ask", {"question": question}, user_id=asker, locale=locale)
    embed = only_embed(payload)
    answer = engine.ask(question)
    chars, lines = render.reply_size(discord.Embed.from_dict(embed))
    assert chars <= render.REPLY_BUDGET[0] and lines <= render.REPLY_BUDGET[1], (chars, lines)
    assert all("**" not in f["value"] for f in embed.get("fields") or []), "See also is never bold"
    description = embed["description"]
    if answer.answered and answer.overview is None:
        # the answering passage first, quoted, its highlights the only bold; then its citation
        assert description.startswith("> ") and citation_of(description).startswith("— \\[1\\] ")
        assert "**" not in citation_of(description)
        assert "".join(bold_parts(description)) == "".join(bold_parts(quote_of(description)))
    elif not answer.answered:
        assert not bold_parts(description)  # a refusal marks nothing as the answer
    if locale.startswith("es"):
        framing = [embed.get("author", {}).get("name"), *(f["name"] for f in embed.get("fields") or [])]
        assert all(name in (None, ES._(render.MAYBE), ES._("See also")) for name in framing), framing
        footer = embed.get("footer", {}).get("text", "")
        if answer.answered:
            assert ES._(render.REPLY_HINT) in footer and render.REPLY_HINT not in footer
