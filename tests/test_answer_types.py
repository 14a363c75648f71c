"""Which kind of answer a question wants, and which passages hold one."""

from __future__ import annotations

import pytest

from bot.answering.engine import Engine
from bot.retrieval.answer_kinds import TEXT_TYPES, held_types, passages_holding, wanted_types
from bot.retrieval.phrases import kind_phrases
from tests.conftest import SLUG


@pytest.mark.parametrize(("question", "wanted"), [
    ("What year was the alliance set up?", {"year"}),
    ("when did it happen", {"time"}),
    ("when's the next summit", {"time"}),
    ("¿En qué año se fundó?", {"year"}),
    ("¿Cuándo fue la cumbre?", {"time"}),
    ("what did they sign when the meeting ended", set()),  # "when" as a conjunction
    ("was cuba put back on the terrorism sponsors list?", set()),
    ("who said integration is not only about investment?", {"speaker"}),  # about money, not asking a sum
    ("How much money is going into the plan?", {"money"}),
    ("who is paying for it", {"money"}),
    ("¿Cuánto dinero se va a invertir?", {"money"}),
    ("How many migrants will go to Guantánamo?", {"count"}),
    ("¿Cuántos migrantes?", {"count"}),
    ("What did Maduro propose?", set()),
    ("what does ALBA-TCP stand for", {"expansion"}),
    ("¿Qué significan las siglas CELAC?", {"expansion"}),
    ("who said we must stay united?", {"speaker"}),
    ("which leader warned about a superpower", {"speaker"}),
    ("¿Quién dijo que hay que defender a los migrantes?", {"speaker"}),
    ("how does the article end?", {"last"}),
    ("what is the last paragraph about", {"last"}),
    ("what was agreed at the conclusion of the meeting", set()),  # the meeting's end, not the article's
    ("how does the piece begin?", {"first"}),
])
def test_wanted_types(question: str, wanted: set[str]) -> None:
    assert wanted_types(question) == wanted


@pytest.mark.parametrize(("text", "held"), [
    ("created by Fidel Castro and Hugo Chavez in 2004", {"time", "year"}),
    ("held on February 3", {"time"}),  # a date's day is no count
    ("send more than 30,000 migrants", {"count"}),
    ("Trump’s first two weeks in office", {"count"}),
    ("a few hours after Trump took office", {"time"}),
    ("a joint investment of USD 10 million", {"money", "count"}),
    ("costs $5", {"money"}),
    ("Maduro proposed a fleet", set()),
    ("the Peoples’ Trade Treaty (ALBA-TCP) met", {"expansion"}),
    ("the reactivation of the Community of Latin American and Caribbean States (CELAC)", {"expansion"}),
    ("a pledge of GBP 5 million", {"money", "count"}),  # the sums the highlight knows are sums held
    ("the millions of Latino workers who sustain it", {"count"}),
])
def test_held_types(text: str, held: set[str]) -> None:
    assert held_types(text) == held


def test_a_passage_holds_a_kind_exactly_where_the_highlight_finds_its_phrase(engine: Engine) -> None:
    holds = passages_holding(engine.index.passages, engine.catalog.speakers)
    for row, passage in enumerate(engine.index.passages):
        for kind in TEXT_TYPES:
            assert bool(holds[kind][row]) == bool(kind_phrases(passage.text, kind)), (passage.id, kind)


def test_a_year_question_prefers_the_passage_with_the_year(engine: Engine) -> None:
    hits = engine.retriever.search("In which year was the bloc set up?", 3)
    assert hits[0].passage.id.endswith("#p3"), [h.passage.id for h in hits]


def test_asking_for_a_sum_the_corpus_does_not_give_is_refused(engine: Engine) -> None:
    # Guantánamo is in the corpus, a cost of running it is not; the reintegration fund's sum is.
    refused = engine.ask("What is the yearly cost of running the Guantanamo base?")
    assert not refused.answered
    assert refused.citations  # the nearest passages are still listed
    answered = engine.ask("How much will the reintegration effort be funded with?")
    assert answered.answered and answered.citations[0].passage.id.endswith("#p6")
    assert not engine.ask("When was the ALBA-TCP Bank created?").answered


def test_structural_kinds_come_from_the_catalog(engine: Engine) -> None:
    holds = passages_holding(engine.index.passages, engine.catalog.speakers)
    ids = [p.id for p in engine.index.passages]
    assert [i for i, held in zip(ids, holds["last"], strict=True) if held] == [ids[-1]]
    assert [i for i, held in zip(ids, holds["first"], strict=True) if held] == [f"{SLUG}#p1"]
    spoken = {i for i, held in zip(ids, holds["speaker"], strict=True) if held}
    assert any(i.endswith("#p8") for i in spoken) and not any(i.endswith("#meta") for i in spoken)


@pytest.mark.parametrize(("question", "expected"), [
    ("What is ALBA-TCP short for? Its full name?", "#p1"),
    ("How does the piece finish?", "#p23"),
    ("Who said we must remain united for the defense of our peoples?", "#p17"),  # the headline quotes it too
])
def test_the_wanted_kind_comes_first(engine: Engine, question: str, expected: str) -> None:
    hits = engine.retriever.search(question, 3)
    assert hits[0].passage.id.endswith(expected), [h.passage.id for h in hits]
