"""Spanish questions are also searched in English when Apertium is installed; a failing translator rests, then
starts afresh."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bot.answering.engine import Engine
from bot.retrieval.translate import MachineTranslator, apertium_pipeline

needs_apertium = pytest.mark.skipif(apertium_pipeline() is None,
                                    reason="Debian's apertium-en-es is not installed (.ci/run installs it)")


@needs_apertium
def test_apertium_translates_spanish_questions_to_english() -> None:
    translator = MachineTranslator.apertium()
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


# Stalls the first time it is started (leaving a mark), then echoes each null-terminated line upper-cased.
_STALLS_ONCE = """
import os, sys, time
mark = sys.argv[1]
if not os.path.exists(mark):
    open(mark, "w").close()
    time.sleep(60)
buffer = b""
while True:
    chunk = os.read(0, 65536)
    if not chunk:
        break
    buffer += chunk
    while b"\\0" in buffer:
        line, buffer = buffer.split(b"\\0", 1)
        os.write(1, line.strip().upper() + b"\\0")
"""


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_translator_that_stalls_rests_without_waiting_again_then_starts_afresh(tmp_path: Path) -> None:
    clock = Clock()
    command = [sys.executable, "-c", _STALLS_ONCE, str(tmp_path / "started")]
    translator = MachineTranslator(command, timeout=0.3, start_timeout=0.3, retry_after=30, clock=clock)
    try:
        assert translator.translate("hola") is None and translator.failures == 1
        assert translator.translate("otra vez") is None and translator.failures == 1  # resting: no second wait
        clock.now = 31  # the rest is over: a fresh pipeline answers
        assert translator.translate("otra vez") == "OTRA VEZ"
        assert translator.available and translator.failures == 1
    finally:
        translator.close()


def test_a_translator_that_exits_rests_and_questions_go_on() -> None:
    gone = MachineTranslator([sys.executable, "-c", "pass"], timeout=5, start_timeout=5, clock=Clock())
    assert gone.translate("hola") is None and gone.resting and gone.failures == 1


def test_without_apertium_nothing_is_translated(tmp_path: Path) -> None:
    assert apertium_pipeline(modes_dir=tmp_path) is None
    assert MachineTranslator(None).translate("hola") is None
