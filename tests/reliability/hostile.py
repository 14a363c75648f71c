"""Hostile and odd questions, and what every reply to one must be: shared by tests/reliability and
bench/fuzz_inputs.py.

`check` puts a question through the real engine (`Engine.ask`) and renderer (`answer_embed`),
serialises the reply as discord.py does (`handle_message_parameters`, the JSON body of a followup),
and asserts: no exception but `QuestionError`, every Discord limit kept (the fake Discord's own
validator), mentions disabled, no live `@everyone`/`@here`/`<@id>` anywhere, and the question
echoed back escaped.
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal

import discord
from discord.http import handle_message_parameters
from hypothesis import strategies as st

from bot.answering.engine import Engine
from bot.answering.question import QuestionError
from bot.discord_app import render
from bot.discord_app.respond import NO_MENTIONS
from tests.discord_app.helpers import shown_text
from tests.fake_discord import FormErrors
from tests.fake_discord.limits import is_empty_message, validate_message

Outcome = Literal["refused", "answered", "not covered"]

HOSTILE = (
    "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u200e", "\u200f", "\u202a", "\u202e", "\u2066", "\u2069",
    "\x00", "\x07", "\x1b[31m", "\r\n", "\t", "\u2028", "\u0301", "\ud800", "\ue000", "\ue001",
    "@everyone", "@here", "<@1178004000000000301>", "<@!1178004000000000301>", "<@&1178004000000000401>",
    "<#1178004000000000200>", "@\u200beveryone", "@ everyone", "＠everyone",
    "**", "__", "~~", "||", "`", "```", "```py\nprint('x')\n```", "> ", ">>> ", "# ", "### ", "- ", "  - ", "1. ",
    "[link](https://evil.example/x_y)", "<https://evil.example>", "https://discord.gg/invite", "\\", "\\*",
    "مرحبا ", "שלום ", "Ελλάδα ", "日本語 ", "👍🏽", "🇻🇪", "é", "…", "\u00a0",
    "Maduro ", "What did Maduro propose? ", "Díaz-Canel ", "migration ", "ALBA-TCP ",
)

_piece = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=30),  # arbitrary unicode
    st.text(st.characters(codec=None, exclude_categories=()), max_size=8),  # surrogates, controls, private use
)
_long = st.builds(lambda piece, n: (piece * n)[:10_000], st.sampled_from((*HOSTILE, "why ", "x")),
                  st.integers(min_value=1, max_value=10_000))


def questions() -> st.SearchStrategy[str]:
    """Questions as a hostile or careless user types them: up to 10,000 characters of anything."""
    return st.one_of(st.lists(_piece, max_size=25).map("".join), _long)


def followup_json(*, content: str | None = None, embed: discord.Embed | None = None) -> dict[str, Any]:
    """The JSON body discord.py sends for `interaction.followup.send(...)` from our bot."""
    params = handle_message_parameters(content=content, embed=embed if embed is not None else discord.utils.MISSING,
                                       allowed_mentions=NO_MENTIONS,
                                       previous_allowed_mentions=discord.AllowedMentions.none())
    assert params.payload is not None
    return json.loads(json.dumps(params.payload, separators=(",", ":"), ensure_ascii=True))


def reply(engine: Engine, text: str) -> tuple[Outcome, dict[str, Any], str | None]:
    """What the bot answers to `text`: the outcome, the JSON sent, and the cleaned question (None if refused)."""
    try:
        answer = engine.ask(text)
    except QuestionError as exc:
        return "refused", followup_json(content=str(exc)), None
    outcome: Outcome = "answered" if answer.answered else "not covered"
    return outcome, followup_json(embed=render.answer_embed(answer)), answer.question


_LIVE_MENTION = re.compile(r"@(everyone|here)|<@[!&]?\d")


def strings(value: Any) -> list[str]:
    """Every string inside a JSON value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


def live_mentions(payload: dict[str, Any]) -> list[str]:
    """The strings in a message payload that would ping someone if Discord parsed its mentions."""
    return [s for s in strings(payload) if _LIVE_MENTION.search(s)]


def check(engine: Engine, text: str) -> Outcome:
    """Assert every invariant for `text` (see the module docstring); the outcome."""
    outcome, payload, question = reply(engine, text)
    errors = FormErrors()
    validate_message(payload, errors)
    assert not errors, (errors.paths, payload)
    assert not is_empty_message(payload), payload
    assert payload["allowed_mentions"] == {"parse": []}, payload
    assert not live_mentions(payload), payload
    if question is None:
        return outcome
    [embed] = payload["embeds"]
    assert render.embed_problems(discord.Embed.from_dict(embed)) == [], embed
    title = embed["title"]
    assert title == render.fit(question, render.TITLE_MAX)
    if ":/" not in question:  # links are left unescaped on purpose, which breaks the round trip
        shown = shown_text(title)
        assert shown == question or (shown.endswith(render.ELLIPSIS) and question.startswith(shown[:-1])), (
            title, question)
    return outcome
