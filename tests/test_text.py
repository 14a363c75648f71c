"""One folding and one tokenizer for every step that reads text."""

from __future__ import annotations

from bot.text import contains_words, fold, letter_runs, tokenize, whole_words


def test_a_name_with_its_hyphen_and_possessive_is_one_word() -> None:
    assert tokenize("Díaz-Canel’s push, ALBA-TCP's bank") == ["Díaz-Canel’s", "push", "ALBA-TCP's", "bank"]


def test_a_lone_hyphen_or_apostrophe_is_no_word() -> None:
    assert tokenize("unity - and ' the 's rest_of") == ["unity", "and", "the", "s", "rest_of"]


def test_numbers_are_words_and_letter_runs_leave_them_out() -> None:
    assert tokenize("30,000 migrants in 2025") == ["30", "000", "migrants", "in", "2025"]
    assert letter_runs("Díaz-Canel’s 30 migrants") == ["Díaz", "Canel", "s", "migrants"]
    assert letter_runs("Díaz-Canel’s 30 migrants", 5) == ["Canel", "migrants"]


def test_fold_ignores_case_accents_and_the_typographic_apostrophe() -> None:
    assert fold("Díaz-Canel’s GUANTÁNAMO") == "diaz-canel's guantanamo"
    assert fold("plain ascii") == "plain ascii"
    assert fold("Straße") == "strasse"


def test_whole_words_match_a_name_only_where_it_stands_alone() -> None:
    names = whole_words(["Arce", "Luis Arce"])
    assert [m.group(0) for m in names.finditer("Marcel met Arce, then Luis Arce.")] == ["Arce", "Luis Arce"]
    assert contains_words("saint lucia's pm", "saint lucia")
    assert not contains_words("saint lucian", "saint lucia")
