"""Approximate nearest-neighbour search for large passage corpora.

Vectors are L2-normalised float32 embeddings scored by inner product (cosine).
Below ``DEFAULT_ANN_THRESHOLD`` rows exact numpy top-k is fast enough; above it
callers use :class:`ApproximateIndex`:

1. a linear projection to ``proj_dim`` dimensions (top eigenvectors of the
   uncentred second-moment matrix, so inner products are preserved as far as
   the subspace allows), re-normalised;
2. a faiss HNSW graph over the projected vectors that yields ``rerank``
   candidates;
3. exact re-ranking of those candidates against the caller's float32 matrix.

The index holds the projected copy plus the graph links (1M rows: 768 MB +
384 MB with the defaults); the full-precision matrix stays the caller's and is
not duplicated. faiss is imported lazily so the small-corpus path never pays
for it. Searches set faiss to one OpenMP thread (process-wide): for a single
query, extra threads only add wake-up latency on a busy machine.
"""

from __future__ import annotations

import json
import logging
import os
import struct
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any, Literal

import numpy as np

from bot.atomic import atomic_file

log = logging.getLogger(__name__)

DEFAULT_ANN_THRESHOLD = 50_000
"""Corpus size from which :func:`choose_search_backend` picks the ANN index.

Exact search is memory-bound (~0.1 us/row): p50 ~3 ms at 50k, 7-16 ms at 100k,
77-200 ms at 1M, while the ANN stays at 0.7-1.7 ms. Below 50k exact costs a few
ms, is exact, and needs no index build (~5 s at 50k) or persisted index file.
"""

_MAGIC = b"SBANN\x00\x01\n"
_FORMAT = 1
_CHUNK = 1 << 22
_HEADER_SIZE = 4096


class AnnUnavailable(RuntimeError):
    """The ANN library (faiss) is not installed; fall back to exact search."""


class AnnIndexError(ValueError):
    """A saved index is truncated, corrupt, or does not match the vectors."""


@dataclass(frozen=True)
class AnnParams:
    """Build and search settings, tuned on 1M x 384-d clustered vectors (bench/scale.py).

    There, ef_search 160 gave recall@10 0.985 at p50 1.65 ms (one thread);
    128 gave 0.982 at 1.2 ms, 192 gave 0.986 at 1.8 ms.
    """

    proj_dim: int = 192  # 128 lost ~1% recall@10 at 1M; 384 doubles graph memory
    m: int = 48  # graph degree (96 links at level 0); 32 needed ef 384 for 0.985
    ef_construction: int = 40  # 80 (at m=32) built ~2x slower and was no better
    ef_search: int = 160  # candidate-list width; raised to ``rerank`` if lower
    rerank: int = 160  # candidates re-scored exactly against the float32 matrix
    train_rows: int = 100_000  # rows sampled to fit the projection
    seed: int = 0


def _faiss() -> Any:
    try:
        import faiss
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise AnnUnavailable("faiss-cpu is not installed; use exact search") from exc
    return faiss


def ann_available() -> bool:
    """True if the ANN library can be imported."""
    try:
        _faiss()
    except AnnUnavailable:
        return False
    return True


def choose_search_backend(n: int, threshold: int = DEFAULT_ANN_THRESHOLD) -> Literal["exact", "ann"]:
    """Pick ``"ann"`` for corpora of at least ``threshold`` rows if faiss imports."""
    if n < threshold:
        return "exact"
    if not ann_available():
        log.warning("faiss unavailable; exact search over %d vectors", n)
        return "exact"
    return "ann"


