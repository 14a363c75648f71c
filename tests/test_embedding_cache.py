"""The embedding cache: each text embedded once, the same vectors given back in the texts' order, kept on disk."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bot.index.embedding_cache import EmbeddingCache


class Encoder:
    """A deterministic stand-in for the model: a vector from each text's letters; counts what it is asked."""

    def __init__(self) -> None:
        self.encoded: list[str] = []

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.encoded += texts
        return np.array([[len(t), t.count("a"), float(sum(map(ord, t)) % 97)] for t in texts], dtype=np.float32)


def test_texts_are_embedded_once_and_given_back_in_their_order(tmp_path: Path) -> None:
    encode = Encoder()
    cache = EmbeddingCache(tmp_path / "c.npz")
    texts = ["alpha", "beta", "alpha", "gamma"]
    first, encoded = cache.embed(texts, encode)
    assert encoded == 3 and encode.encoded == ["alpha", "beta", "gamma"]
    assert np.array_equal(first, encode(texts))
    again, encoded = cache.embed(["gamma", "alpha"], encode)
    assert encoded == 0
    assert np.array_equal(again, first[[3, 0]])


def test_a_saved_cache_is_read_back_and_forgets_what_is_no_longer_used(tmp_path: Path) -> None:
    encode = Encoder()
    cache = EmbeddingCache(tmp_path / "c.npz")
    cache.embed(["alpha", "beta", "gamma"], encode)
    cache.retain(["alpha", "gamma"])
    cache.save()
    reread = EmbeddingCache(tmp_path / "c.npz")
    assert len(reread) == 2
    vectors, encoded = reread.embed(["gamma", "delta", "alpha"], encode)
    assert encoded == 1 and encode.encoded[-1] == "delta"
    assert np.array_equal(vectors, encode(["gamma", "delta", "alpha"]))


def test_a_damaged_cache_file_is_only_a_lost_speed_up(tmp_path: Path) -> None:
    (tmp_path / "c.npz").write_bytes(b"not a cache")
    cache = EmbeddingCache(tmp_path / "c.npz")
    assert len(cache) == 0
    vectors, encoded = cache.embed(["alpha"], Encoder())
    assert encoded == 1 and vectors.shape == (1, 3)
