"""The embedding cache's memory and time for a build of N texts, by hand (prints one table).

    .venv/bin/python bench/embedding_cache.py [--texts 500000] [--dimension 384]

Each size runs in a fresh process: a first build (every text encoded by a seeded random encoder, the
cache saved) and a second one from the saved cache (nothing encoded). A million-passage corpus has
some 4.6 million texts (passages, their contexts and sentences).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import json, resource, sys, tempfile, time
from pathlib import Path
import numpy as np
from bot.index.embedding_cache import EmbeddingCache
n, dim, path = int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
texts = [f"text number {i}" for i in range(n)]
rng = np.random.default_rng(0)
encode = lambda batch: rng.standard_normal((len(batch), dim), dtype=np.float32)
started = time.perf_counter()
cache = EmbeddingCache(path)
vectors, encoded = cache.embed(texts, encode)
cache.retain(texts)
cache.save()
print(json.dumps({"seconds": time.perf_counter() - started, "encoded": encoded, "shape": list(vectors.shape),
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run(texts: int, dimension: int, path: Path) -> dict[str, object]:
    out = subprocess.run([sys.executable, "-c", CHILD, str(texts), str(dimension), str(path)], check=True,
                         capture_output=True, text=True, cwd=ROOT, env={"PYTHONPATH": str(ROOT)})
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> int:
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--texts", type=int, default=500_000)
    parser.add_argument("--dimension", type=int, default=384)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cache.npz"
        first, second = run(args.texts, args.dimension, path), run(args.texts, args.dimension, path)
    matrix_mb = args.texts * args.dimension * 4 / 2**20
    print(f"{'build':<22}{'encoded':>10}{'seconds':>10}{'peak RSS MB':>14}   (the vectors alone: {matrix_mb:.0f} MB)")
    for name, figures in (("first (all encoded)", first), ("second (from cache)", second)):
        print(f"{name:<22}{figures['encoded']:>10}{figures['seconds']:>10.1f}{figures['peak_rss_mb']:>14.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
