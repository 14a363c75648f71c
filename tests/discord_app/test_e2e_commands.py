"""Slash commands end to end: real discord.py, real engine, the fake Discord recording every payload."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest

from bot.answering.engine import Engine
from bot.discord_app import render, replies
from bot.discord_app.client import SummitBot
from bot.settings import Settings
from tests.fake_discord import ADMIN_USER_ID, FakeDiscord

from .conftest import COOLDOWN_RATE, TEST_ONLY_COMMANDS
from .helpers import (
    bold_parts,
    citation_of,
    corpus_text,
    message_requests,
    only_embed,
    quote_of,
    run_command,
    shown_text,
)

pytestmark = pytest.mark.asyncio(loop_scope="package")

OFF_TOPIC = "How do I bake sourdough bread at home?"


def custom_ids(payload: dict[str, Any]) -> list[str]:
    """The custom ids of a message's buttons, in order."""
    rows = payload.get("components") or []
    return [c["custom_id"] for row in rows for c in row["components"] if "custom_id" in c]


async def test_the_commands_are_registered_with_their_options(fake: FakeDiscord, bot: SummitBot) -> None:
    commands = {c["name"]: c for c in fake.registered_commands(None)}
    assert set(commands) - TEST_ONLY_COMMANDS == {"ask", "leaders", "leader", "sources", "about", "reindex", "stats"}
    assert fake.registered_commands(fake.GUILD_ID) == []  # no DISCORD_GUILD_ID: global commands only
    for command in commands.values():
        assert 1 <= len(command["description"]) <= 100
    question, thread = commands["ask"]["options"]
    assert (question["name"], question["type"], question["required"]) == ("question", 3, True)
    assert not question.get("autocomplete")
    assert (thread["name"], thread["type"], thread.get("required", False)) == ("thread", 5, False)
    [name] = commands["leader"]["options"]
    assert (name["name"], name["type"], name["required"], name["autocomplete"]) == ("name", 3, True, True)
    assert not commands["leaders"].get("options") and not commands["sources"].get("options")
    assert bot.sync_result is not None and bot.sync_result.synced


@pytest.mark.parametrize(("question", "listed"), [
    ("What did Maduro propose?", 0),  # a clear answer: no other passage listed
    ("What was agreed on migration?", 2),  # a close ranking: the runners-up listed under it
])
async def test_ask_defers_then_answers_with_the_passages_verbatim_and_cited(
    fake: FakeDiscord, bot: SummitBot, engine: Engine, settings: Settings, user: int, question: str, listed: int
) -> None:
    state, [payload] = await run_command(fake, "ask", {"question": question}, user_id=user)

    # Deferred (type 5) and accepted: the fake refuses a callback past Discord's 3 s deadline.
    assert state.ack_type == 5 and state.rejections == []
    assert not state.ephemeral
    expected = engine.ask(question)
    assert expected.answered
    embed = only_embed(payload)
    assert embed["title"] == question
    description = embed["description"]
    first = expected.citations[0]
    # the answering passage first, as a block quote, then its citation (the corpus has no url: not linked)
    assert description == f"{quote_of(description)}\n{citation_of(description)}"
    assert citation_of(description) == f"— \\[1\\] {first.label}"
    assert re.fullmatch(r".+ — ¶\d+", first.label)
    assert "**" not in citation_of(description)  # bold marks only the highlights
    assert shown_text(quote_of(description)) == first.passage.text
    assert bold_parts(quote_of(description))  # the answering phrase is highlighted
    assert first.passage.text in corpus_text(settings)  # verbatim from the article
    # only passages scoring within 90% of the first are listed, as one compact "See also" field, unbolded
    close = [c for c in expected.citations[1:render.MAX_PASSAGES] if c.score >= render.SEE_ALSO_SHARE * first.score]
    assert render.shown_passages(expected) == 1 + len(close) == 1 + listed
    see_also = embed.get("fields") or []
    if not close:
        assert see_also == []
    else:
        [field] = see_also
        assert field["name"] == "See also"
        lines = field["value"].split("\n")
        assert len(lines) == len(close)
        for line, citation in zip(lines, close, strict=True):
            assert line.startswith(f"\\[{citation.rank}\\] {citation.label}") and " · “" in line
            assert "**" not in line
            snippet = shown_text(line.split(" · “", 1)[1].removesuffix("”")).removesuffix("…")
            assert len(snippet) > 20 and " ".join(citation.passage.text.split()).startswith(snippet)
    article = first.article
    assert embed["footer"]["text"] == "\n".join([
        f"{article.title} · {article.author} · {render.human_date(article.published)}",
        "↩ Reply to this answer to ask a follow-up"])
    assert "6 February 2025" in embed["footer"]["text"]


