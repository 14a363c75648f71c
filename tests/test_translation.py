"""Spanish questions are also searched in English when Apertium is installed; a failing translator is dropped."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bot.engine import Engine
from bot.retrieval.translate import Translator, apertium_pipeline

needs_apertium = pytest.mark.skipif(apertium_pipeline() is None,
                                    reason="Debian's apertium-en-es is not installed (.ci/run installs it)")


@needs_apertium
def test_apertium_translates_spanish_questions_to_english() -> None:
    translator = Translator.apertium()
    try:
        assert translator.translate("¿Quién escribió el artículo?") == "Who wrote the article?"
        # Characters that mean something to Apertium's stream format arrive as written.
        assert "[on]" in (translator.translate("qué dijo [sobre] los $5") or "")
    finally:
        translator.close()


@needs_apertium
def test_a_spanish_question_finds_its_passage_through_its_translation(engine: Engine) -> None:
    # "aranceles" (tariffs) shares no word or cognate with the article: the translation carries it.
    answer = engine.ask("lo de los aranceles de trump sale en el articulo? a quien se los anuncio")
    assert answer.citations[0].passage.id.endswith("#p2")


def test_a_translator_that_stalls_is_given_up_and_questions_go_on() -> None:
    stalled = Translator([sys.executable, "-c", "import time; time.sleep(60)"], timeout=0.2, start_timeout=0.2)
    assert stalled.translate("hola") is None
    assert not stalled.available
    assert stalled.translate("otra vez") is None  # no second wait


def test_a_translator_that_exits_is_given_up() -> None:
    gone = Translator([sys.executable, "-c", "pass"], timeout=5, start_timeout=5)
    assert gone.translate("hola") is None and not gone.available


def test_without_apertium_nothing_is_translated(tmp_path: Path) -> None:
    assert apertium_pipeline(modes_dir=tmp_path) is None
    assert Translator(None).translate("hola") is None
