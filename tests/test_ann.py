"""ApproximateIndex: recall against exact search, persistence, corrupt files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bot.index.ann import (
    DEFAULT_ANN_THRESHOLD,
    AnnIndexError,
    AnnUnavailable,
    ApproximateIndex,
    choose_search_backend,
    exact_search,
)

pytest.importorskip("faiss")

DIM = 384


def clustered(n: int, n_queries: int, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors from ~n/100 anisotropic Gaussian clusters, plus nearby queries."""
    rng = np.random.default_rng(seed)
    spectrum = np.arange(1, DIM + 1, dtype=np.float32) ** -0.6
    centers = rng.standard_normal((max(n // 100, 8), DIM), dtype=np.float32) * spectrum
    centers /= np.linalg.norm(centers, axis=1, keepdims=True)

    def sample(m: int, spread: float) -> np.ndarray:
        noise = rng.standard_normal((m, DIM), dtype=np.float32) * spectrum
        noise *= spread / np.linalg.norm(noise, axis=1, keepdims=True)
        x = centers[rng.integers(0, len(centers), m)] + noise
        return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)

    return sample(n, 0.8), sample(n_queries, 0.9)


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    return clustered(20_000, 50)


@pytest.fixture(scope="module")
def index(data: tuple[np.ndarray, np.ndarray]) -> ApproximateIndex:
    return ApproximateIndex.build(data[0], m=16, ef_construction=32, threads=2)


def test_recall_at_10_against_exact(data: tuple[np.ndarray, np.ndarray], index: ApproximateIndex) -> None:
    vectors, queries = data
    hits = 0
    for q in queries:
        scores, rows = index.search(q, 10)
        _, exact_rows = exact_search(vectors, q, 10)
        assert np.all(np.diff(scores) <= 0)
        np.testing.assert_allclose(scores, vectors[rows] @ q, rtol=1e-5, atol=1e-6)
        hits += len(set(rows.tolist()) & set(exact_rows.tolist()))
    assert hits / (10 * len(queries)) >= 0.95


def test_save_load_roundtrip(tmp_path: Path, data: tuple[np.ndarray, np.ndarray], index: ApproximateIndex) -> None:
    vectors, queries = data
    path = tmp_path / "ann.idx"
    index.save(path)
    assert [p.name for p in tmp_path.iterdir()] == ["ann.idx"]  # no temp file left
    loaded = ApproximateIndex.load(path, vectors)
    assert loaded.params == index.params
    for q in queries[:20]:
        a, b = index.search(q, 10), loaded.search(q, 10)
        np.testing.assert_array_equal(a[1], b[1])
        np.testing.assert_array_equal(a[0], b[0])


def test_truncated_or_corrupt_file_raises(
    tmp_path: Path, data: tuple[np.ndarray, np.ndarray], index: ApproximateIndex
) -> None:
    path = tmp_path / "ann.idx"
    index.save(path)
    blob = path.read_bytes()
    for cut in (0, 10, 5000, len(blob) // 2, len(blob) - 1):
        path.write_bytes(blob[:cut])
        with pytest.raises(AnnIndexError):
            ApproximateIndex.load(path, data[0])
    flipped = bytearray(blob)
    flipped[len(blob) // 2] ^= 0xFF
    path.write_bytes(bytes(flipped))
    with pytest.raises(AnnIndexError, match="checksum"):
        ApproximateIndex.load(path, data[0])


def test_stale_vectors_rejected(tmp_path: Path, data: tuple[np.ndarray, np.ndarray], index: ApproximateIndex) -> None:
    path = tmp_path / "ann.idx"
    index.save(path)
    changed = data[0].copy()
    changed[0] = changed[1]
    with pytest.raises(AnnIndexError, match="stale"):
        ApproximateIndex.load(path, changed)
    with pytest.raises(AnnIndexError, match="stale"):
        ApproximateIndex.load(path, data[0][:-1])


def test_backend_choice_and_lazy_import() -> None:
    assert choose_search_backend(DEFAULT_ANN_THRESHOLD - 1) == "exact"
    assert choose_search_backend(DEFAULT_ANN_THRESHOLD) == "ann"
    assert choose_search_backend(10, threshold=5) == "ann"
    code = "import sys, bot.index.ann as a; a.choose_search_backend(1000); assert 'faiss' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[1])


def test_missing_faiss_means_exact_fallback(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "faiss", None)  # makes `import faiss` fail
    assert choose_search_backend(10 * DEFAULT_ANN_THRESHOLD) == "exact"
    with pytest.raises(AnnUnavailable):
        ApproximateIndex.build(np.eye(4, dtype=np.float32))
    with pytest.raises(AnnUnavailable):
        ApproximateIndex.load(tmp_path / "missing.idx")