async def test_a_repaired_typo_is_shown_in_the_footer(
    fake: FakeDiscord, bot: SummitBot, engine: Engine, user: int
) -> None:
    question = "What did Maduro propse for the food supply?"
    expected = engine.ask(question)
    assert expected.searched_for == "What did Maduro propose for the food supply?"
    _, [payload] = await run_command(fake, "ask", {"question": question}, user_id=user)
    embed = only_embed(payload)
    assert embed["title"] == question  # the user's own words stay the title
    first_line, source, hint = embed["footer"]["text"].split("\n")
    assert first_line == f"Searched for: {expected.searched_for}"
    assert source.startswith(expected.citations[0].article.title)
    assert hint == "↩ Reply to this answer to ask a follow-up"
    _, [plain] = await run_command(fake, "ask", {"question": "What did Maduro propose?"}, user_id=user)
    assert "Searched for" not in only_embed(plain)["footer"]["text"]


async def test_a_question_the_coverage_does_not_answer_is_refused_honestly(
    fake: FakeDiscord, bot: SummitBot, engine: Engine, user: int
) -> None:
    assert not engine.ask(OFF_TOPIC).answered, "pick a question further off topic"
    _, [payload] = await run_command(fake, "ask", {"question": OFF_TOPIC}, user_id=user)
    embed = only_embed(payload)
    assert embed["description"].startswith("This is not covered in the summit coverage I have.")
    assert "/leaders" in embed["description"]
    assert not embed.get("fields")
    assert "¶" not in str(embed)  # no passage presented as the answer
    assert "Reply to this answer" not in (embed.get("footer") or {}).get("text", "")  # not an answer
    ids = custom_ids(payload)
    assert any(i.startswith("sb:near:") for i in ids), ids  # the closest passages, but nothing to vote on
    assert not any(i.startswith("sb:vote:") for i in ids), ids
    _, [answered] = await run_command(fake, "ask", {"question": "What did Maduro propose?"}, user_id=user)
    assert bot.store.enabled and {"sb:vote:up", "sb:vote:down"} <= set(custom_ids(answered))  # an answer has them


@pytest.mark.parametrize("greeting", ["hola", "hi there"])
async def test_a_greeting_gets_the_help_instead_of_an_answer(
    fake: FakeDiscord, bot: SummitBot, user: int, greeting: str
) -> None:
    state, [payload] = await run_command(fake, "ask", {"question": greeting}, user_id=user)
    assert state.ephemeral
    assert payload["content"] == replies.help_text("summit-bot")
    assert not payload.get("embeds")


async def test_mentions_and_markdown_in_a_question_ping_nobody(fake: FakeDiscord, bot: SummitBot, user: int) -> None:
    question = "@everyone <@&123> @here what did **Maduro** propose?"
    state, [payload] = await run_command(fake, "ask", {"question": question}, user_id=user)
    title = only_embed(payload)["title"]
    assert "@everyone" not in title and "<@&123>" not in title and "@here" not in title
    assert "@\u200beveryone" in title and "\\*\\*Maduro\\*\\*" in title
    assert payload["allowed_mentions"] == {"parse": []}
    stored = fake.world.messages[state.message_ids[0]]
    assert stored["mentions"] == [] and not stored["mention_everyone"] and not stored["mention_roles"]


async def test_an_over_long_question_gets_an_ephemeral_error_without_deferring(
    fake: FakeDiscord, bot: SummitBot, user: int
) -> None:
    state, [payload] = await run_command(fake, "ask", {"question": "why " * 130}, user_id=user)
    assert state.ack_type == 4 and state.ephemeral
    assert "keep it to at most 500" in payload["content"]
    assert not payload.get("embeds")


async def test_the_cooldown_answers_ephemerally_once_exceeded(fake: FakeDiscord, bot: SummitBot, user: int) -> None:
    for _ in range(COOLDOWN_RATE):
        state, _ = await run_command(fake, "ask", {"question": "Who spoke for Cuba?"}, user_id=user)
        assert not state.ephemeral
    state, [payload] = await run_command(fake, "ask", {"question": "Who spoke for Cuba?"}, user_id=user)
    assert state.ack_type == 4 and state.ephemeral
    assert re.fullmatch(r"You're asking faster than I can keep up; please try again in \d+ s\.", payload["content"])


