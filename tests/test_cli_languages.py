"""The terminal's framing in Spanish: `--lang es`, or a LANG starting with "es"; the passages stay verbatim."""

from __future__ import annotations

import pytest

from bot.answering.engine import Engine
from bot.cli import main
from bot.settings import Settings

MADURO = "¿Qué propuso Maduro para el abastecimiento de alimentos de la región?"


@pytest.fixture
def env(settings: Settings, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """The session's index; no language in the environment unless a test sets one."""
    for key, value in {"SUMMIT_BOT_INDEX_DIR": str(settings.index_dir), "SUMMIT_BOT_STATE_DIR": str(settings.state_dir),
                       "SUMMIT_BOT_CORPUS_DIR": str(settings.corpus_dir), "NO_COLOR": "1"}.items():
        monkeypatch.setenv(key, value)
    for key in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(key, raising=False)


def test_lang_es_frames_the_answer_in_spanish_and_keeps_the_passage_verbatim(
    env: None, engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--lang", "es", "ask", MADURO]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"P: {MADURO}\n")
    assert "(Citas textuales del original en inglés)" in out
    assert "(similitud 0," in out  # a decimal comma
    assert "air and sea fleet" in out  # the quoted passage, in English


def test_a_spanish_lang_in_the_environment_is_followed(
    env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LANG", "es_MX.UTF-8")
    assert main(["ask", "What did Ortega stress?"]) == 0
    assert capsys.readouterr().out.startswith("P: What did Ortega stress?")
    assert main(["--lang", "en", "ask", "What did Ortega stress?"]) == 0  # the flag wins
    assert capsys.readouterr().out.startswith("Q: What did Ortega stress?")


def test_english_by_default(env: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "What did Ortega stress?"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Q: ") and "(similarity " in out and "Cita" not in out


def test_the_refusal_and_a_question_error_in_spanish(env: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lang", "es", "ask", "How do I bake sourdough bread at home?"]) == 0
    assert "La cobertura de la cumbre que tengo no responde a esto." in capsys.readouterr().out
    assert main(["--lang", "es", "ask", "???"]) == 2
    assert "Escribe tu pregunta con palabras, por ejemplo: ¿Qué propuso Maduro?" in capsys.readouterr().err


def test_leaders_and_sources_in_spanish(env: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lang", "es", "leaders"]) == 0
    out = capsys.readouterr().out
    assert "Nicolás Maduro — Presidente de Venezuela" in out
    assert "Philip Pierre — Primer ministro de Santa Lucía" in out
    assert main(["--lang", "es", "sources"]) == 0
    assert "6 de febrero de 2025" in capsys.readouterr().out


def test_lang_may_follow_the_command(env: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["leaders", "--lang", "es"]) == 0
    assert "Presidente de Venezuela" in capsys.readouterr().out
