"""Which kind of answer a question wants, and which passages hold one."""

from __future__ import annotations

import pytest

from bot.answer_types import held_types, wanted_types
from bot.engine import Engine


@pytest.mark.parametrize(("question", "wanted"), [
    ("What year was the alliance set up?", {"year"}),
    ("when did it happen", {"time"}),
    ("when's the next summit", {"time"}),
    ("¿En qué año se fundó?", {"year"}),
    ("¿Cuándo fue la cumbre?", {"time"}),
    ("what did they sign when the meeting ended", set()),  # "when" as a conjunction
    ("was cuba put back on the terrorism sponsors list?", set()),
    ("who said integration is not only about investment?", set()),  # about money, not asking an amount
    ("How much money is going into the plan?", {"money"}),
    ("who is paying for it", {"money"}),
    ("¿Cuánto dinero se va a invertir?", {"money"}),
    ("How many migrants will go to Guantánamo?", {"count"}),
    ("¿Cuántos migrantes?", {"count"}),
    ("What did Maduro propose?", set()),
])
def test_wanted_types(question: str, wanted: set[str]) -> None:
    assert wanted_types(question) == wanted


@pytest.mark.parametrize(("text", "held"), [
    ("created by Fidel Castro and Hugo Chavez in 2004", {"time", "year", "count"}),
    ("held on February 3", {"time", "count"}),
    ("a few hours after Trump took office", {"time"}),
    ("a joint investment of USD 10 million", {"money", "count"}),
    ("costs $5", {"money", "count"}),
    ("Maduro proposed a fleet", set()),
])
def test_held_types(text: str, held: set[str]) -> None:
    assert held_types(text) == held


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
