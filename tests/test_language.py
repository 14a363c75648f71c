"""Which language a question is in: from word frequencies, with the marker-word rule as fallback."""

from __future__ import annotations

import pytest

from bot.answering.engine import Engine
from bot.retrieval.language import question_language


@pytest.mark.parametrize("question", [
    "como termina el articulo",  # no accent, no "¿": the marker rule missed these
    "arce migración?",
    "receta de arepas fácil porfa",
    "¿Qué propuso Maduro?",
])
def test_spanish_questions_are_spanish_even_without_accents(engine: Engine, question: str) -> None:
    assert question_language(question, engine.index.frequencies) == "es"


@pytest.mark.parametrize("question", [
    "What did Maduro propose for the region's food supply?",
    "what did the venezuelan guy want to do with warships and jets",
    "Did Díaz-Canel mention Guantánamo?",  # Spanish names in an English question
])
def test_english_questions_with_spanish_names_are_english(engine: Engine, question: str) -> None:
    assert question_language(question, engine.index.frequencies) == "en"


def test_without_frequency_tables_the_marker_words_decide() -> None:
    assert question_language("¿Qué dijo el presidente de Cuba?") == "es"
    assert question_language("What did Cuba's president say?") == "en"
