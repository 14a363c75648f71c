"""Typo repair: corpus words and common English words are targets; real words and names stay."""

from __future__ import annotations

import pytest

from bot.answering.engine import Engine
from bot.index.wordfreqs import WordFrequencies
from bot.retrieval.normalise import Speller, edit_distance

ENGLISH = WordFrequencies({"article": 5.2, "meeting": 5.3, "found": 5.5, "world": 6.0, "the": 7.7, "navy": 4.6,
                           "miles": 4.9})
CORPUS = ["Maduro proposed an air and sea fleet", "Skerrit called for dedication", "reintegration of migrants"]


@pytest.mark.parametrize(("a", "b", "distance"), [
    ("world", "wrold", 1), ("article", "artcle", 1), ("skerrit", "skeritt", 2), ("fleet", "fleet", 0),
    ("proposed", "propsed", 1), ("abc", "xyz", 3),
])
def test_edit_distance_counts_a_swap_as_one(a: str, b: str, distance: int) -> None:
    assert edit_distance(a, b, 5) == distance


def test_repairs_towards_corpus_and_common_english() -> None:
    speller = Speller.from_texts(CORPUS, ENGLISH)
    assert speller.correct("maduro propsed a navy") == "maduro proposed a navy"
    assert speller.correct("Skeritt on integration") == "Skerrit on integration"
    assert speller.correct("whos the autor of the artcle") == "whos the autor of the article"
    assert speller.correct("end of the meetng") == "end of the meeting"


def test_a_capitalised_word_inside_a_sentence_is_only_repaired_towards_the_corpus() -> None:
    speller = Speller.from_texts(CORPUS, ENGLISH)
    assert speller.correct("Did Milei attend?") == "Did Milei attend?"  # a name the corpus lacks, not "Miles"
    assert speller.correct("milei and the fleet") == "miles and the fleet"  # lower case: any close word
    assert speller.correct("What did Skeritt say?") == "What did Skerrit say?"  # a corpus name


def test_leaves_real_words_short_words_and_unmatched_words_alone() -> None:
    speller = Speller.from_texts(CORPUS, ENGLISH)
    for text in ("the navy", "fleet", "xq zzz", "Bolsonaro visited", "reintegration", "a" * 400 + "rticle"):
        assert speller.correct(text) == text


def test_the_built_table_knows_english(engine: Engine) -> None:
    table = engine.index.frequencies
    assert table is not None and len(table) > 50_000
    assert table.zipf("the") > 7 > table.zipf("tariffs") > 3 > table.zipf("artcle") == 0.0
    speller = engine.retriever.speller
    assert speller is not None
    assert speller.correct("what did maduro propse about a fleet") == "what did maduro propose about a fleet"
