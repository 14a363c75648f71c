"""Exact cosine search over an L2-normalised float32 matrix (numpy only)."""

from __future__ import annotations

import numpy as np


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Row indices of the `k` highest scores, best first (ties broken by lower row)."""
    n = scores.shape[0]
    k = min(k, n)
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    candidates = np.argpartition(-scores, k - 1)[:k] if k < n else np.arange(n)
    order = np.lexsort((candidates, -scores[candidates]))
    return candidates[order]


class VectorIndex:
    """A matrix of unit vectors searched by exact inner product (= cosine)."""

    def __init__(self, vectors: np.ndarray) -> None:
        if vectors.ndim != 2:
            raise ValueError(f"expected a 2-D matrix, got shape {vectors.shape}")
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)

    def __len__(self) -> int:
        return self.vectors.shape[0]

    @property
    def dimension(self) -> int:
        return self.vectors.shape[1]

    def scores(self, query: np.ndarray) -> np.ndarray:
        """Cosine similarity of `query` (a unit vector) with every row."""
        return self.vectors @ np.asarray(query, dtype=np.float32).reshape(-1)

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The `k` best rows for `query`: (scores, row indices), best first."""
        scores = self.scores(query)
        rows = top_k(scores, k)
        return scores[rows], rows
