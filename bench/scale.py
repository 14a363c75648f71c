"""Exact numpy vs ANN search on clustered synthetic embeddings, by hand.

    .venv/bin/python bench/scale.py --sizes 10000,100000          # quick
    .venv/bin/python bench/scale.py --sizes 1000000 --cache       # ~10 min on 2 cores

Data: a seeded mixture of Gaussian clusters on the 384-d sphere (about N/250
clusters grouped under shared topics, lognormal cluster sizes, anisotropic
noise with a low-rank per-cluster part and a decaying global spectrum), so
nearest neighbours have cosine ~0.8 and random pairs ~0.05. Queries are fresh
draws from the same clusters with a little more noise, never stored rows.

Prints N, build wall time (and CPU seconds: wall time is inflated when the
machine is shared; the last column is the 1-minute load average), index bytes,
RSS delta, exact and ANN p50/p99 latency (single query, top-10) and recall@10
of the ANN against exact search; --ef-sweep adds rows for other ef_search values.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.index.ann import ApproximateIndex, exact_search

DIM = 384
CACHE = Path(__file__).resolve().parent / "results"


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def clustered(n: int, n_queries: int, *, seed: int = 1, spread: float = 1.5) -> tuple[np.ndarray, np.ndarray]:
    """(vectors, queries): unit float32 rows from a clustered mixture on the sphere."""
    rng = np.random.default_rng(seed)
    n_clusters = int(np.clip(n // 250, 32, 4000))
    n_topics = max(8, n_clusters // 40)
    spec = np.arange(1, DIM + 1, dtype=np.float32) ** -0.6
    spec /= np.sqrt((spec**2).mean())
    common = _unit(rng.standard_normal((1, DIM), dtype=np.float32))[0]
    topics = _unit(rng.standard_normal((n_topics, DIM), dtype=np.float32) * spec)
    centers = _unit(
        0.6 * topics[rng.integers(0, n_topics, n_clusters)]
        + _unit(rng.standard_normal((n_clusters, DIM), dtype=np.float32) * spec)
        + 0.35 * common
    )
    rank = 12
    sub = _unit(rng.standard_normal((n_clusters * rank, DIM), dtype=np.float32) * spec)
    sub = sub.reshape(n_clusters, rank, DIM)
    sub_scale = np.arange(1, rank + 1, dtype=np.float32) ** -0.7
    sub_scale /= np.linalg.norm(sub_scale)
    width = spread * rng.lognormal(0.0, 0.2, n_clusters).astype(np.float32)
    sizes = rng.lognormal(0.0, 0.8, n_clusters)
    sizes /= sizes.sum()

    def sample(m: int, scale: float) -> np.ndarray:
        cid = rng.choice(n_clusters, m, p=sizes)
        order = np.argsort(cid, kind="stable")
        bounds = np.searchsorted(cid[order], np.arange(n_clusters + 1))
        out = np.empty((m, DIM), np.float32)
        for c in range(n_clusters):
            lo, hi = bounds[c], bounds[c + 1]
            if lo == hi:
                continue
            low = (rng.standard_normal((hi - lo, rank), dtype=np.float32) * sub_scale) @ sub[c]
            iso = rng.standard_normal((hi - lo, DIM), dtype=np.float32) * spec / np.sqrt(DIM)
            out[order[lo:hi]] = _unit(centers[c] + scale * width[c] * (0.7 * low + 0.5 * iso))
        return out

    return sample(n, 1.0), sample(n_queries, 1.15)


def load_data(n: int, n_queries: int, seed: int, spread: float, cache: bool) -> tuple[np.ndarray, np.ndarray]:
    path = CACHE / f"clustered_{n}_{n_queries}_{seed}_{spread}.npz"
    if cache and path.exists():
        with np.load(path) as d:
            return d["x"], d["q"]
    x, q = clustered(n, n_queries, seed=seed, spread=spread)
    if cache:
        CACHE.mkdir(exist_ok=True)
        np.savez(path, x=x, q=q)
    return x, q


def exact_top10(x: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Ground truth in batches (matrix-matrix, so it is cheap even at 1M)."""
    out = np.empty((len(q), 10), np.int64)
    for s in range(0, len(q), 64):
        scores = q[s : s + 64] @ x.T
        part = np.argpartition(-scores, 9, axis=1)[:, :10]
        order = np.argsort(-np.take_along_axis(scores, part, 1), axis=1)
        out[s : s + 64] = np.take_along_axis(part, order, 1)
    return out