async def test_outside_the_allowed_channels_answers_are_ephemeral_and_point_there(
    fake: FakeDiscord, bot: SummitBot, user: int, elsewhere: int
) -> None:
    state, [payload] = await run_command(fake, "ask", {"question": "What did Arce say about migration?"},
                                         user_id=user, channel_id=elsewhere)
    assert state.ack_type == 5 and state.ephemeral
    assert payload["content"] == replies.private_here({fake.CHANNEL_ID})
    assert f"<#{fake.CHANNEL_ID}>" in payload["content"]
    description = only_embed(payload)["description"]
    assert description.startswith("> ") and citation_of(description).startswith("— \\[1\\] ")
    state, _ = await run_command(fake, "leaders", user_id=user, channel_id=elsewhere)
    assert state.ephemeral


async def test_leaders_lists_exactly_the_people_in_the_corpus_metadata(
    fake: FakeDiscord, bot: SummitBot, engine: Engine, user: int
) -> None:
    state, [payload] = await run_command(fake, "leaders", user_id=user)
    assert state.ack_type == 4 and not state.ephemeral
    description = only_embed(payload)["description"]
    entries = description.split("\n\n")
    speakers = engine.catalog.speakers
    assert len(entries) == len(speakers)
    for entry, speaker in zip(entries, speakers, strict=True):
        person = speaker.person
        first, where = entry.split("\n")
        assert first == f"**{person.name}** — {person.office}, {person.country}"
        passages = [engine.index.passages[engine.index.row(pid)] for pid in speaker.passage_ids]
        assert where.startswith(f"↳ {passages[0].section} — ¶{passages[0].paragraph}")
    assert "Use /leader" in only_embed(payload)["footer"]["text"]


@pytest.mark.parametrize(("typed", "expected"), [
    ("diaz", ["Miguel Díaz-Canel"]), ("canel", ["Miguel Díaz-Canel"]), ("DÍAZ", ["Miguel Díaz-Canel"]),
    ("arce", ["Luis Arce"]), ("zzz", []),
])
async def test_leader_autocomplete_matches_names_and_aliases_without_accents(
    fake: FakeDiscord, bot: SummitBot, typed: str, expected: list[str]
) -> None:
    interaction = fake.inject_autocomplete("leader", "name", typed)
    state = await fake.wait_for_ack(interaction.id)
    assert state.ack_type == 8
    assert [c["value"] for c in state.autocomplete_choices or []] == expected


async def test_leader_autocomplete_offers_everyone_and_at_most_25(
    fake: FakeDiscord, bot: SummitBot, engine: Engine
) -> None:
    interaction = fake.inject_autocomplete("leader", "name", "")
    choices = (await fake.wait_for_ack(interaction.id)).autocomplete_choices or []
    assert [c["value"] for c in choices] == [s.person.name for s in engine.catalog.speakers][:25]
    assert all(len(c["name"]) <= 100 for c in choices)
    assert choices[0]["name"] == "Nicolás Maduro — President, Venezuela"


async def test_leader_shows_everything_the_article_quotes_from_them(
    fake: FakeDiscord, bot: SummitBot, engine: Engine, user: int
) -> None:
    speaker = engine.catalog.speaker("Díaz-Canel")
    assert speaker is not None
    _, [payload] = await run_command(fake, "leader", {"name": "Miguel Díaz-Canel"}, user_id=user)
    embed = only_embed(payload)
    assert embed["title"] == "Miguel Díaz-Canel — President, Cuba"
    blocks = embed["description"].split("\n\n")
    assert len(blocks) == len(speaker.passage_ids) > 0
    for rank, (block, pid) in enumerate(zip(blocks, speaker.passage_ids, strict=True), start=1):
        passage = engine.index.passages[engine.index.row(pid)]
        assert block == f"{quote_of(block)}\n{citation_of(block)}"
        assert citation_of(block) == f"— \\[{rank}\\] {passage.section} — ¶{passage.paragraph}"
        assert shown_text(quote_of(block)) == passage.text
    assert "Pablo Meriguet" in embed["footer"]["text"]


async def test_leader_accepts_an_alias_typed_without_autocomplete(fake: FakeDiscord, bot: SummitBot, user: int) -> None:
    _, [payload] = await run_command(fake, "leader", {"name": "arce"}, user_id=user)
    assert only_embed(payload)["title"] == "Luis Arce — President, Bolivia"


async def test_an_unknown_leader_gets_an_ephemeral_list_of_valid_names(
    fake: FakeDiscord, bot: SummitBot, engine: Engine, user: int
) -> None:
    state, [payload] = await run_command(fake, "leader", {"name": "Napoleon @everyone"}, user_id=user)
    assert state.ack_type == 4 and state.ephemeral
    content = payload["content"]
    assert "Napoleon @\u200beveryone" in content
    for speaker in engine.catalog.speakers:
        assert speaker.person.name in content


