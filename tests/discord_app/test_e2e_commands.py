"""Slash commands end to end: real discord.py, real engine, the fake Discord recording every payload."""

from __future__ import annotations

import logging
import re

import pytest

from bot.discord_app import render, replies
from bot.discord_app.client import SummitBot
from bot.engine import Engine
from bot.settings import Settings
from tests.fake_discord import FakeDiscord

from .conftest import COOLDOWN_RATE, TEST_ONLY_COMMANDS
from .helpers import corpus_text, message_requests, only_embed, quote_of, run_command, shown_text

pytestmark = pytest.mark.asyncio(loop_scope="package")

OFF_TOPIC = "How do I bake sourdough bread at home?"


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


async def test_ask_defers_then_answers_with_the_passages_verbatim_and_cited(
    fake: FakeDiscord, bot: SummitBot, engine: Engine, settings: Settings, user: int
) -> None:
    question = "What did Maduro propose?"
    state, [payload] = await run_command(fake, "ask", {"question": question}, user_id=user)

    # Deferred (type 5) and accepted: the fake refuses a callback past Discord's 3 s deadline.
    assert state.ack_type == 5 and state.rejections == []
    assert not state.ephemeral
    expected = engine.ask(question)
    assert expected.answered
    embed = only_embed(payload)
    assert embed["title"] == question
    heading, quote = embed["description"].split("\n", 1)
    first = expected.citations[0]
    assert heading == f"**[1] {first.label}**"  # the corpus has no url: bold, not linked
    assert re.fullmatch(r".+ — ¶\d+", first.label)
    assert shown_text(quote) == first.passage.text
    assert first.passage.text in corpus_text(settings)  # verbatim from the article
    see_also = embed.get("fields") or []
    assert [f["name"] for f in see_also] == ["See also"] * (len(expected.citations[:3]) - 1)
    for field, citation in zip(see_also, expected.citations[1:3], strict=True):
        assert field["value"].startswith(f"**[{citation.rank}] {citation.label}**\n")
        assert shown_text(quote_of(field["value"])) == citation.passage.text
    article = first.article
    assert embed["footer"]["text"] == f"{article.title} · {article.author} · {render.human_date(article.published)}"
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
    first_line, source = embed["footer"]["text"].split("\n")
    assert first_line == f"Searched for: {expected.searched_for}"
    assert source.startswith(expected.citations[0].article.title)
    _, [plain] = await run_command(fake, "ask", {"question": "What did Maduro propose?"}, user_id=user)
    assert "Searched for" not in only_embed(plain)["footer"]["text"]


async def test_a_question_the_coverage_does_not_answer_is_refused_honestly(
    fake: FakeDiscord, bot: SummitBot, engine: Engine, user: int
) -> None:
    assert not engine.ask(OFF_TOPIC).answered, "pick a question further off topic"
    _, [payload] = await run_command(fake, "ask", {"question": OFF_TOPIC}, user_id=user)
    embed = only_embed(payload)
    assert "not covered in the summit coverage I have" in embed["description"]
    assert "/leaders" in embed["description"]
    assert not embed.get("fields")
    assert "¶" not in str(embed)  # no passage presented as the answer


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
    assert only_embed(payload)["description"].startswith("**[1]")
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
        assert block.split("\n")[0] == f"**[{rank}] {passage.section} — ¶{passage.paragraph}**"
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


async def test_about_says_how_to_ask_and_describes_the_index(
    fake: FakeDiscord, bot: SummitBot, engine: Engine, user: int
) -> None:
    _, [payload] = await run_command(fake, "about", user_id=user)
    embed = only_embed(payload)
    assert "/ask" in embed["description"] and "mention me" in embed["description"]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Model"] == engine.info.model_id
    assert fields["Passages"] == str(engine.info.passages)
    assert re.fullmatch(r"<t:\d+:f> \(<t:\d+:R>\)", fields["Index built"])


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
