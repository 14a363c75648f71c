"""What a member reads: refusals that say what the coverage never mentions, greetings that are not
questions, and first replies within the length budget on the blind questions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.answering.engine import Engine
from bot.answering.question import is_greeting
from bot.discord_app import render
from bot.i18n import texts

BLIND_DEV = Path(__file__).parents[1] / "eval" / "blind_dev.jsonl"


def test_a_refusal_names_the_people_the_coverage_never_mentions_and_the_leaders_it_quotes(engine: Engine) -> None:
    answer = engine.ask("did petro or lula attend?")
    assert not answer.answered
    assert answer.unmentioned == ("petro", "lula")
    assert len(answer.leaders) == len({s.person.name for s in engine.catalog.speakers}) > 0
    embed = render.answer_embed(answer)
    assert "The coverage never mentions “petro” or “lula”." in (embed.description or "")
    assert all(p.name in (embed.description or "") for p in answer.leaders)


def test_a_word_the_corpus_uses_in_another_form_is_not_called_unmentioned(engine: Engine) -> None:
    assert engine.ask("What did Maduro propose?").unmentioned == ()  # "proposed" is in the corpus


@pytest.mark.parametrize("text", ["hola", "Hi there!", "buenas tardes", "¿qué tal?", "thanks!"])
def test_greetings_are_recognised(text: str) -> None:
    assert is_greeting(text)


@pytest.mark.parametrize("text", ["hola, ¿qué propuso Maduro?", "who spoke?", "hello what was agreed", "2025"])
def test_questions_are_not_greetings(text: str) -> None:
    assert not is_greeting(text)


def test_first_replies_to_the_blind_questions_are_within_the_reading_budget(engine: Engine) -> None:
    rows = [json.loads(line) for line in BLIND_DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    over = []
    for row in rows[::4]:
        answer = engine.ask(row["question"])
        embed = render.answer_embed(answer, texts("es" if row.get("lang") == "es" else "en"))
        chars, lines = render.reply_size(embed)
        if answer.answered:
            assert "**" not in "".join(f.value or "" for f in embed.fields), row["question"]
        if chars > render.REPLY_BUDGET[0] or lines > render.REPLY_BUDGET[1]:
            over.append((row["question"], chars, lines))
    assert over == []


def test_a_refusal_naming_no_person_does_not_list_the_leaders(engine: Engine) -> None:
    answer = engine.ask("How do I bake sourdough bread at home?")
    assert not answer.answered and "sourdough" in answer.unmentioned
    assert answer.leaders == ()


def test_a_spanish_question_is_not_told_its_ordinary_words_are_unmentioned(engine: Engine) -> None:
    # the coverage is English: every Spanish word is "absent" from it, and saying so would read as nonsense
    answer = engine.ask("¿Cómo se hornea el pan de masa madre en casa?")
    assert answer.unmentioned == ()


def test_a_spanish_question_is_told_the_names_the_coverage_never_mentions(engine: Engine) -> None:
    answer = engine.ask("¿Asistieron Petro y Lula a la cumbre?")
    assert answer.unmentioned == ("Petro", "Lula")
    assert not answer.answered and answer.leaders
