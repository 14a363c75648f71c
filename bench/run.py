"""The benchmark suite, run by hand: prints one table (or JSON with --json).

    .venv/bin/python bench/run.py                  # everything but the 1M scale run
    .venv/bin/python bench/run.py --scale 10000,100000,1000000
    .venv/bin/python bench/run.py --only cold,warm --json

Timings are medians over several runs; "before" figures (sentence-transformers query path) are
measured in the same run as the "after" ones (ONNX query path), so ratios compare like with like.
Nothing here is a test: targets are printed beside the figures, not asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SUMMIT_BOT = Path(sys.executable).with_name("summit-bot")  # this venv's console script
QUESTION = "What did Maduro propose for the region's food supply?"
DEV = ROOT / "eval" / "dev_questions.jsonl"
Row = dict[str, object]


def _env(index_dir: Path, backend: str = "auto") -> dict[str, str]:
    return {**os.environ, "SUMMIT_BOT_INDEX_DIR": str(index_dir), "SUMMIT_BOT_QUERY_BACKEND": backend,
            "NO_COLOR": "1"}


def _peak_rss_mb(pid_status: str) -> float:
    for line in pid_status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def bench_build(index_dir: Path) -> list[Row]:
    """Full index build from an empty cache (model load included), in a fresh process."""
    code = ("import time, logging; from bot.settings import Settings; from bot.corpus.catalog import Catalog;"
            "from bot.provision import ensure_index; s = Settings(); c = Catalog.from_settings(s);"
            "t = time.perf_counter(); i, r = ensure_index(s, c, force=True); "
            "import json; print(json.dumps({'passages': r.passages, 'texts': r.passages * 2 + r.sentences,"
            "'encoded': r.encoded, 'embed_s': r.seconds, 'total_s': time.perf_counter() - t}))")
    for cache in index_dir.parent.glob("embedding-cache"):
        for f in cache.iterdir():
            f.unlink()
    out = subprocess.run([sys.executable, "-c", code], env=_env(index_dir), capture_output=True, text=True,
                         check=True, timeout=900)
    data = json.loads(out.stdout.strip().splitlines()[-1])
    return [
        {"metric": "index build: passages", "value": data["passages"], "unit": "", "target": ""},
        {"metric": "index build: embed time (model load incl.)", "value": round(data["embed_s"], 2), "unit": "s",
         "target": ""},
        {"metric": "index build: total incl. BM25 + ONNX export", "value": round(data["total_s"], 2), "unit": "s",
         "target": ""},
        {"metric": "index build: throughput (texts embedded)",
         "value": round(data["encoded"] / data["embed_s"], 1), "unit": "texts/s", "target": ""},
    ]


def bench_cold(index_dir: Path, runs: int) -> list[Row]:
    """Fresh `summit-bot ask` processes, to the printed answer; ONNX path vs sentence-transformers."""
    rows = []
    for backend, label in (("sentence-transformers", "before: sentence-transformers"), ("auto", "after: ONNX")):
        times, rss = [], []
        for _ in range(runs):
            started = time.perf_counter()
            proc = subprocess.Popen([str(SUMMIT_BOT), "ask", QUESTION],
                                    env=_env(index_dir, backend), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            _, status, usage = os.wait4(proc.pid, 0)
            times.append(time.perf_counter() - started)
            rss.append(usage.ru_maxrss / 1024)
            if status:
                raise RuntimeError(f"summit-bot ask failed with status {status}")
        rows.append({"metric": f"cold `summit-bot ask` wall, {label}", "value": round(statistics.median(times), 2),
                     "unit": "s", "target": "≤ 1.5 s" if backend == "auto" else ""})
        rows.append({"metric": f"cold `summit-bot ask` peak RSS, {label}", "value": round(max(rss), 0),
                     "unit": "MB", "target": ""})
    return rows


def bench_warm(index_dir: Path) -> list[Row]:
    """Warm per-question latency in one process: encode only, and encode + hybrid search + reader + answer."""
    os.environ.update(_env(index_dir))
    from bot.answering.engine import Engine
    from bot.provision import query_encoder
    from bot.settings import Settings
    from bot.tools.evaluation import load_questions

    questions = [q.question for q in load_questions(DEV)]
    rows = []
    variants = (("sentence-transformers", "off", "sentence-transformers, no reader"),
                ("auto", "off", "ONNX, no reader"), ("auto", "on", "ONNX + reader"))
    for backend, reader, label in variants:
        settings = Settings(query_backend=backend, reader=reader)  # type: ignore[call-arg]
        engine = Engine.open(settings)
        encoder = query_encoder(settings, engine.catalog)
        engine._embedder = encoder
        engine.warm_up()
        encode = _latencies(lambda q, e=encoder: e.encode([q]), questions)
        full = _latencies(lambda q, e=engine: e.ask(q), questions)
        rows.append({"metric": f"warm encode p50/p99, {label}", "value": f"{encode[0]:.2f} / {encode[1]:.2f}",
                     "unit": "ms", "target": ""})
        rows.append({"metric": f"warm encode+search+answer p50/p99, {label}",
                     "value": f"{full[0]:.2f} / {full[1]:.2f}", "unit": "ms",
                     "target": "p50 ≤ 40 ms" if reader == "on" else ""})
    return rows


def _latencies(call: Callable[[str], object], questions: list[str], rounds: int = 3) -> tuple[float, float]:
    samples = []
    for _ in range(rounds):
        for question in questions:
            started = time.perf_counter()
            call(question)
            samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.99) - 1]


def bench_scale(sizes: str) -> list[Row]:
    """Exact vs approximate search at N synthetic clustered passages (bench/scale.py)."""
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "scale.py"), "--json", "--cache", "--sizes", sizes],
                         capture_output=True, text=True, check=True, timeout=3600)
    rows: list[Row] = []
    for line in out.stdout.splitlines():
        if not line.startswith("{"):
            continue
        r = json.loads(line)
        n = f"{r['n']:,}"
        rows += [
            {"metric": f"search N={n}: exact numpy p50/p99", "value": f"{r['exact_p50_ms']:.2f} / "
             f"{r['exact_p99_ms']:.2f}", "unit": "ms", "target": ""},
            {"metric": f"search N={n}: ANN p50/p99 (recall@10 {r['recall_at_10']:.3f})",
             "value": f"{r['ann_p50_ms']:.2f} / {r['ann_p99_ms']:.2f}", "unit": "ms",
             "target": "≤ 2 ms, ≥ 0.98" if r["n"] >= 1_000_000 else ""},
            {"metric": f"search N={n}: ANN build time / index size", "value": f"{r['build_s']:.0f} s / "
             f"{r['index_bytes'] / 2**20:.0f} MB", "unit": "", "target": ""},
        ]
    return rows


def bench_discord(index_dir: Path, questions: int) -> list[Row]:
    """End to end through the local fake Discord: /ask → deferred → answered (bench/discord_load.py)."""
    script = ROOT / "bench" / "discord_load.py"
    if not script.is_file():
        return []
    out = subprocess.run([sys.executable, str(script), "--json", "--questions", str(questions)],
                         env=_env(index_dir), capture_output=True, text=True, check=True, timeout=900)
    data = json.loads(out.stdout)
    return [{"metric": f"Discord e2e {k}", "value": v, "unit": "", "target": ""} for k, v in data.items()]


def bench_bot_rss(index_dir: Path, questions: int) -> list[Row]:
    """Peak RSS of the real `summit-bot run` process (bench/bot_rss.py), both query paths."""
    rows = []
    for backend, label in (("sentence-transformers", "before: sentence-transformers"), ("auto", "after: ONNX")):
        out = subprocess.run([sys.executable, str(ROOT / "bench" / "bot_rss.py"), "--json", "--questions",
                              str(questions), "--backend", backend],
                             env=_env(index_dir), capture_output=True, text=True, check=True, timeout=900)
        data = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append({"metric": f"bot process peak RSS ({questions} /ask), {label}", "value": data["peak rss MB"],
                     "unit": "MB", "target": "≤ 300 MB" if backend == "auto" else ""})
    return rows


def bench_sizes() -> list[Row]:
    """Full venv against the base install alone, and the runtime image estimate (bench/install_size.py)."""
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "install_size.py"), "--json"],
                         capture_output=True, text=True, check=True, timeout=1800)
    data = json.loads(out.stdout.strip().splitlines()[-1])
    return [
        {"metric": "venv size, full install (index extra + dev, CPU torch)", "value": data["full venv MB"],
         "unit": "MB", "target": ""},
        {"metric": "venv size, base install (no torch)", "value": data["base venv MB"], "unit": "MB",
         "target": "no torch" + (" ✗" if data["base venv has torch"] else " ✓")},
        {"metric": "index + ONNX model (copied into the image)", "value": data["index + ONNX model MB"],
         "unit": "MB", "target": ""},
        {"metric": "runtime image estimate (base image + venv + index)", "value": data["runtime image estimate MB"],
         "unit": "MB", "target": "< 600 MB"},
    ]


def bench_shard_memory() -> list[Row]:
    """RSS and PSS of one and of four engine processes on one index (bench/shard_memory.py)."""
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "shard_memory.py"), "--json"],
                         capture_output=True, text=True, check=True, timeout=1800)
    rows: list[Row] = []
    for r in json.loads(out.stdout.strip().splitlines()[-1]):
        n = r["processes"]
        rows.append({"metric": f"{n} process(es): RSS added up / PSS in all", "unit": "MB", "target": "",
                     "value": f"{r['rss_total_mb']:.0f} / {r['pss_total_mb']:.0f}"})
    return rows


def bench_startup(passages: int) -> list[Row]:
    """Engine start-up (open + warm-up + one answer) on a synthetic corpus of N paragraphs (bench/startup_scale.py)."""
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "startup_scale.py"), "--json", "--passages",
                          str(passages)], capture_output=True, text=True, check=True, timeout=6 * 3600)
    r = json.loads(out.stdout.strip().splitlines()[-1])
    n = f"{r['passages']:,}"
    return [
        {"metric": f"start-up at {n} passages: open / ready / first answer", "unit": "s", "target": "≤ 20 s",
         "value": f"{r['open_s']:.1f} / {r['ready_s']:.1f} / {r['first_answer_s']:.1f}"},
        {"metric": f"start-up at {n} passages: peak RSS", "value": round(r["peak_rss_mb"]), "unit": "MB",
         "target": "≤ 3 GB"},
    ]


def machine() -> str:
    import numpy

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, numpy {numpy.__version__}, "
            f"load avg {os.getloadavg()[0]:.1f} at start")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--only", default="build,cold,warm,discord,rss,scale,sizes,shards",
                        help="comma-separated sections (startup: the 1M-passage start-up, by hand)")
    parser.add_argument("--startup-passages", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5, help="cold runs per variant (median)")
    parser.add_argument("--scale", default="10000,100000", help="N values for the scale section")
    parser.add_argument("--discord-questions", type=int, default=100)
    args = parser.parse_args()
    sections = set(args.only.split(","))
    header = machine()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="summit-bench-") as tmp:
        index_dir = Path(tmp) / "index"
        subprocess.run([str(SUMMIT_BOT), "-q", "index"], env=_env(index_dir), check=True)
        if "build" in sections:
            rows += bench_build(index_dir)
        if "cold" in sections:
            rows += bench_cold(index_dir, args.runs)
        if "warm" in sections:
            rows += bench_warm(index_dir)
        if "discord" in sections:
            rows += bench_discord(index_dir, args.discord_questions)
        if "rss" in sections:
            rows += bench_bot_rss(index_dir, args.discord_questions)
    if "scale" in sections:
        rows += bench_scale(args.scale)
    if "sizes" in sections:
        rows += bench_sizes()
    if "shards" in sections:
        rows += bench_shard_memory()
    if "startup" in sections:
        rows += bench_startup(args.startup_passages)
    if args.json:
        print(json.dumps({"machine": header, "rows": rows}, ensure_ascii=False, indent=2))
        return 0
    print(f"machine: {header}\n")
    print(f"| {'metric':<58} | {'value':>16} | {'unit':<7} | {'target':<11} |")
    print(f"|{'-' * 60}|{'-' * 18}|{'-' * 9}|{'-' * 13}|")
    for row in rows:
        print(f"| {row['metric']:<58} | {row['value']!s:>16} | {row['unit']:<7} | {row['target']!s:<11} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
