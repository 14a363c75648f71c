"""Memory of one and of four bot processes on one machine: RSS and PSS (shared pages split fairly).

    .venv/bin/python bench/shard_memory.py [--json] [--processes 4]

Each process is what a shard process holds before it connects: the engine opened on one index
(matrices memory-mapped), the ONNX query model loaded and warmed up, and 30 questions answered.
RSS counts every resident page a process touches, shared or not, so four RSS figures added up
count the shared pages (libraries, the memory-mapped index) four times; PSS divides each shared
page among the processes that map it, so the PSS total is what the machine really spends.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHILD = """
import sys
from pathlib import Path
from bot.answering.engine import Engine
from bot.tools.evaluation import load_questions
from bot.settings import Settings
engine = Engine.open(Settings())
engine.warm_up()
for q in load_questions(Path(sys.argv[1]))[:30]:
    engine.ask(q.question)
print("ready", flush=True)
sys.stdin.read()
"""


def memory(pid: int) -> tuple[float, float]:
    """(RSS, PSS) of a process in MB, from /proc/<pid>/smaps_rollup."""
    values = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        parts = line.split()
        if parts and parts[0] in ("Rss:", "Pss:"):
            values[parts[0]] = int(parts[1]) / 1024
    return values["Rss:"], values["Pss:"]


def measure(count: int, env: dict[str, str]) -> dict[str, float]:
    children = [subprocess.Popen([sys.executable, "-c", CHILD, str(ROOT / "eval" / "dev_questions.jsonl")],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
                for _ in range(count)]
    try:
        for child in children:
            assert child.stdout is not None
            line = child.stdout.readline()
            if not line.startswith("ready"):
                raise RuntimeError("a child process failed to open the engine")
        figures = [memory(child.pid) for child in children]
    finally:
        for child in children:
            if child.stdin:
                child.stdin.close()
            child.wait(timeout=60)
    return {"processes": count, "rss_total_mb": round(sum(r for r, _ in figures), 1),
            "pss_total_mb": round(sum(p for _, p in figures), 1),
            "rss_each_mb": round(sum(r for r, _ in figures) / count, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--processes", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="summit-shards-") as tmp:
        env = {**os.environ, "SUMMIT_BOT_INDEX_DIR": str(Path(tmp) / "index"),
               "SUMMIT_BOT_STATE_DIR": str(Path(tmp) / "state"), "PYTHONPATH": str(ROOT)}
        subprocess.run([sys.executable, "-m", "bot", "-q", "index"], env=env, check=True, cwd=ROOT)
        rows = [measure(1, env), measure(args.processes, env)]
    if args.json:
        print(json.dumps(rows))
    else:
        for row in rows:
            print(f"{row['processes']} process(es): RSS total {row['rss_total_mb']} MB "
                  f"({row['rss_each_mb']} each), PSS total {row['pss_total_mb']} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
