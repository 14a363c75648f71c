"""Follow-up questions through the fake Discord: a reply to an answer, and a mention in the thread that
`/ask thread:True` opens, are answered in the previous question's context, say what was searched, and
are recorded as follow-ups."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bot.answering.engine import Engine
from bot.answering.followup import Turn
from bot.discord_app import replies
from bot.discord_app.client import SummitBot
from bot.store import questions
from tests.fake_discord import BOT_USER_ID, CHANNEL_ID, FakeDiscord

from .helpers import ask_by_message, citation_of, only_embed, run_command

pytestmark = pytest.mark.asyncio(loop_scope="package")

FIRST = "What did Cuba's president say?"
FOLLOWUP = "and Bolivia?"
SEARCHED = "What did Bolivia's president say?"


async def recorded(fake: FakeDiscord, bot: SummitBot, message_id: int) -> dict[str, object]:
    """The store's row for an answer (recorded just after the answer is sent)."""

    def row() -> dict[str, object] | None:
        bot.store.flush()
        found = bot.store.read(lambda conn: conn.execute(
            sa.select(questions).where(questions.c.message_id == message_id)).one_or_none())
        return dict(found._mapping) if found is not None else None

    return await fake.wait_for(row, what="question recorded")


async def test_a_reply_to_an_answer_is_read_with_its_question(fake: FakeDiscord, bot: SummitBot, engine: Engine,
                                                              user: int) -> None:
    state, _ = await run_command(fake, "ask", {"question": FIRST}, user_id=user)
    answer_id = int(state.original["id"])
    question_id, payload = await ask_by_message(fake, FOLLOWUP, author_id=user, referenced_message_id=answer_id)
    embed = only_embed(payload)
    assert embed["title"] == FOLLOWUP
    assert embed["footer"]["text"].split("\n")[0] == f"Searched for: {SEARCHED}"
    expected = engine.ask(FOLLOWUP, previous=Turn(FIRST))
    assert citation_of(embed["description"]) == f"— \\[1\\] {expected.citations[0].label}"
    arce = engine.catalog.speaker("Luis Arce")
    assert arce is not None and expected.citations[0].passage.id in arce.passage_ids
    reply_id = next(int(m["id"]) for m in fake.world.messages.values()
                    if (m.get("message_reference") or {}).get("message_id") == str(question_id))
    row = await recorded(fake, bot, reply_id)
    assert (row["question"], row["searched_for"], row["followup_of"], row["source"]) == (
        FOLLOWUP, SEARCHED, answer_id, "mention")


async def test_ask_in_a_new_thread_then_follow_up_there(fake: FakeDiscord, bot: SummitBot, engine: Engine,
                                                        user: int) -> None:
    state, _ = await run_command(fake, "ask", {"question": FIRST, "thread": True}, user_id=user)
    answer_id = int(state.original["id"])
    thread = await fake.wait_for(lambda: fake.world.channels.get(answer_id), what="thread opened")
    assert thread["type"] == 11 and thread["parent_id"] == str(CHANNEL_ID) and thread["name"] == FIRST
    await fake.wait_for_dispatch("THREAD_CREATE")
    # the thread opens with how to ask follow-ups there, pinging nobody
    welcome = await fake.wait_for(lambda: next((m for m in fake.world.messages.values()
                                                if m.get("channel_id") == str(answer_id)), None),
                                  what="thread welcome")
    assert welcome["content"] == replies.thread_welcome(BOT_USER_ID)
    assert welcome["content"].startswith(
        f"Ask follow-up questions here: mention me (<@{BOT_USER_ID}>) or reply to my answer")
    [posted] = [r for r in fake.requests if r.method == "POST" and r.path == f"/channels/{answer_id}/messages"]
    assert posted.json["allowed_mentions"] == {"parse": []} and welcome["mentions"] == []
    question_id, payload = await ask_by_message(fake, f"<@{BOT_USER_ID}> {FOLLOWUP}", author_id=user,
                                                channel_id=answer_id)
    embed = only_embed(payload)
    assert embed["footer"]["text"].split("\n")[0] == f"Searched for: {SEARCHED}"
    # a second follow-up in the thread follows the latest answer there, not the first one
    _, second = await ask_by_message(fake, f"<@{BOT_USER_ID}> what else did he say?", author_id=user,
                                     channel_id=answer_id)
    asked = only_embed(second)["footer"]["text"].split("\n")[0]
    assert asked == f"Follow-up to: {SEARCHED}", asked  # the earlier question, not the two glued together
    assert question_id
