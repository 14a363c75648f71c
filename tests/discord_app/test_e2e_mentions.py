"""Questions by mention, reply or DM, end to end through the fake (which withholds content like Discord)."""

from __future__ import annotations

import asyncio

import pytest

from bot.answering.engine import Engine
from bot.discord_app import render, replies
from bot.discord_app.client import SummitBot
from bot.i18n import texts
from tests.fake_discord import BOT_USER_ID, CHANNEL_ID, FakeDiscord

from .conftest import COOLDOWN_RATE
from .helpers import ask_by_message, only_embed, quote_of, replies_to, shown_text

pytestmark = pytest.mark.asyncio(loop_scope="package")

ME = f"<@{BOT_USER_ID}>"


async def test_a_mention_with_a_question_gets_the_answer_as_a_reply(
    fake: FakeDiscord, bot: SummitBot, engine: Engine, user: int
) -> None:
    question = "What did Arce say about migration?"
    _, payload = await ask_by_message(fake, f"{ME} {question}", author_id=user)

    expected = engine.ask(question)
    embed = only_embed(payload)
    assert embed == render.answer_embed(expected).to_dict()
    assert embed["title"] == question  # the mention is stripped
    description = embed["description"]
    assert description == f"{quote_of(description)}\n— \\[1\\] {expected.citations[0].label}"
    assert shown_text(quote_of(description)) == expected.citations[0].passage.text
    assert embed["footer"]["text"].endswith("\n↩ Reply to this answer to ask a follow-up")
    assert payload["message_reference"]["fail_if_not_exists"] is False
    assert payload["allowed_mentions"] == {"parse": []}
    stored = fake.world.messages[int(fake.requests_to("POST", f"/channels/{CHANNEL_ID}/messages")[-1].response["id"])]
    assert stored["mentions"] == []  # not even the author is pinged by the reply


async def test_the_mention_may_come_anywhere_and_with_punctuation(
    fake: FakeDiscord, bot: SummitBot, user: int
) -> None:
    _, payload = await ask_by_message(fake, f"{ME}, what did Skerrit argue?", author_id=user)
    assert only_embed(payload)["title"] == "what did Skerrit argue?"
    _, payload = await ask_by_message(fake, f"What did Skerrit argue <@!{BOT_USER_ID}>", author_id=user)
    assert only_embed(payload)["title"] == "What did Skerrit argue"


async def test_a_reply_to_the_bot_is_a_question_too(fake: FakeDiscord, bot: SummitBot, user: int) -> None:
    _, first = await ask_by_message(fake, f"{ME} What did Ortega stress?", author_id=user)
    bot_message = next(r.response for r in reversed(fake.requests) if r.json is first)

    _, payload = await ask_by_message(fake, "And what did Gonsalves say?", author_id=user,
                           referenced_message_id=int(bot_message["id"]))
    assert only_embed(payload)["title"] == "And what did Gonsalves say?"

    # Replying without pinging: Discord withholds the content (no message-content intent), so the
    # bot cannot read the question and explains how to ask instead.
    _, payload = await ask_by_message(fake, "And Pierre?", author_id=user, referenced_message_id=int(bot_message["id"]),
                           mention_replied_user=False)
    assert payload["content"] == replies.help_text("summit-bot")


@pytest.mark.parametrize(("greeting", "lang"), [("hola", "es"), ("hi there", "en")])
async def test_a_greeting_gets_the_help_instead_of_an_answer(
    fake: FakeDiscord, bot: SummitBot, user: int, greeting: str, lang: str
) -> None:
    _, payload = await ask_by_message(fake, f"{ME} {greeting}", author_id=user)
    # in the greeting's language (a mention's reply follows the question's language)
    assert payload["content"] == replies.help_text("summit-bot", texts(lang), client_language_known=False)
    assert not payload.get("embeds")


async def test_a_bare_mention_gets_a_short_help(fake: FakeDiscord, bot: SummitBot, user: int) -> None:
    _, payload = await ask_by_message(fake, f"  {ME}  ", author_id=user)
    assert payload["content"] == replies.help_text("summit-bot")
    assert "/ask" in payload["content"] and len(payload["content"]) < 400
    assert not payload.get("embeds")


