"""Start-up of the real engine on a synthetic corpus of N paragraphs (default 1,000,000), by hand.

    .venv/bin/python bench/startup_scale.py [--passages 1000000] [--json] [--keep DIR]

The corpus is written as real article files (100 articles, TOML front matter, sections), their
paragraphs drawn from the project's article with words swapped for made-up ones so the vocabulary
grows as a real corpus's would (the typo index and the answer-kind scan run over all of it). The
index is built by the real build (`build_index`: sentences, contexts, BM25, word frequencies, the
approximate index from 50,000 passages) except that the vectors come from a seeded random
embedder: embedding a million texts with the model would take hours, and start-up never embeds.
Then a fresh process does what `summit-bot run` does before connecting, `Engine.open` and
`warm_up`, and answers one question: its wall time and peak RSS are the figures (with, after the
answer, its anonymous memory and the mapped file pages of the index). `--cold` first drops the page
cache (root only), so that the index is read from disk.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ARTICLES = 100
SECTION_EVERY = 40
SYLLABLES = "ba be bi bo bu ca ce ci co cu da de di do du fa fe fi fo fu la le li lo lu ma me mi mo mu na ne ni " \
            "no nu ra re ri ro ru sa se si so su ta te ti to tu va ve vi vo vu za ze zi zo zu".split()

CHILD = """
import json, resource, sys, time
started = time.perf_counter()
from bot.answering.engine import Engine
from bot.settings import Settings
engine = Engine.open(Settings())
opened = time.perf_counter() - started
engine.warm_up()
ready = time.perf_counter() - started
answer = engine.ask("What did Maduro propose for the region's food supply?")
first = time.perf_counter() - started
status = dict(line.split(":", 1) for line in open("/proc/self/status"))
print(json.dumps({"open_s": opened, "ready_s": ready, "first_answer_s": first, "passages": len(engine.index),
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  # after the answer: the process's own memory, and the index's file pages it has mapped (page
                  # cache, shared with every process mapping the index; the kernel maps them in large folios)
                  "anon_mb": int(status["RssAnon"].split()[0]) / 1024,
                  "file_mb": int(status["RssFile"].split()[0]) / 1024,
                  "answered": answer.confidence}))
