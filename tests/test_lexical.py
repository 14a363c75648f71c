"""BM25 queried with numpy gives exactly what bm25s computes, without importing bm25s."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bot.answering.engine import Engine
from bot.index.lexical import LexicalIndex, build_stopwords, normalise_numbers, tokenize
from bot.retrieval import lexical_document
from tests.sample_questions import SAMPLE_QUESTIONS


def test_scores_and_tokens_match_bm25s(engine: Engine) -> None:
    import bm25s
    import Stemmer

    documents = [lexical_document(p, engine.catalog.speakers) for p in engine.index.passages]
    stopwords = build_stopwords()
    ours = LexicalIndex.build(documents)
    reference = bm25s.BM25()
    stemmer = Stemmer.Stemmer("english")
    normalised = [normalise_numbers(d) for d in documents]
    reference.index(bm25s.tokenize(normalised, stopwords=sorted(stopwords), stemmer=stemmer, show_progress=False),
                    show_progress=False)
    for question in SAMPLE_QUESTIONS:
        expected_tokens = bm25s.tokenize([normalise_numbers(question)], stopwords=sorted(stopwords), stemmer=stemmer,
                                         return_ids=False, show_progress=False)[0]
        assert tokenize(question, stopwords) == expected_tokens
        known = [t for t in dict.fromkeys(expected_tokens) if t in reference.vocab_dict]
        expected = reference.get_scores(known) if known else np.zeros(len(documents))
        assert np.allclose(ours.scores(question), expected, atol=1e-5), question


def test_save_load_roundtrip_and_damage(tmp_path: Path) -> None:
    index = LexicalIndex.build(["Maduro proposed a fleet", "Arce warned about a superpower", "a fleet of ships"])
    index.save(tmp_path)
    again = LexicalIndex.load(tmp_path)
    assert np.array_equal(again.scores("fleet ships"), index.scores("fleet ships"))
    assert again.scores("fleet ships").argmax() == 2
    (tmp_path / "lexicon.json").write_text('{"documents": 3, "vocabulary": {}, "stopwords": []}')
    with pytest.raises(ValueError):
        LexicalIndex.load(tmp_path)


def test_query_path_does_not_import_bm25s_or_scipy(tmp_path: Path) -> None:
    LexicalIndex.build(["Maduro proposed a fleet", "Arce warned"]).save(tmp_path)
    code = (f"import sys; from bot.index.lexical import LexicalIndex; i = LexicalIndex.load(__import__('pathlib').Path("
            f"{str(tmp_path)!r})); print(i.scores('fleet').argmax(), 'bm25s' in sys.modules, 'scipy' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.split() == ["0", "False", "False"]


@pytest.mark.parametrize(("text", "expected"), [
    ("the XII Extraordinary Summit", "the 12 Extraordinary Summit"),
    ("the 12th summit, the 3rd day, the 1st one", "the 12 summit, the 3 day, the 1 one"),
    ("XXXIX and IV and VIII", "39 and 4 and 8"),
    ("Xi met the DC mayor; a mix of I and V", "Xi met the DC mayor; a mix of I and V"),  # not numerals
])
def test_numbers_are_normalised(text: str, expected: str) -> None:
    assert normalise_numbers(text) == expected


def test_twelfth_summit_finds_xii() -> None:
    index = LexicalIndex.build(["During the XII Extraordinary Summit", "The 2004 founding"])
    assert index.scores("the 12th summit").argmax() == 0
