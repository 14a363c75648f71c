"""Retrieval through the real engine: our own questions find their paragraph in the top 3."""

from __future__ import annotations

import json

import pytest

from bot.answering.engine import Engine
from bot.answering.question import QuestionError
from bot.cli import main
from bot.settings import Settings
from tests.conftest import SLUG
from tests.sample_questions import SAMPLE_QUESTIONS

QUESTIONS = [
    ("What did Maduro propose for the region's food supply?", "p9"),
    ("How much money will fund the reintegration of deported migrants?", "p6"),
    ("Which regional organisation did the summit want to revive?", "p7"),  # found since "summit" is no stop word
    ("What did Cuba's president say about the Guantanamo base?", "p12"),
    pytest.param(
        "Who founded ALBA and when?", "p3",
        marks=pytest.mark.xfail(strict=False, reason="known miss: 'founded' ≠ 'created' for MiniLM and BM25"),
    ),
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


def test_citations_follow_the_ranking_and_quote_the_article_verbatim(engine: Engine) -> None:
    question = "What did Arce warn about?"
    answer = engine.ask(question, top_k=5)
    ranked = [h.passage.id for h in engine.retriever.search(question, 5)]
    assert [c.passage.id for c in answer.citations] == ranked and len(set(ranked)) == 5
    assert [c.rank for c in answer.citations] == [1, 2, 3, 4, 5]
    article = engine.catalog.corpus.article(SLUG)
    for citation in answer.citations:
        if citation.passage.kind == "paragraph":
            assert citation.passage.text in article.paragraphs


def test_bad_questions_raise_clear_errors(engine: Engine) -> None:
    with pytest.raises(QuestionError):
        engine.ask(" \n\t ")
    with pytest.raises(QuestionError, match="at most 500"):
        engine.ask("why " * 200)


def test_a_checked_question_is_cleaned_once_and_answered_as_the_text_it_holds(engine: Engine) -> None:
    checked = engine.check("  ¿Qué propuso\u200b Maduro?\n")
    assert checked.text == "¿Qué propuso Maduro?"
    assert checked.language == "es"
    assert engine.check("What did Maduro propose?").language == "en"
    by_value, by_text = engine.ask(checked), engine.ask("¿Qué propuso Maduro?")
    assert by_value.confidence == by_text.confidence
    assert [c.passage.id for c in by_value.citations] == [c.passage.id for c in by_text.citations]
    with pytest.raises(QuestionError, match="at most 500"):
        engine.check("why " * 200)


def test_highlights_mark_the_answering_sentence_inside_verbatim_text(engine: Engine) -> None:
    answer = engine.ask("What did Canel say about sending 30,000 migrants to Guantanamo?")
    top = answer.citations[0]
    assert top.passage.id == f"{SLUG}#p12"
    assert top.highlights, "the best passage marks its answering sentence"
    for start, end in top.highlights:
        assert 0 <= start < end <= len(top.passage.text)
    marked = " ".join(top.passage.text[s:e] for s, e in top.highlights)
    assert "Guantanamo" in marked


def test_a_sentence_in_a_long_quote_is_highlighted_not_the_whole_passage(engine: Engine) -> None:
    answer = engine.ask("Which leader said Havana was put back on the list of countries sponsoring terrorism?")
    top = next(c for c in answer.citations if c.passage.id == f"{SLUG}#p11")
    (start, end), *_ = top.highlights
    assert top.passage.text[start:end].startswith("This is fundamental for Havana")


def test_country_or_office_finds_the_leader(engine: Engine) -> None:
    answer = engine.ask("What did Bolivia's president warn about?")
    assert answer.citations[0].passage.id.split("#")[1] in {"p18", "p19", "p20"}
    answer = engine.ask("what did the saint lucia PM say")
    assert answer.citations[0].passage.id == f"{SLUG}#p17"


@pytest.mark.parametrize(
    "question",
    ["What is the capital of France?", "What did Lula say at the ALBA summit?", "tell me a joke",
     "how do I reverse a list in python"],
)
def test_off_topic_questions_are_not_answered(engine: Engine, question: str) -> None:
    answer = engine.ask(question)
    assert not answer.answered
    assert answer.citations, "the nearest passages are still listed, for transparency"


def test_the_cli_and_the_engine_agree(
    engine: Engine, settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in (("SUMMIT_BOT_INDEX_DIR", settings.index_dir), ("SUMMIT_BOT_STATE_DIR", settings.state_dir),
                        ("SUMMIT_BOT_CORPUS_DIR", settings.corpus_dir)):
        monkeypatch.setenv(name, str(value))
    for question, _ in QUESTIONS[:2]:
        assert main(["ask", "--json", "-q", question]) == 0
        assert json.loads(capsys.readouterr().out) == json.loads(json.dumps(engine.ask(question).to_dict()))


def test_whether_a_question_is_answered_does_not_depend_on_how_many_passages_are_shown(engine: Engine) -> None:
    # A "when" question lifts passages holding a date above the best-matching one; the refusal
    # must still judge the best match, not only what made the top k.
    for question in SAMPLE_QUESTIONS:
        assert engine.ask(question, 1).answered == engine.ask(question, 5).answered, question


def test_a_repaired_question_says_what_was_searched(engine: Engine) -> None:
    answer = engine.ask("whos the autor of the artcle")
    assert answer.searched_for == "whos the autor of the article"
    assert answer.answered and answer.citations[0].passage.kind == "metadata"
    assert answer.to_dict()["searched_for"] == answer.searched_for
    unchanged = engine.ask("Who wrote the article?")
    assert unchanged.searched_for is None and unchanged.to_dict()["searched_for"] is None