"""


class RandomEmbedder:
    """Seeded random unit vectors: the shape of embeddings, none of the cost (start-up never embeds)."""

    dimension = 384

    def __init__(self) -> None:
        self._rng = np.random.default_rng(7)

    def encode(self, texts: Sequence[str], *, batch_size: int = 32, progress: bool = False) -> np.ndarray:
        out = self._rng.standard_normal((len(texts), self.dimension), dtype=np.float32)
        out /= np.linalg.norm(out, axis=1, keepdims=True)
        return out


def write_corpus(folder: Path, passages: int, seed: int = 1) -> None:
    from bot.corpus.catalog import Catalog
    from bot.settings import Settings

    rng = random.Random(seed)
    real = Catalog.from_settings(Settings(_env_file=None))  # type: ignore[call-arg]
    paragraphs = [p.text for p in real.passages if p.kind == "paragraph"]
    words = [w for text in paragraphs for w in text.split()]
    made_up = ["".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))) for _ in range(120_000)]
    folder.mkdir(parents=True)
    per_article = passages // ARTICLES
    for a in range(ARTICLES):
        lines = ["+++", f'title = "Synthetic coverage {a}"', 'author = "Bench Writer"', "published = 2025-02-06",
                 'outlet = "Bench Dispatch"', "+++", ""]
        for i in range(per_article):
            if i % SECTION_EVERY == 0:
                lines += [f"## Section {i // SECTION_EVERY} of article {a}", ""]
            text = rng.choice(paragraphs).split()
            for _ in range(3):
                text[rng.randrange(len(text))] = rng.choice(made_up)
            text.insert(rng.randrange(len(text)), rng.choice(words))
            lines += [" ".join(text), ""]
        (folder / f"synthetic-{a:03d}.md").write_text("\n".join(lines), encoding="utf-8")


def build(root: Path, passages: int) -> dict[str, float]:
    from bot.corpus.catalog import Catalog
    from bot.provision import build_for
    from bot.settings import Settings

    started = time.perf_counter()
    size_file = root / "corpus-size.txt"  # how many paragraphs the kept corpus was written with
    if not (root / "corpus").is_dir() or not size_file.is_file() or size_file.read_text().strip() != str(passages):
        shutil.rmtree(root / "corpus", ignore_errors=True)  # a kept folder keeps its corpus only at the same size
        write_corpus(root / "corpus", passages)
        size_file.write_text(f"{passages}\n")
    written = time.perf_counter() - started
    settings = Settings(_env_file=None, corpus_dir=root / "corpus", index_dir=root / "index",  # type: ignore[call-arg]
                        state_dir=root / "state")
    # The real build (passages, BM25, what retrieval derives), random vectors aside and no embedding cache (at a
    # million passages it would hold every vector twice more).
    index, _ = build_for(Catalog.from_settings(settings), RandomEmbedder, cache=None)
    index.save(settings.index_dir)
    return {"corpus_write_s": written, "build_s": time.perf_counter() - started - written,
            "index_mb": sum(f.stat().st_size for f in settings.index_dir.rglob("*") if f.is_file()) / 2**20}


def current(root: Path, passages: int) -> bool:
    """Whether `root` holds an index of `passages` paragraphs that this code would open as it is (else the child
    would rebuild it with the model)."""
    from bot.corpus.catalog import Catalog
    from bot.index.files import IndexUnusable, read_manifest
    from bot.provision import index_key
    from bot.settings import Settings

    size_file = root / "corpus-size.txt"
    if not (root / "corpus").is_dir() or not size_file.is_file() or size_file.read_text().strip() != str(passages):
        return False
    settings = Settings(_env_file=None, corpus_dir=root / "corpus", index_dir=root / "index",  # type: ignore[call-arg]
                        state_dir=root / "state")
    try:
        manifest = read_manifest(settings.index_dir)
    except IndexUnusable:
        return False
    return not index_key(Catalog.from_settings(settings)).differences(manifest.key)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--passages", type=int, default=1_000_000)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--keep", type=Path, help="build into (or reuse) this folder instead of a temp one")
    parser.add_argument("--cold", action="store_true", help="drop the page cache before the start (root only)")
    args = parser.parse_args()
    if args.cold and os.geteuid() != 0:
        parser.error("--cold drops the page cache, which only root may do")
    root = args.keep or Path(tempfile.mkdtemp(prefix="summit-startup-"))
    try:
        figures: dict[str, object] = {}
        if not current(root, args.passages):
            figures.update(build(root, args.passages))
        onnx = root / "onnx"
        if not onnx.exists():  # the query model, exported by a normal index build (same model)
            with tempfile.TemporaryDirectory() as tmp:
                env = {**os.environ, "SUMMIT_BOT_INDEX_DIR": f"{tmp}/index", "SUMMIT_BOT_STATE_DIR": f"{tmp}/s"}
                subprocess.run([sys.executable, "-m", "bot", "-q", "index"], env=env, check=True, cwd=ROOT)
                shutil.copytree(Path(tmp) / "onnx", onnx)
        env = {**os.environ, "SUMMIT_BOT_CORPUS_DIR": str(root / "corpus"), "SUMMIT_BOT_INDEX_DIR": str(root / "index"),
               "SUMMIT_BOT_STATE_DIR": str(root / "state"), "PYTHONPATH": str(ROOT)}
        if args.cold:
            os.sync()
            Path("/proc/sys/vm/drop_caches").write_text("3\n")
        out = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, check=True,
                             cwd=ROOT, timeout=1800)
        figures.update(json.loads(out.stdout.strip().splitlines()[-1]))
        figures["load_avg"] = os.getloadavg()[0]
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    if args.json:
        print(json.dumps(figures))
    else:
        for key, value in figures.items():
            print(f"{key:<16} {value:.2f}" if isinstance(value, float) else f"{key:<16} {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
