"""Questions about the whole event: recognised from their words alone, and answered from the corpus's structure
(every leader with the passage that first quotes them; the opening paragraph), not from one ranked passage."""

from __future__ import annotations

import pytest

from bot.answering.engine import Engine
from bot.answering.overview import overview_kind
from bot.discord_app import render
from bot.i18n import texts

EVENT = ["XII Extraordinary Summit of Example-Org"]


@pytest.mark.parametrize("question", [
    "who are the leaders that spoke?", "Who spoke?", "which countries attended?", "who took part in the summit?",
    "cuáles países participaron en la cumbre", "¿Quiénes hablaron?", "¿qué mandatarios intervinieron?",
])
def test_questions_after_everyone_who_took_part_are_recognised(question: str) -> None:
    assert overview_kind(question, EVENT) == "participants"


@pytest.mark.parametrize("question", [
    "give me a summary of the summit", "what is this article about?", "resumen de la cumbre",
    "¿De qué trata el artículo?", "¿qué pasó en la cumbre?",
])
def test_requests_for_a_summary_are_recognised(question: str) -> None:
    assert overview_kind(question, EVENT) == "summary"


def test_the_corpus_name_of_the_event_may_be_part_of_the_question() -> None:
    assert overview_kind("who spoke at the Example-Org summit?", EVENT) == "participants"
    assert overview_kind("who spoke at the Example-Org summit?") is None  # a word the question reads as particular


@pytest.mark.parametrize("question", [
    "who spoke for Cuba?", "which leaders spoke about migration?", "What did the leaders say?",
    "what happened at the summit in 2023?", "who took the photo?", "which two leaders created the bloc?",
    "¿Por qué se reunieron los países?", "What did Maduro propose?", "did petro or lula attend?",
])
def test_questions_about_something_in_particular_are_left_to_retrieval(question: str) -> None:
    assert overview_kind(question, EVENT) is None


def test_who_spoke_lists_every_leader_once_each_cited_where_first_quoted(engine: Engine) -> None:
    answer = engine.ask("who are the leaders that spoke?")
    speakers = engine.catalog.speakers
    assert answer.confidence == "high" and answer.overview == "participants"
    assert [p.name for p in answer.leaders] == list(dict.fromkeys(s.person.name for s in speakers))
    first_quoted = {s.person.name: s.passage_ids[0] for s in reversed(speakers)}
    for person, citation in zip(answer.leaders, answer.citations, strict=True):
        assert citation.passage.id == first_quoted[person.name]
        [(start, end)] = citation.highlights
        assert person.mentioned_in(citation.passage.text[start:end])  # the name is what is marked


def test_a_summary_cites_the_opening_paragraph(engine: Engine) -> None:
    answer = engine.ask("resumen de la cumbre")
    assert answer.overview == "summary" and answer.confidence == "high"
    assert [(c.passage.kind, c.passage.paragraph) for c in answer.citations] == [("paragraph", 1)]


def test_the_who_spoke_reply_names_each_leader_in_bold_with_a_citation_and_points_to_the_commands(
    engine: Engine,
) -> None:
    answer = engine.ask("¿qué países participaron en la cumbre?")
    embed = render.answer_embed(answer, texts("es"))
    description = embed.description or ""
    for rank, person in enumerate(answer.leaders, start=1):
        assert f"**{render.escape(person.name)}**" in description and f"\\[{rank}\\] párrafo" in description
    assert "Venezuela" in description and "`/mandatario`" in description and "`/mandatarios`" in description
    chars, lines = render.reply_size(embed)
    assert chars <= render.REPLY_BUDGET[0] and lines <= render.REPLY_BUDGET[1]
