"""Retrieval through the real engine: our own questions find their paragraph in the top 3."""

from __future__ import annotations

import pytest

from bot.engine import Engine
from bot.question import QuestionError
from tests.conftest import SLUG

QUESTIONS = [
    ("What did Maduro propose for the region's food supply?", "p9"),
    ("How much money will fund the reintegration of deported migrants?", "p6"),
    ("Which regional organisation did the summit want to revive?", "p7"),
    ("What did Cuba's president say about the Guantanamo base?", "p12"),
    ("Who founded ALBA and when?", "p3"),
    ("What did the Nicaraguan leader say about settlers and Indigenous peoples?", "p14"),
    ("What did Saint Lucia's prime minister promise?", "p17"),
    ("How did Arce want to treat people in mobility?", "p20"),
    ("What did Skerrit say regional integration should focus on?", "p21"),
    ("What happened on Cuba's terrorism list after Trump took office?", "p11"),
    ("When did the extraordinary summit take place and how did members meet?", "p1"),
    ("Who wrote the article?", "meta"),
]


@pytest.mark.parametrize(("question", "expected"), QUESTIONS)
def test_question_finds_its_paragraph_in_top_3(engine: Engine, question: str, expected: str) -> None:
    answer = engine.ask(question)
    assert f"{SLUG}#{expected}" in [c.passage.id for c in answer.citations[:3]]


def test_scores_descend_and_texts_are_verbatim(engine: Engine) -> None:
    answer = engine.ask("What did Arce warn about?", top_k=5)
    assert len(answer.citations) == 5
    article = engine.catalog.corpus.article(SLUG)
    for citation in answer.citations:
        if citation.passage.kind == "paragraph":
            assert citation.passage.text in article.paragraphs


def test_bad_questions_raise_clear_errors(engine: Engine) -> None:
    with pytest.raises(QuestionError):
        engine.ask(" \n\t ")
    with pytest.raises(QuestionError, match="under 500"):
        engine.ask("why " * 200)