def timed(fn: Any, queries: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    times, rows = [], []
    for q in queries:
        t = time.perf_counter()
        rows.append(fn(q)[1])
        times.append(time.perf_counter() - t)
    return np.asarray(times) * 1e3, rows


def run(n: int, args: argparse.Namespace) -> dict[str, Any]:
    t = time.perf_counter()
    x, q = load_data(n, args.queries, args.seed, args.spread, args.cache)
    data_s = time.perf_counter() - t
    truth = exact_top10(x, q)
    exact_q = q[: args.exact_runs]
    timed(lambda v: exact_search(x, v, 10), exact_q[:10])  # warm-up (BLAS threads, caches)
    exact_ms, _ = timed(lambda v: exact_search(x, v, 10), exact_q)

    proc = psutil.Process()
    rss0 = proc.memory_info().rss
    cpu0 = sum(proc.cpu_times()[:2])
    t = time.perf_counter()
    overrides = {k: v for k, v in vars(args).items() if k in _PARAMS and v is not None}
    index = ApproximateIndex.build(x, threads=args.threads, **overrides)
    build_s = time.perf_counter() - t
    build_cpu_s = sum(proc.cpu_times()[:2]) - cpu0
    rss_delta = proc.memory_info().rss - rss0
    save_s = load_s = None
    if args.save_index:
        path = CACHE / f"ann_{n}.idx"
        CACHE.mkdir(exist_ok=True)
        t = time.perf_counter()
        index.save(path)
        save_s = time.perf_counter() - t
        t = time.perf_counter()
        index = ApproximateIndex.load(path, x)
        load_s = time.perf_counter() - t
    base = index.params
    for v in q[:20]:  # warm-up
        index.search(v, 10)
    ann_ms, rows = timed(lambda v: index.search(v, 10), q)
    recall = _recall(rows, truth)
    sweep = []
    for ef in args.ef_sweep:
        index.params = dataclasses.replace(base, ef_search=ef, rerank=ef)
        ms, found = timed(lambda v: index.search(v, 10), q)
        sweep.append(
            {
                "ef": ef,
                "p50_ms": float(np.median(ms)),
                "p99_ms": float(np.percentile(ms, 99)),
                "recall_at_10": _recall(found, truth),
            }
        )
    index.params = base
    return {
        "n": n,
        "backend": f"faiss HNSW{index.params.m} on {index.params.proj_dim}-d projection"
        f" + exact rerank {index.params.rerank} (ef {index.params.ef_search})",
        "params": vars(index.params),
        "data_s": round(data_s, 1),
        "build_s": round(build_s, 1),
        "build_cpu_s": round(build_cpu_s, 1),
        "save_s": save_s,
        "load_s": load_s,
        "index_bytes": index.memory_bytes(),
        "rss_delta_bytes": rss_delta,
        "exact_p50_ms": float(np.percentile(exact_ms, 50)),
        "exact_p99_ms": float(np.percentile(exact_ms, 99)),
        "ann_p50_ms": float(np.percentile(ann_ms, 50)),
        "ann_p99_ms": float(np.percentile(ann_ms, 99)),
        "recall_at_10": recall,
        "loadavg_1m": os.getloadavg()[0],
        "ef_sweep": sweep,
    }


def _recall(found: list[np.ndarray], truth: np.ndarray) -> float:
    return float(np.mean([len(set(f.tolist()) & set(t.tolist())) / 10 for f, t in zip(found, truth, strict=True)]))


_PARAMS = ("proj_dim", "m", "ef_construction", "ef_search", "rerank")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--exact-runs", type=int, default=200, help="queries timed for exact")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--spread", type=float, default=1.5, help="cluster width (higher = harder)")
    ap.add_argument("--threads", type=int, default=None, help="build threads (default all)")
    ap.add_argument("--cache", action="store_true", help=f"cache data under {CACHE}")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--save-index", action="store_true", help="time save + load (validated) under results/")
    ap.add_argument(
        "--ef-sweep",
        type=lambda s: [int(v) for v in s.split(",")],
        default=[],
        help="also time these ef_search values (rerank = ef) on the same build",
    )
    for name in _PARAMS:
        ap.add_argument("--" + name.replace("_", "-"), type=int, default=None)
    args = ap.parse_args()

    rows = []
    for n in (int(s) for s in args.sizes.split(",")):
        rows.append(run(n, args))
        if args.json:
            print(json.dumps(rows[-1]), flush=True)
        else:
            r = rows[-1]
            if len(rows) == 1:
                print(
                    f"{'N':>9} {'build s (cpu)':>14} {'index MB':>9} {'RSS+ MB':>8} "
                    f"{'exact p50/p99 ms':>17} {'ANN p50/p99 ms':>15} {'recall@10':>9} load"
                )
            print(
                f"{r['n']:>9} {r['build_s']:>6.1f} ({r['build_cpu_s']:>5.0f}) {r['index_bytes'] / 1e6:>9.0f} "
                f"{r['rss_delta_bytes'] / 1e6:>8.0f} "
                f"{r['exact_p50_ms']:>8.2f}/{r['exact_p99_ms']:<8.2f} "
                f"{r['ann_p50_ms']:>7.2f}/{r['ann_p99_ms']:<7.2f} "
                f"{r['recall_at_10']:>9.4f} {r['loadavg_1m']:.1f}",
                flush=True,
            )
            if r["save_s"] is not None:
                print(f"{'':>9}   save {r['save_s']:.1f} s, load (size + CRC + fingerprint checks) {r['load_s']:.1f} s")
            for e in r["ef_sweep"]:
                print(
                    f"{'':>9}   ef_search={e['ef']:<4} ANN p50/p99 {e['p50_ms']:.2f}/{e['p99_ms']:.2f} ms"
                    f"  recall@10 {e['recall_at_10']:.4f}"
                )
    if not args.json:
        print(f"backend: {rows[-1]['backend']}")


if __name__ == "__main__":
    main()
