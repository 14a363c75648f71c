"""Lexical (BM25) scoring of passages with bm25s, English stemming and stop words."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

# Question words carry no topic: without them "what did X say" matches on X alone.
_QUESTION_WORDS = frozenset(
    "what whats when where which who whom whose why how did does do done say said tell told "
    "about anything something please article bot summit".split()
)


@lru_cache(maxsize=1)
def _stopwords() -> list[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return sorted(set(STOPWORDS_EN) | _QUESTION_WORDS)


@lru_cache(maxsize=1)
def _stemmer():  # type: ignore[no-untyped-def]
    import Stemmer

    return Stemmer.Stemmer("english")


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    """Lower-cased, stemmed tokens without stop words, one list per text."""
    import bm25s

    return bm25s.tokenize(
        list(texts), stopwords=_stopwords(), stemmer=_stemmer(), return_ids=False, show_progress=False
    )


class LexicalIndex:
    """BM25 over one document per passage."""

    def __init__(self, model: object) -> None:
        self._model = model

    @classmethod
    def build(cls, documents: Sequence[str]) -> LexicalIndex:
        import bm25s

        model = bm25s.BM25()
        model.index(tokenize(documents), show_progress=False)
        return cls(model)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every document for `query` (zeros when no query word is indexed)."""
        tokens = tokenize([query])[0]
        known = [t for t in tokens if t in self._model.vocab_dict]  # type: ignore[attr-defined]
        n = self._model.scores["num_docs"]  # type: ignore[attr-defined]
        if not known:
            return np.zeros(n, dtype=np.float32)
        return np.asarray(self._model.get_scores(known), dtype=np.float32)  # type: ignore[attr-defined]

    def unknown_share(self, query: str) -> float:
        """Share of the query's content words that no indexed document uses (0 when it has none)."""
        tokens = tokenize([query])[0]
        if not tokens:
            return 0.0
        vocabulary = self._model.vocab_dict  # type: ignore[attr-defined]
        return sum(t not in vocabulary for t in tokens) / len(tokens)

    def save(self, directory: Path) -> None:
        self._model.save(str(directory))  # type: ignore[attr-defined]

    @classmethod
    def load(cls, directory: Path) -> LexicalIndex:
        import bm25s

        return cls(bm25s.BM25.load(str(directory)))
