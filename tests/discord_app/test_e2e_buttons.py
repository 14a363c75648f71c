"""The buttons under answers, end to end: votes (two people, a changed vote, the optional modal), More
with paging, Context, Delete (allowed and refused), the closest passages on a refusal, and the polite
refusal on an answer older than the retention period."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa

from bot.answering.engine import Engine
from bot.corpus.catalog import passage_ref
from bot.discord_app import buttons, render
from bot.discord_app.client import SummitBot
from bot.store import votes
from tests.fake_discord import ADMIN_USER_ID, CHANNEL_ID, EPHEMERAL, FakeDiscord, InteractionState

from .helpers import bold_parts, citation_of, quote_of, run_command, sent_for, shown_text

pytestmark = pytest.mark.asyncio(loop_scope="package")

QUESTION = "What did Maduro propose for the region's food supply?"
REFUSED = "How do I bake sourdough bread at home?"


def custom_ids(message: dict[str, Any]) -> list[str]:
    return [c["custom_id"] for row in message.get("components") or [] for c in row["components"]]


def button(message: dict[str, Any], prefix: str) -> dict[str, Any]:
    [found] = [c for row in message["components"] for c in row["components"] if c["custom_id"].startswith(prefix)]
    return found


async def ask(fake: FakeDiscord, user: int, question: str = QUESTION) -> dict[str, Any]:
    """`/ask` as `user`; the answer message as stored by the fake (with its id and buttons)."""
    state, _ = await run_command(fake, "ask", {"question": question}, user_id=user)
    assert state.original is not None
    return state.original


async def click(fake: FakeDiscord, custom_id: str, message_id: int | str, user: int, *,
                sent: int = 1) -> tuple[InteractionState, list[dict[str, Any]]]:
    """Click a button; the interaction once the bot acknowledged it and sent `sent` messages (or edits)."""
    interaction = fake.inject_component(custom_id, message_id, user_id=user)
    state = await fake.wait_for_ack(interaction.id)

    def done() -> list[dict[str, Any]] | None:
        out = sent_for(fake, state)
        return out if len(out) >= sent and not state.original_loading else None

    payloads = await fake.wait_for(done, timeout=10.0, what=f"{custom_id} answered")
    return state, payloads


def vote_rows(bot: SummitBot, message_id: int) -> dict[str, int]:
    bot.store.flush()
    return bot.store.read(lambda conn: {r.voter: r.value for r in conn.execute(
        sa.select(votes).where(votes.c.message_id == message_id))})


async def test_an_answer_has_vote_more_context_and_delete_buttons(fake: FakeDiscord, bot: SummitBot,
                                                                  engine: Engine, user: int) -> None:
    message = await ask(fake, user)
    ref = passage_ref(engine.ask(QUESTION).citations[0].passage)
    assert custom_ids(message) == ["sb:vote:up", "sb:vote:down", f"sb:more:{user}:{ref}", f"sb:ctx:{ref}:1",
                                   f"sb:del:{user}"]  # an English answer never offers the Spanish translation
    assert all(len(c) <= 100 for c in custom_ids(message))


async def test_two_people_vote_and_one_changes_their_mind(fake: FakeDiscord, bot: SummitBot, user: int) -> None:
    message = await ask(fake, user)
    other = fake.add_user("second-voter").id
    state, _ = await click(fake, "sb:vote:up", message["id"], user, sent=2)
    assert state.ack_type == 6  # acknowledged at once, before the store is touched
    [edit] = state.edits
    assert button(edit, "sb:vote:up")["label"] == "1" and "label" not in button(edit, "sb:vote:down")
    [thanks] = state.followups
    assert thanks["content"] == buttons.VOTED[1] and thanks["flags"] & EPHEMERAL

    state, _ = await click(fake, "sb:vote:up", message["id"], other, sent=2)
    assert button(state.edits[0], "sb:vote:up")["label"] == "2"

    state, _ = await click(fake, "sb:vote:down", message["id"], user, sent=2)
    assert button(state.edits[0], "sb:vote:up")["label"] == "1"
    assert button(state.edits[0], "sb:vote:down")["label"] == "1"
    [changed] = state.followups
    assert changed["content"].startswith(buttons.VOTE_CHANGED[-1]) and changed["flags"] & EPHEMERAL
    assert custom_ids(changed) == [f"sb:why:{message['id']}"]

    state, _ = await click(fake, "sb:vote:down", message["id"], user)  # the same vote again: no change
    assert not state.edits
    assert state.followups[0]["content"].startswith(buttons.VOTE_SAME.format(emoji=buttons.DOWN))
    assert sorted(vote_rows(bot, int(message["id"])).values()) == [-1, 1]
    assert str(user) not in "".join(vote_rows(bot, int(message["id"])))  # voters are keyed hashes


async def test_the_down_vote_asks_what_was_wrong_in_an_optional_modal(fake: FakeDiscord, bot: SummitBot,
                                                                     user: int) -> None:
    message = await ask(fake, user)
    state, _ = await click(fake, "sb:vote:down", message["id"], user, sent=2)
    [thanks] = state.followups
    opener = fake.inject_component(custom_ids(thanks)[0], thanks["id"], user_id=user)
    opened = await fake.wait_for_ack(opener.id)
    assert opened.ack_type == 9 and opened.modal is not None
    assert opened.modal["title"] == buttons.WHY_TITLE
    submit = fake.inject_modal_submit(opener.id, ["It quotes the wrong leader"])
    submitted = await fake.wait_for_ack(submit.id)
    await fake.wait_for(lambda: submitted.followups or None, what="thanks for the comment")
    assert submitted.followups[0]["content"] == buttons.WHY_THANKS and submitted.ephemeral
    bot.store.flush()
    comments = bot.store.read(lambda conn: conn.execute(
        sa.select(votes.c.comment, votes.c.value).where(votes.c.message_id == int(message["id"]))).all())
    assert [tuple(c) for c in comments] == [("It quotes the wrong leader", -1)]


async def test_more_pages_through_further_passages_privately_for_others(fake: FakeDiscord, bot: SummitBot,
                                                                      engine: Engine, user: int) -> None:
    message = await ask(fake, user)
    # the passages after the answer's own first one, as More searches them
    ranked = engine.passages(QUESTION, buttons.PAGE_SIZE * buttons.MAX_PAGES + 1)[1:]
    assert len(ranked) == 15
    other = fake.add_user("curious").id
    more = next(c for c in custom_ids(message) if c.startswith("sb:more:"))
    state, [page] = await click(fake, more, message["id"], other)
    assert state.ephemeral  # not the asker: only they see it
    embed = page["embeds"][0]
    assert embed["footer"]["text"] == render.MORE_PASSAGES.format(page=1, pages=5)
    fields = embed["fields"]
    assert [shown_text(quote_of(f["value"])) for f in fields] == [c.passage.text for c in ranked[:3]]
    assert [citation_of(f["value"]) for f in fields] == [f"— {render.citation_heading(c)}" for c in ranked[:3]]
    assert [citation_of(f["value"])[:7] for f in fields] == ["— \\[2\\]", "— \\[3\\]", "— \\[4\\]"]
    assert all(bold_parts(f["value"]) == [] and "**" not in f["value"] for f in fields)  # no bold off the answer
    back, forward = custom_ids(page)
    row = page["components"][0]["components"]
    assert [c["label"] for c in row] == [buttons.BACK, buttons.NEXT]
    assert row[0].get("disabled") is True and not row[1].get("disabled")  # no going back from page 1
    ref = more.rsplit(":", 1)[1]
    assert (back, forward) == (f"sb:page:{user}:1:{ref}", f"sb:page:{user}:2:{ref}")
    page_message = state.followups[0]["id"]
    state, [turned] = await click(fake, forward, page_message, other)
    assert state.ack_type == 6  # turned in place
    assert turned["embeds"][0]["footer"]["text"] == render.MORE_PASSAGES.format(page=2, pages=5)
    assert [shown_text(quote_of(f["value"])) for f in turned["embeds"][0]["fields"]] == [
        c.passage.text for c in ranked[3:6]]
    back = custom_ids(turned)[0]
    assert not turned["components"][0]["components"][0].get("disabled")
    state, [returned] = await click(fake, back, page_message, other)
    assert returned["embeds"][0]["footer"]["text"] == render.MORE_PASSAGES.format(page=1, pages=5)

    state, [mine] = await click(fake, more, message["id"], user)
    assert not state.ephemeral and mine["embeds"][0]["fields"]  # the asker pages in the open


async def test_context_shows_the_paragraphs_before_and_after_the_cited_one(fake: FakeDiscord, bot: SummitBot,
                                                                          engine: Engine, user: int) -> None:
    message = await ask(fake, user)
    cited = engine.ask(QUESTION).citations[0].passage
    before, after = engine.catalog.neighbours(cited)
    ctx = next(c for c in custom_ids(message) if c.startswith("sb:ctx:"))
    assert ctx == f"sb:ctx:{passage_ref(cited)}:1"
    state, [context] = await click(fake, ctx, message["id"], fake.add_user("reader").id)
    assert state.ack_type == 4 and state.ephemeral
    fields = context["embeds"][0]["fields"]
    assert [f["name"] for f in fields] == [render.CONTEXT_BEFORE, render.CONTEXT_CITED, render.CONTEXT_AFTER]
    assert [shown_text(quote_of(f["value"])) for f in fields] == [before.text, cited.text, after.text]
    assert all(bold_parts(f["value"]) == [] and "**" not in f["value"] for f in fields)  # no bold off the answer
    label = render.escape(engine.context(passage_ref(cited))[1].label).replace("[", "\\[").replace("]", "\\]")
    assert citation_of(fields[1]["value"]) == f"— \\[1\\] {label}"  # numbered as in the answer
    assert [citation_of(f["value"]).startswith("— \\[") for f in fields] == [False, True, False]  # neighbours: none


async def test_only_the_asker_or_a_moderator_can_delete_an_answer(fake: FakeDiscord, bot: SummitBot,
                                                                  user: int) -> None:
    message = await ask(fake, user)
    stranger = fake.add_user("stranger").id
    state, _ = await click(fake, f"sb:del:{user}", message["id"], stranger)
    assert state.callback["data"]["content"] == buttons.NOT_YOURS and state.ephemeral
    assert int(message["id"]) in fake.world.messages

    interaction = fake.inject_component(f"sb:del:{user}", message["id"], user_id=user)
    await fake.wait_for(lambda: int(message["id"]) not in fake.world.messages or None, what="deleted by asker")
    assert fake.interaction_state(interaction.id).ack_type == 6

    second = await ask(fake, user, "Who wrote the article?")
    fake.inject_component(f"sb:del:{user}", second["id"], user_id=ADMIN_USER_ID)
    await fake.wait_for(lambda: int(second["id"]) not in fake.world.messages or None, what="deleted by moderator")


async def test_a_refusal_offers_the_closest_passages_privately(fake: FakeDiscord, bot: SummitBot, engine: Engine,
                                                              user: int) -> None:
    expected = engine.ask(REFUSED)
    assert not expected.answered
    message = await ask(fake, user, REFUSED)
    near = [c for c in custom_ids(message) if c.startswith("sb:near:")]
    assert near == [f"sb:near:{passage_ref(expected.citations[0].passage)}"]
    assert custom_ids(message) == [*near, f"sb:del:{user}"]  # nothing to vote on, no More / Context
    assert button(message, "sb:near:")["label"] == buttons.CLOSEST
    answer = message["embeds"][0]
    assert answer["description"].startswith("This is not covered in the summit coverage I have.")
    assert render.REPLY_HINT not in (answer.get("footer") or {}).get("text", "")  # no follow-up on a refusal
    state, [closest] = await click(fake, near[0], message["id"], fake.add_user("nosy").id)
    assert state.ephemeral
    embed = closest["embeds"][0]
    assert embed["author"]["name"] == render.CLOSEST_TITLE
    closest_three = engine.passages(REFUSED, buttons.PAGE_SIZE)
    assert [c.passage.id for c in closest_three] == [c.passage.id for c in expected.citations[:3]]
    assert [shown_text(quote_of(f["value"])) for f in embed["fields"]] == [c.passage.text for c in closest_three]
    assert [citation_of(f["value"]) for f in embed["fields"]] == [
        f"— {render.citation_heading(c)}" for c in closest_three]
    assert all(bold_parts(f["value"]) == [] and "**" not in f["value"] for f in embed["fields"])


async def test_buttons_on_an_answer_older_than_the_retention_period_refuse_politely(
    fake: FakeDiscord, bot: SummitBot, user: int
) -> None:
    message = await ask(fake, user)
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=bot.settings.retention_days + 1)
    old_id = (int(old.timestamp() * 1000) - 1420070400000) << 22
    stale = {**message, "id": str(old_id)}
    fake.world.store_message(stale)
    for custom_id in custom_ids(message)[:4]:
        state, [reply] = await click(fake, custom_id, old_id, user)
        assert state.ack_type == 4 and state.ephemeral, custom_id
        assert reply["content"] == buttons.EXPIRED.format(days=bot.settings.retention_days)
    assert int(message["id"]) in fake.world.messages and CHANNEL_ID