async def test_sources_lists_the_articles(fake: FakeDiscord, bot: SummitBot, engine: Engine, user: int) -> None:
    _, [payload] = await run_command(fake, "sources", user_id=user)
    embed = only_embed(payload)
    entries = embed["description"].split("\n\n")
    assert len(entries) == len(engine.catalog.sources)
    for entry, source in zip(entries, engine.catalog.sources, strict=True):
        article = source.article
        assert entry.startswith(f"**{render.escape(article.title)}**\n")
        for part in (f"By {article.author}", render.human_date(article.published.isoformat()), article.outlet,
                     f"{source.passages} passages"):
            assert part in entry


async def test_about_says_how_to_ask_and_decide_and_shows_the_index_only_to_managers(
    fake: FakeDiscord, bot: SummitBot, engine: Engine, user: int
) -> None:
    _, [payload] = await run_command(fake, "about", user_id=user)
    embed = only_embed(payload)
    assert "/ask" in embed["description"] and "mention me" in embed["description"]
    assert "How I decide" in embed["description"]
    assert not embed.get("fields") and engine.info.model_id not in str(embed)  # a member sees no model ids
    _, [payload] = await run_command(fake, "about", user_id=ADMIN_USER_ID)
    [field] = only_embed(payload)["fields"]
    model, passages, built = field["value"].split("\n")
    assert field["name"] == "For server managers"
    assert model == f"Model: {engine.info.model_id}" and passages == f"Passages: {engine.info.passages}"
    assert re.fullmatch(r"Index built: <t:\d+:f> \(<t:\d+:R>\)", built)


async def test_a_failing_command_still_gets_a_polite_ephemeral_reply_and_a_traceback(
    fake: FakeDiscord, bot: SummitBot, user: int, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="bot.discord_app"):
        state, [payload] = await run_command(fake, "boom", user_id=user)
    assert state.ack_type == 4 and state.ephemeral
    assert payload["content"] == replies.ERROR
    assert "Traceback" in caplog.text and "deliberate failure inside a command" in caplog.text


async def test_a_failure_after_deferring_is_reported_in_the_followup(
    fake: FakeDiscord, bot: SummitBot, user: int, caplog: pytest.LogCaptureFixture
) -> None:
    fake.fail("POST", r"^/webhooks/", status=400, times=1,
              body={"message": "Invalid Form Body", "code": 50035, "errors": {}})
    try:
        with caplog.at_level(logging.ERROR, logger="bot.discord_app"):
            state, [payload] = await run_command(fake, "ask", {"question": "What did Ortega stress?"}, user_id=user)
    finally:
        fake.clear_faults()
    assert state.ack_type == 5
    assert payload["content"] == replies.ERROR
    assert any(r.exc_info for r in caplog.records)


async def test_every_message_the_bot_sent_pings_nobody(fake: FakeDiscord, bot: SummitBot, user: int) -> None:
    await run_command(fake, "about", user_id=user)
    await run_command(fake, "ask", {"question": "@everyone what did Skerrit argue?"}, user_id=user)
    requests = message_requests(fake)
    assert len(requests) >= 2
    for request in requests:
        body = request.json["data"] if request.path.endswith("/callback") else request.json
        assert body["allowed_mentions"] == {"parse": []}, (request.path, body)
        assert "@everyone" not in str(body.get("embeds"))


@pytest.mark.parametrize("question", ["who are the leaders that spoke?", "cuáles países participaron en la cumbre"])
async def test_who_spoke_is_answered_with_every_leader_and_their_citations(
    fake: FakeDiscord, bot: SummitBot, engine: Engine, user: int, question: str
) -> None:
    _, [payload] = await run_command(fake, "ask", {"question": question}, user_id=user)
    embed = only_embed(payload)
    names = list(dict.fromkeys(s.person.name for s in engine.catalog.speakers))
    assert bold_parts(embed["description"]) == names  # each leader once, in the coverage's order: the answer
    for rank, line in enumerate(embed["description"].split("\n")[:len(names)], start=1):
        assert re.search(rf" · \\\[{rank}\\\] ¶\d+$", line), line  # each cited by its paragraph
    assert "`/leader`" in embed["description"] and "`/leaders`" in embed["description"]
    assert custom_ids(payload) == ["sb:vote:up", "sb:vote:down", f"sb:del:{user}"]  # the list is the answer


async def test_a_summary_request_quotes_the_opening_paragraph(
    fake: FakeDiscord, bot: SummitBot, engine: Engine, user: int
) -> None:
    _, [payload] = await run_command(fake, "ask", {"question": "give me a summary of the summit"}, user_id=user)
    description = only_embed(payload)["description"]
    opening = next(p for p in engine.catalog.passages if p.kind == "paragraph" and p.paragraph == 1)
    assert shown_text(quote_of(description)) == opening.text
    assert citation_of(description).startswith("— \\[1\\] ") and citation_of(description).endswith("¶1")
