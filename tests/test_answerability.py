"""The refusal rule on evidence we can reason about, and the name and language detectors it uses."""

from __future__ import annotations

from dataclasses import replace

from bot.answerability import (
    Evidence,
    Thresholds,
    is_answered,
    known_words,
    looks_spanish,
    shared_words,
    unknown_names,
)
from bot.engine import Engine

CORPUS = known_words("Trump wants to send 30,000 migrants to the Guantanamo base; Saint Lucia, Santa Lucía. Cuba.")


def _evidence(score: float, *, share: float = 0.0, names: tuple[str, ...] = (), spanish: bool = False,
              shared: tuple[str, ...] = ("migrants",)) -> Evidence:
    return Evidence(best_score=score, unknown_share=share, unknown_names=names, spanish=spanish, shared_words=shared)


def test_unknown_names_ignore_accents_case_and_the_first_word() -> None:
    assert unknown_names("What did Lula say about Guantánamo?", CORPUS) == ["Lula"]
    assert unknown_names("Lula?", CORPUS) == []  # the first word is capitalised anyway
    assert unknown_names("How many in 2024 and 30,000?", CORPUS) == ["2024"]
    assert unknown_names("¿Qué dijo el primer ministro de Santa Lucía?", CORPUS) == []


def test_rules() -> None:
    t = Thresholds()
    assert is_answered(_evidence(0.40), t)
    assert not is_answered(_evidence(0.20), t)  # below the floor
    assert not is_answered(_evidence(0.40, names=("Lula",)), t)  # a name the corpus never mentions
    assert is_answered(_evidence(0.60, names=("Lula",)), t)  # unless the evidence is strong
    assert not is_answered(_evidence(0.40, share=0.8), t)  # mostly words the corpus never uses
    assert is_answered(_evidence(0.32, share=1.0, spanish=True), t)  # Spanish words are all "unknown"
    assert not is_answered(_evidence(0.40, names=("México",), spanish=True), t)
    assert not is_answered(_evidence(0.40, spanish=True, shared=()), t)  # Spanish sharing no word with the corpus
    missing = Evidence(best_score=0.9, unknown_share=0.0, unknown_names=(), spanish=False, answer_type_missing=True)
    assert not is_answered(missing, t)  # asks "when", and no passage near the best match holds a date
    position = Evidence(best_score=0.1, unknown_share=1.0, unknown_names=(), spanish=True, asks_position=True)
    assert is_answered(position, t)  # "¿Cómo termina el artículo?": about the article itself
    assert not is_answered(replace(position, unknown_names=("Lula",)), t)


def test_shared_words_include_names_and_spanish_cognates() -> None:
    assert shared_words("¿Cuántos migrantes quiere mandar Trump a Guantánamo?", CORPUS) == [
        "migrantes", "Trump", "Guantánamo"]
    assert shared_words("hola bot, ¿qué tal?", CORPUS) == []
    assert shared_words("¿Qué dijo el primer ministro de Santa Lucía?", CORPUS) == ["Santa", "Lucía"]


def test_spanish_detector() -> None:
    assert looks_spanish("¿Quién escribió el artículo?")
    assert looks_spanish("q acordaron sobre los migrantes deportados al final de la cumbre")
    assert not looks_spanish("What did Maduro propose for the region's food supply?")
    assert not looks_spanish("Who is Pablo Meriguet?")


def test_spanish_names_of_corpus_terms_are_not_unknown_names(engine: Engine) -> None:
    # corpus [aliases]: "US" / "United States" are also "EE.UU." and "Estados Unidos".
    for question in ("¿Qué dice la nota sobre los trabajadores latinos en EE.UU.?",
                     "¿Qué quiere Estados Unidos en la región?"):
        assert engine.retriever.retrieve(question, 3).evidence.unknown_names == (), question
    assert engine.retriever.retrieve("¿Qué dijo Petro en la cumbre?", 3).evidence.unknown_names == ("Petro",)


def test_questions_about_where_the_article_begins_or_ends_are_answered(engine: Engine) -> None:
    for question, expected in (("how does it begin?", "#p1"), ("¿Cómo termina el artículo?", "#p23")):
        answer = engine.ask(question)
        assert answer.answered and answer.citations[0].passage.id.endswith(expected), question
