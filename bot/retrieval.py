"""Retrieval: a question in, scored passages out (no Discord, no formatting)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from bot.index import PassageIndex
from bot.passages import Passage

QueryEncoder = Callable[[str], np.ndarray]


@dataclass(frozen=True)
class Hit:
    """A passage found for a question: `score` is the cosine of its best matching text."""

    passage: Passage
    score: float
    highlights: tuple[tuple[int, int], ...] = ()


class Retriever:
    """Dense retrieval: cosine of the question against every passage."""

    def __init__(self, index: PassageIndex, encode_query: QueryEncoder) -> None:
        self.index = index
        self.encode_query = encode_query

    def search(self, question: str, k: int) -> list[Hit]:
        """The `k` passages closest to `question`, best first."""
        query = self.encode_query(question)
        scores, rows = self.index.dense.search(query, k)
        return [Hit(self.index.passages[int(r)], float(s)) for s, r in zip(scores, rows, strict=True)]