def exact_search(vectors: np.ndarray, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact top-``k`` by inner product: (scores desc, row indices)."""
    scores = vectors @ np.asarray(query, dtype=np.float32).reshape(-1)
    return _top_k(scores, np.arange(len(scores)), k)


def _top_k(scores: np.ndarray, rows: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    k = min(k, len(scores))
    if k <= 0:
        return np.empty(0, np.float32), np.empty(0, np.int64)
    part = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(k)
    order = part[np.lexsort((rows[part], -scores[part]))]  # ties: lower row first
    return scores[order].astype(np.float32), rows[order].astype(np.int64)


def _fingerprint(vectors: np.ndarray) -> int:
    """Cheap checksum of the shape and ~64 sampled rows, to catch stale indexes."""
    n = len(vectors)
    rows = np.unique(np.linspace(0, max(n - 1, 0), num=min(n, 64), dtype=np.int64))
    crc = zlib.crc32(np.asarray(vectors.shape, np.int64).tobytes())
    return zlib.crc32(np.ascontiguousarray(vectors[rows], np.float32).tobytes(), crc)


def _fit_projection(vectors: np.ndarray, dim: int, rows: int, seed: int) -> np.ndarray:
    """Top-``dim`` eigenvectors of the (uncentred) second moment, shape (dim, d)."""
    n = len(vectors)
    pick = np.sort(np.random.default_rng(seed).choice(n, rows, replace=False)) if n > rows else np.arange(n)
    gram = np.zeros((vectors.shape[1], vectors.shape[1]), np.float64)
    for start in range(0, len(pick), 16_384):
        block = np.asarray(vectors[pick[start : start + 16_384]], dtype=np.float64)
        gram += block.T @ block
    _, eigvecs = np.linalg.eigh(gram)  # ascending eigenvalues
    return np.ascontiguousarray(eigvecs[:, ::-1][:, :dim].T, dtype=np.float32)


def _project(proj: np.ndarray, x: np.ndarray) -> np.ndarray:
    y = x @ proj.T
    norms = np.linalg.norm(y, axis=-1, keepdims=True)
    return np.ascontiguousarray(y / np.maximum(norms, 1e-12), dtype=np.float32)


class ApproximateIndex:
    """Projected HNSW candidate search with exact re-ranking."""

    def __init__(
        self,
        graph: Any,
        proj: np.ndarray,
        params: AnnParams,
        n: int,
        dim: int,
        vectors: np.ndarray | None,
        fingerprint: int,
    ) -> None:
        self._graph = graph
        self._proj = proj
        self.params = params
        self.n = n
        self.dim = dim
        self._vectors = vectors
        self._fingerprint = fingerprint

    @property
    def reranked(self) -> bool:
        """Whether scores are exact (the float32 matrix is attached)."""
        return self._vectors is not None

    @classmethod
    def build(
        cls,
        vectors: np.ndarray,
        *,
        params: AnnParams | None = None,
        threads: int | None = None,
        **overrides: Any,
    ) -> ApproximateIndex:
        """Build over ``vectors`` (n, d) float32; keyword overrides patch ``params``.

        ``threads`` (default: all CPUs) is used for the build only; searches
        run single-threaded.
        """
        faiss = _faiss()
        p = AnnParams(**{**asdict(params or AnnParams()), **overrides})
        x = np.asarray(vectors)
        if x.ndim != 2 or x.dtype != np.float32 or len(x) == 0:
            raise ValueError("vectors must be a non-empty 2-D float32 array")
        n, dim = x.shape
        proj_dim = min(p.proj_dim, dim)
        p = AnnParams(**{**asdict(p), "proj_dim": proj_dim})
        proj = _fit_projection(x, proj_dim, p.train_rows, p.seed)
        graph = faiss.IndexHNSWFlat(proj_dim, p.m, faiss.METRIC_INNER_PRODUCT)
        graph.hnsw.efConstruction = p.ef_construction
        previous = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(threads or os.cpu_count() or 1)
        try:
            for start in range(0, n, 65_536):
                graph.add(_project(proj, x[start : start + 65_536]))
        finally:
            faiss.omp_set_num_threads(previous)
        return cls(graph, proj, p, n, dim, x, _fingerprint(x))

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` for one query: (scores desc, row indices into the matrix).

        Scores are exact inner products when the matrix is attached, otherwise
        approximate ones from the projected space.
        """
        faiss = _faiss()
        q = np.asarray(query, dtype=np.float32).reshape(-1)
        if q.shape[0] != self.dim:
            raise ValueError(f"query has {q.shape[0]} dims, index has {self.dim}")
        k = min(k, self.n)
        if k <= 0:
            return np.empty(0, np.float32), np.empty(0, np.int64)
        pool = max(k, self.params.rerank)
        sp = faiss.SearchParametersHNSW()
        sp.efSearch = max(self.params.ef_search, pool)
        if faiss.omp_get_max_threads() != 1:
            faiss.omp_set_num_threads(1)  # a single query: threads only add latency
        scores, rows = self._graph.search(_project(self._proj, q[None, :]), pool, params=sp)
        keep = rows[0] >= 0
        cand = rows[0][keep]
        if self._vectors is None:
            return _top_k(scores[0][keep], cand, k)
        return _top_k(self._vectors[cand] @ q, cand, k)

    def save(self, path: Path) -> None:
        """Write atomically (`bot.atomic`: a temp file beside ``path``, fsync, then ``os.replace``)."""
        faiss = _faiss()
        with atomic_file(Path(path)) as fh:
            fh.write(b"\0" * _HEADER_SIZE)  # patched below once sizes are known
            fh.write(self._proj.tobytes())
            writer = _CountingWriter(fh, zlib.crc32(self._proj.tobytes()))
            faiss.write_index(self._graph, faiss.PyCallbackIOWriter(writer))
            header = {
                "format": _FORMAT,
                "n": self.n,
                "dim": self.dim,
                "params": asdict(self.params),
                "fingerprint": self._fingerprint,
                "proj_bytes": self._proj.nbytes,
                "graph_bytes": writer.size,
                "crc32": writer.crc,
            }
            fh.seek(0)
            fh.write(_pack_header(header))

    @classmethod
    def load(cls, path: Path, vectors: np.ndarray | None = None) -> ApproximateIndex:
        """Load a saved index, validating size, checksum and (if given) ``vectors``.

        Raises :class:`AnnIndexError` for truncated/corrupt files or a matrix
        that differs from the one the index was built on.
        """
        faiss = _faiss()
        path = Path(path)
        size = path.stat().st_size
        with open(path, "rb") as fh:
            header, body_at = _read_header(fh)
            try:
                n, dim = int(header["n"]), int(header["dim"])
                params = AnnParams(**header["params"])
                proj_bytes, graph_bytes = int(header["proj_bytes"]), int(header["graph_bytes"])
                crc, fingerprint = int(header["crc32"]), int(header["fingerprint"])
            except (KeyError, TypeError, ValueError) as exc:
                raise AnnIndexError(f"{path}: malformed header") from exc
            if proj_bytes != params.proj_dim * dim * 4 or body_at + proj_bytes + graph_bytes != size:
                raise AnnIndexError(f"{path}: truncated or wrong size ({size} bytes)")
            if _crc_of(fh, proj_bytes + graph_bytes) != crc:
                raise AnnIndexError(f"{path}: checksum mismatch (corrupt file)")
            fh.seek(body_at)
            proj = np.frombuffer(fh.read(proj_bytes), np.float32).reshape(params.proj_dim, dim)
            try:
                graph = faiss.read_index(faiss.PyCallbackIOReader(fh.read, _CHUNK))
            except RuntimeError as exc:
                raise AnnIndexError(f"{path}: unreadable faiss index: {exc}") from exc
        if graph.ntotal != n or graph.d != params.proj_dim:
            raise AnnIndexError(f"{path}: index holds {graph.ntotal} x {graph.d}")
        if vectors is not None:
            if vectors.shape != (n, dim) or _fingerprint(vectors) != fingerprint:
                raise AnnIndexError(f"{path}: built for different vectors (stale index)")
        else:
            log.info("%s loaded without vectors: scores are approximate", path)
        return cls(graph, proj.copy(), params, n, dim, vectors, fingerprint)

    def memory_bytes(self) -> int:
        """Bytes held by the index structures (projected vectors + graph)."""
        hnsw = self._graph.hnsw
        links = hnsw.neighbors.size() * 4 + hnsw.offsets.size() * 8 + hnsw.levels.size() * 4
        return int(self.n * self._graph.d * 4 + links + self._proj.nbytes)


class _CountingWriter:
    """faiss write callback: writes through, counting and CRC-ing the bytes."""

    def __init__(self, fh: IO[bytes], crc: int = 0) -> None:
        self.fh, self.size, self.crc = fh, 0, crc

    def __call__(self, data: bytes) -> int:
        self.size += len(data)
        self.crc = zlib.crc32(data, self.crc)
        self.fh.write(data)
        return len(data)


def _pack_header(header: dict[str, Any]) -> bytes:
    body = json.dumps(header, sort_keys=True).encode()
    block = _MAGIC + struct.pack("<I", len(body)) + body
    if len(block) > _HEADER_SIZE:
        raise ValueError("index header too large")
    return block.ljust(_HEADER_SIZE, b"\0")


def _read_header(fh: IO[bytes]) -> tuple[dict[str, Any], int]:
    block = fh.read(_HEADER_SIZE)
    if len(block) < _HEADER_SIZE or not block.startswith(_MAGIC):
        raise AnnIndexError(f"{fh.name}: not a summit-bot ANN index (or truncated)")
    (body_len,) = struct.unpack_from("<I", block, len(_MAGIC))
    start = len(_MAGIC) + 4
    try:
        header = json.loads(block[start : start + body_len])
    except ValueError as exc:
        raise AnnIndexError(f"{fh.name}: corrupt header") from exc
    if not isinstance(header, dict) or header.get("format") != _FORMAT:
        raise AnnIndexError(f"{fh.name}: unsupported index format")
    return header, _HEADER_SIZE


def _crc_of(fh: IO[bytes], nbytes: int) -> int:
    crc = 0
    while nbytes > 0:
        block = fh.read(min(_CHUNK, nbytes))
        if not block:
            break
        crc = zlib.crc32(block, crc)
        nbytes -= len(block)
    return crc
