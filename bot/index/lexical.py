"""Lexical (BM25) scoring of passages: built with bm25s, queried with numpy alone.

bm25s builds the index (English stemming, stop words) as a CSC matrix of BM25 weights, which we
save in our own layout. Queries only need a sum over a few columns, so they read those arrays with
numpy and tokenize the way bm25s does: importing bm25s pulls in scipy, half a second on every cold
start.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from bot.words import EN_CONTRACTIONS, EN_QUESTION_WORDS

log = logging.getLogger(__name__)

TOKEN_RE = re.compile(r"(?u)\b\w\w+\b")  # bm25s's default token pattern
WEIGHTS_FILE = "weights.npz"  # BM25 weight of each (term, document): CSC data, indices, indptr
LEXICON_FILE = "lexicon.json"  # documents, vocabulary (term -> column), stop words

# Upper-case Roman numerals from II to XXXIX ("XII Extraordinary Summit"), and ordinals ("12th").
_ROMAN_RE = re.compile(r"\b(?=[XVI]{2,}\b)(X{0,3})(IX|IV|V?I{0,3})\b")
_ORDINAL_RE = re.compile(r"\b(\d+)(?:st|nd|rd|th)\b", re.IGNORECASE)
_ROMAN_DIGITS = {"": 0, "I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6, "VII": 7, "VIII": 8, "IX": 9}


def normalise_numbers(text: str) -> str:
    """Roman numerals and ordinals as plain numbers, so "12th" matches "XII"."""
    text = _ROMAN_RE.sub(lambda m: str(10 * len(m.group(1)) + _ROMAN_DIGITS[m.group(2)]), text)
    return _ORDINAL_RE.sub(r"\1", text)


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


def build_stopwords() -> frozenset[str]:
    """bm25s's English stop words plus question words (used at build time, then saved)."""
    from bm25s.stopwords import STOPWORDS_EN

    # Question words carry no topic: without them "what did X say" matches on X alone.
    return frozenset(STOPWORDS_EN) | EN_QUESTION_WORDS | EN_CONTRACTIONS


def tokenize(text: str, stopwords: frozenset[str]) -> list[str]:
    """Lower-cased, stop-word-free, stemmed tokens: the same as `bm25s.tokenize` with our settings."""
    words = [w for w in TOKEN_RE.findall(normalise_numbers(text).lower()) if w not in stopwords]
    return _stemmer().stemWords(words) if words else []


class LexicalIndex:
    """BM25 weights of each (term, passage), as bm25s computed them; scored with numpy."""

    def __init__(self, vocabulary: dict[str, int], data: np.ndarray, indices: np.ndarray, indptr: np.ndarray,
                 documents: int, stopwords: frozenset[str]) -> None:
        self.vocabulary = vocabulary
        self._data, self._indices, self._indptr = data, indices, indptr
        self.documents = documents
        self.stopwords = stopwords

    @classmethod
    def build(cls, documents: Sequence[str]) -> LexicalIndex:
        """Index `documents` with bm25s's public API: `BM25.index` over our tokens, then its weight matrix
        (`BM25.scores`, CSC arrays) and vocabulary (`BM25.vocab_dict`)."""
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s sets DEBUG on import
        stopwords = build_stopwords()
        model = bm25s.BM25()
        model.index([tokenize(d, stopwords) for d in documents], create_empty_token=False, show_progress=False)
        weights = model.scores
        return cls.checked(dict(model.vocab_dict), np.asarray(weights["data"]), np.asarray(weights["indices"]),
                           np.asarray(weights["indptr"]), int(weights["num_docs"]), stopwords)

    @classmethod
    def checked(cls, vocabulary: dict[str, int], data: np.ndarray, indices: np.ndarray, indptr: np.ndarray,
                documents: int, stopwords: frozenset[str]) -> LexicalIndex:
        """The index of these arrays, once they are seen to fit together (ValueError if not)."""
        columns = indptr.shape[0] - 1
        # An empty token (bm25s can add one for documents without tokens) has no weights.
        vocabulary = {token: column for token, column in vocabulary.items() if token and column < columns}
        if (len(vocabulary) != columns or data.shape != indices.shape or indptr[-1] != data.shape[0]
                or (indices.size and (indices.max() >= documents or indices.min() < 0))):
            raise ValueError("BM25 arrays do not match the vocabulary")
        return cls(vocabulary, data, indices, indptr, documents, stopwords)

    def save(self, directory: Path) -> None:
        """Write the index into `directory`, in our own layout: the weights' CSC arrays, and a lexicon (documents,
        vocabulary, stop words)."""
        directory.mkdir(parents=True, exist_ok=True)
        with (directory / WEIGHTS_FILE).open("wb") as handle:
            np.savez(handle, data=self._data, indices=self._indices, indptr=self._indptr)
        lexicon = {"documents": self.documents, "vocabulary": self.vocabulary, "stopwords": sorted(self.stopwords)}
        (directory / LEXICON_FILE).write_text(json.dumps(lexicon, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> LexicalIndex:
        """Read a saved index (raises OSError/ValueError/KeyError when files are missing or damaged)."""
        lexicon = json.loads((directory / LEXICON_FILE).read_text(encoding="utf-8"))
        with np.load(directory / WEIGHTS_FILE, allow_pickle=False) as weights:
            data, indices, indptr = weights["data"], weights["indices"], weights["indptr"]
        return cls.checked(dict(lexicon["vocabulary"]), data, indices, indptr, int(lexicon["documents"]),
                           frozenset(lexicon["stopwords"]))

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every document for `query` (zeros when no query word is indexed)."""
        scores = np.zeros(self.documents, dtype=np.float32)
        for token in dict.fromkeys(tokenize(query, self.stopwords)):
            column = self.vocabulary.get(token)
            if column is not None:
                start, end = self._indptr[column], self._indptr[column + 1]
                np.add.at(scores, self._indices[start:end], self._data[start:end])
        return scores

