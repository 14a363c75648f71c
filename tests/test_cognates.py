"""Spanish words bring the English corpus words they are cognates of to BM25."""

from __future__ import annotations

from bot.answering.engine import Engine
from bot.retrieval.language import Cognates

WORDS = ["migrants", "migrant", "migration", "deportations", "deported", "reintegration", "criminalize", "fleet"]


def test_each_long_word_brings_its_closest_corpus_words() -> None:
    cognates = Cognates(WORDS)
    assert cognates.of("¿Qué pasó con los migrantes deportados?") == ["migrant", "migrants", "deportations"]
    assert cognates.of("la reintegración") == ["reintegration"]  # accents folded
    assert cognates.of("¿Quién criticó la criminalización?") == ["criminalize"]
    assert cognates.of("la flota del país") == []  # short words, and no shared start


def test_a_spanish_question_finds_its_paragraph_through_cognates(engine: Engine) -> None:
    hits = engine.retriever.search("¿Quién criticó la criminalización de la migración?", 3)
    assert hits[0].passage.id.endswith("#p20"), [h.passage.id for h in hits]  # Arce: "criminalize migration"
