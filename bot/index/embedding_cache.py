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
    """Vectors of texts already embedded by one model, stored in one `.npz` file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._vectors: dict[str, np.ndarray] = {}
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
                self._vectors = {str(k): v for k, v in zip(keys, vectors, strict=True)}
        except Exception as exc:  # a damaged cache is only a lost speed-up
            log.warning("embedding cache %s is unreadable (%s); starting a new one", self.path, exc)
            self._vectors = {}

    def __len__(self) -> int:
        return len(self._vectors)

    def embed(self, texts: Sequence[str], encode: Callable[[list[str]], np.ndarray]) -> tuple[np.ndarray, int]:
        """Vectors for `texts`, calling `encode` only on those not cached; returns (vectors, encoded count)."""
        keys = [text_key(t) for t in texts]
        missing = sorted({k: i for i, k in reversed(list(enumerate(keys))) if k not in self._vectors}.values())
        if missing:
            fresh = encode([texts[i] for i in missing])
            for i, vector in zip(missing, fresh, strict=True):
                self._vectors[keys[i]] = np.asarray(vector, dtype=np.float32)
            self._dirty = True
        if not texts:
            return np.zeros((0, 0), dtype=np.float32), 0
        return np.stack([self._vectors[k] for k in keys]).astype(np.float32), len(missing)

    def retain(self, texts: Sequence[str]) -> None:
        """Forget vectors of texts no longer in use (keeps the file from growing forever)."""
        keep = {text_key(t) for t in texts}
        if set(self._vectors) - keep:
            self._vectors = {k: v for k, v in self._vectors.items() if k in keep}
            self._dirty = True

    def save(self) -> None:
        """Write the cache atomically if it changed; failure to write only logs."""
        if not self._dirty:
            return
        try:
            with atomic_file(self.path) as handle:
                keys = np.array(sorted(self._vectors), dtype="U64")
                vectors = np.stack([self._vectors[k] for k in keys]) if len(keys) else np.zeros((0, 0), np.float32)
                np.savez(handle, keys=keys, vectors=vectors)
            self._dirty = False
        except OSError as exc:
            log.warning("could not save the embedding cache to %s (%s)", self.path, exc.strerror or exc)
