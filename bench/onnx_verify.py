"""What checking the ONNX export costs at start: a full SHA-256 of its files against the cached check.

    .venv/bin/python bench/onnx_verify.py [ONNX_DIR]   # default: the export beside the default index

Prints one table (medians of 7 runs). The full check reads ~90 MB; the cached one (verified.json,
keyed on size, mtime, ctime and inode) only stats the files and hashes the small metadata file.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _median_ms(run, repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> int:
    from bot.corpus.catalog import Catalog
    from bot.index.onnx_encoder import MODEL_FILE, OnnxEmbedder, verify_export
    from bot.provision import export_query_model, onnx_dir
    from bot.settings import Settings

    if len(sys.argv) > 1:
        target = Path(sys.argv[1])
    else:
        settings = Settings()
        catalog = Catalog.from_settings(settings)
        export_query_model(settings, catalog)
        target = onnx_dir(settings, catalog)
    size_mb = (target / MODEL_FILE).stat().st_size / 1e6
    full = _median_ms(lambda: verify_export(target, trust_stamp=False))
    cached = _median_ms(lambda: verify_export(target))
    load = _median_ms(lambda: OnnxEmbedder(target), repeat=3)
    print(f"ONNX export {target} (model {size_mb:.0f} MB)")
    print(f"{'check':<34}{'median ms':>10}")
    print(f"{'full SHA-256 of every file':<34}{full:>10.1f}")
    print(f"{'cached (verified.json matches)':<34}{cached:>10.1f}")
    print(f"{'whole OnnxEmbedder load (cached)':<34}{load:>10.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
