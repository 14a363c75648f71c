"""A cache of embeddings keyed by (model, text hash), so a corpus edit re-embeds only what changed."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from bot.atomic import atomic_file

log = logging.getLogger(__name__)


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """Vectors of texts already embedded by one model, stored in one `.npz` file.

    Held as one matrix with a row per text (a key -> row map beside it), not an array per text: at a
    million passages the cache holds some 4.6 million vectors, and a first build hands the matrix on
    without copying it.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._rows: dict[str, int] = {}
        self._matrix = np.zeros((0, 0), dtype=np.float32)
        self._dirty = False
        self._load()

    def _load(self) -> None:
        if not self.path.is_file():
            return
        try:
            with np.load(self.path, allow_pickle=False) as data:
                keys, vectors = data["keys"], data["vectors"]
                if len(keys) != len(vectors):
                    raise ValueError("keys and vectors differ in length")
                self._rows = {str(k): i for i, k in enumerate(keys.tolist())}
                self._matrix = np.asarray(vectors, dtype=np.float32)
        except Exception as exc:  # a damaged cache is only a lost speed-up
            log.warning("embedding cache %s is unreadable (%s); starting a new one", self.path, exc)
            self._rows, self._matrix = {}, np.zeros((0, 0), dtype=np.float32)

    def __len__(self) -> int:
        return len(self._rows)

    def embed(self, texts: Sequence[str], encode: Callable[[list[str]], np.ndarray]) -> tuple[np.ndarray, int]:
        """Vectors for `texts`, calling `encode` only on those not cached; returns (vectors, encoded count)."""
        keys = [text_key(t) for t in texts]
        missing = sorted({k: i for i, k in reversed(list(enumerate(keys))) if k not in self._rows}.values())
        if missing:
            fresh = np.asarray(encode([texts[i] for i in missing]), dtype=np.float32)
            first = len(self._rows)
            for offset, i in enumerate(missing):
                self._rows[keys[i]] = first + offset
            self._matrix = fresh if not first else np.concatenate([self._matrix, fresh])
            self._dirty = True
        if not texts:
            return np.zeros((0, 0), dtype=np.float32), 0
        rows = np.fromiter((self._rows[k] for k in keys), dtype=np.int64, count=len(keys))
        if rows.shape[0] == self._matrix.shape[0] and np.array_equal(rows, np.arange(rows.shape[0])):
            return self._matrix, len(missing)  # every row, in order (a first build): no copy
        return self._matrix[rows], len(missing)

    def retain(self, texts: Sequence[str]) -> None:
        """Forget vectors of texts no longer in use (keeps the file from growing forever)."""
        keep = {text_key(t) for t in texts}
        if len(keep) == len(self._rows) and keep.issuperset(self._rows):
            return
        kept = [(key, row) for key, row in self._rows.items() if key in keep]
        self._matrix = self._matrix[np.array([row for _, row in kept], dtype=np.int64)] if kept else \
            np.zeros((0, 0), dtype=np.float32)
        self._rows = {key: i for i, (key, _) in enumerate(kept)}
        self._dirty = True

    def save(self) -> None:
        """Write the cache atomically if it changed; failure to write only logs."""
        if not self._dirty:
            return
        try:
            with atomic_file(self.path) as handle:
                keys = np.array(sorted(self._rows, key=self._rows.__getitem__), dtype="U64")
                np.savez(handle, keys=keys, vectors=self._matrix)
            self._dirty = False
        except OSError as exc:
            log.warning("could not save the embedding cache to %s (%s)", self.path, exc.strerror or exc)
