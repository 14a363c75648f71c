"""Hostile and odd input. Hypothesis over the question text through the real engine, the renderer and
the JSON discord.py sends (bench/fuzz_inputs.py runs 10,000+ cases); the nastiest samples through
the fake Discord as `/ask` and as mentions; and clear answers to blank questions and junk autocomplete.
(Over-long questions and a bare mention are covered in tests/discord_app.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.answering.engine import Engine
from bot.settings import Settings
from tests.discord_app.helpers import ask_by_message, run_command
from tests.fake_discord import ADMIN_USER_ID, BOT_USER_ID, FakeDiscord, InteractionState

from . import hostile
from .conftest import bot_settings
from .load import new_users, serving

ME = f"<@{BOT_USER_ID}>"
IN_WORDS = "Please ask a question in words"
SAMPLES = (
    f"@everyone @here <@{ADMIN_USER_ID}> <@&1178004000000000401> what did Maduro propose?",
    "```py\nprint('x')\n``` **Maduro** __Arce__ ~~x~~ ||spoiler|| > quote # heading\n- item",
    "\u202eMaduro\u202c \u200bproposed\u200b what\x00?\x1b[31m",
    "https://discord.gg/invite [click](https://evil.example/x_y) <https://evil.example> Díaz-Canel",
    "مرحبا שלום 日本語 👍🏽🇻🇪 what did Cuba say?",
    "\\*escaped\\* \\@everyone @\u200beveryone ＠everyone",
    "why " * 2500,  # 10,000 characters
    "@\u200beveryoneA",  # typo repair turned it into "@everyone" for the footer (found by hypothesis)
    "what did @everyon say",
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(text=hostile.questions())
def test_any_question_gets_a_reply_within_discords_limits_that_pings_nobody(engine: Engine, text: str) -> None:
    hostile.check(engine, text)


def test_the_strategy_reaches_every_outcome(engine: Engine) -> None:
    seen: set[str] = set()

    @settings(max_examples=60, deadline=None, database=None)
    @given(text=st.one_of(hostile.questions(), st.sampled_from(["What did Maduro propose?", "\u200b", "x" * 600])))
    def collect(text: str) -> None:
        seen.add(hostile.check(engine, text))

    collect()
    assert seen == {"refused", "answered", "not covered"}


def assert_inert(payload: dict[str, Any], stored: dict[str, Any]) -> None:
    """The bot's message pings nobody: mentions disabled in what it sent, none resolved in what Discord stored."""
    assert payload["allowed_mentions"] == {"parse": []}, payload
    assert not hostile.live_mentions(payload), payload
    assert stored["mentions"] == [] and not stored["mention_everyone"] and not stored["mention_roles"], stored


def stored_answer(fake: FakeDiscord, state: InteractionState) -> dict[str, Any]:
    return fake.world.messages[state.message_ids[0]]


async def test_hostile_questions_through_discord_are_answered_and_ping_nobody(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    async with serving(engine, bot_settings(settings, tmp_path, cooldown_rate=100)) as (fake, _):
        [user] = new_users(fake, 1)
        for text in SAMPLES:
            state, [payload] = await run_command(fake, "ask", {"question": text}, user_id=user)
            assert not state.rejections, (text, state.rejections)
            assert_inert(payload, stored_answer(fake, state))
            _, payload = await ask_by_message(fake, f"{ME} {text}", author_id=user)
            reply = next(r for r in reversed(fake.requests) if r.json is payload)
            assert_inert(payload, reply.response)


async def test_blank_questions_and_junk_get_clear_answers(engine: Engine, settings: Settings, tmp_path: Path) -> None:
    async with serving(engine, bot_settings(settings, tmp_path, cooldown_rate=100)) as (fake, _):
        [user] = new_users(fake, 1)
        for blank in (" ", "\u200b\u200e\ufeff\u2066", "?!… — ***", "\x00\x00\x07"):
            state, [payload] = await run_command(fake, "ask", {"question": blank}, user_id=user)
            assert state.ack_type == 4 and state.ephemeral, blank  # only the asker sees it, nothing deferred
            assert payload["content"].startswith(IN_WORDS), payload
            _, payload = await ask_by_message(fake, f"{ME} {blank}", author_id=user)
            if blank.isspace():  # a mention with nothing after it: how to ask
                assert payload["content"].startswith("Hi! Ask me about the ALBA-TCP summit"), payload
            else:
                assert payload["content"].startswith(IN_WORDS), payload

        for junk in ("x" * 6000, "\x00\u202e@everyone", "<@&1> ``` || **", "🇻🇪" * 60, "\ud800"):
            interaction = fake.inject_autocomplete("leader", "name", junk, user_id=user)
            state = await fake.wait_for_ack(interaction.id)
            assert state.ack_type == 8 and not state.rejections, junk  # the fake checks Discord's choice limits
            assert state.autocomplete_choices == []

        state, [payload] = await run_command(fake, "leader", {"name": "\u202e" + "@everyone " * 700}, user_id=user)
        assert state.ack_type == 4 and state.ephemeral and not state.rejections
        assert payload["content"].startswith("I don't know a leader called") and len(payload["content"]) <= 2000
        assert_inert(payload, stored_answer(fake, state))