async def test_messages_not_addressed_to_the_bot_and_bots_are_ignored(
    fake: FakeDiscord, bot: SummitBot, user: int
) -> None:
    since = len(fake.requests)
    ignored: list[int] = []
    # Wait until the bot has received all three (an event, not a fixed sleep): their handlers then
    # run before the next message's, so any reply to them would be under way before its answer.
    received = asyncio.ensure_future(bot.wait_for(
        "message", check=lambda message: len(ignored) == 3 and message.id == ignored[-1], timeout=30))
    ignored += [
        fake.inject_message("What did Maduro propose?", author_id=user),  # no mention: content withheld anyway
        fake.inject_message(f"{ME} What did Maduro propose?", author_bot=True),  # another bot
        fake.inject_message(f"<@{fake.OTHER_USER_ID}> What did Maduro propose?", author_id=user),
    ]
    await received
    await ask_by_message(fake, f"{ME} What did Maduro propose?", author_id=user)  # processed after the ones above
    for message_id in ignored:
        assert replies_to(fake, message_id, since) == []
    bot_posts = [r for r in fake.requests[since:] if r.method == "POST" and r.path.endswith("/messages")]
    assert len(bot_posts) == 1  # and the bot does not answer its own (echoed) reply


async def test_a_direct_message_is_answered(fake: FakeDiscord, bot: SummitBot, user: int) -> None:
    _, payload = await ask_by_message(fake, "What did Pierre say?", author_id=user, dm=True)
    assert only_embed(payload)["title"] == "What did Pierre say?"


async def test_outside_the_allowed_channels_a_mention_points_to_them(
    fake: FakeDiscord, bot: SummitBot, user: int, elsewhere: int
) -> None:
    _, payload = await ask_by_message(fake, f"{ME} What did Maduro propose?", author_id=user, channel_id=elsewhere)
    assert payload["content"] == replies.ask_there({CHANNEL_ID})
    assert f"<#{CHANNEL_ID}>" in payload["content"] and not payload.get("embeds")


async def test_mentions_and_markdown_in_a_mentioned_question_ping_nobody(
    fake: FakeDiscord, bot: SummitBot, user: int
) -> None:
    question = "@everyone <@&123> @here what did __Maduro__ propose?"
    _, payload = await ask_by_message(fake, f"{ME} {question}", author_id=user)
    title = only_embed(payload)["title"]
    assert "@everyone" not in title and "<@&123>" not in title and "@here" not in title
    assert "\\_\\_Maduro\\_\\_" in title
    assert payload["allowed_mentions"] == {"parse": []}


async def test_off_topic_and_over_long_questions(fake: FakeDiscord, bot: SummitBot, user: int) -> None:
    _, payload = await ask_by_message(fake, f"{ME} How do I bake sourdough bread at home?", author_id=user)
    assert only_embed(payload)["description"].startswith("This is not covered in the summit coverage I have.")
    _, payload = await ask_by_message(fake, f"{ME} " + "why " * 130, author_id=user)
    assert "keep it to at most 500" in payload["content"]


async def test_the_cooldown_is_shared_and_warns_once(fake: FakeDiscord, bot: SummitBot, user: int) -> None:
    for _ in range(COOLDOWN_RATE):
        _, payload = await ask_by_message(fake, f"{ME} Who spoke for Bolivia?", author_id=user)
        assert payload.get("embeds")
    _, payload = await ask_by_message(fake, f"{ME} Who spoke for Bolivia?", author_id=user)
    assert payload["content"].startswith("You're asking faster than I can keep up")

    other = fake.add_user("someone-else").id
    since = len(fake.requests)
    quiet = fake.inject_message(f"{ME} Who spoke for Bolivia?", author_id=user)
    _, payload = await ask_by_message(fake, f"{ME} Who spoke for Bolivia?", author_id=other)
    assert payload.get("embeds")  # other users are unaffected
    assert replies_to(fake, quiet, since) == []  # warned once, then quiet
