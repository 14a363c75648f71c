"""Install sizes: the full venv (this one) against the base install alone, and the runtime image estimate.

    .venv/bin/python bench/install_size.py [--json]

The base install is made as the Dockerfile's runtime stage makes it (the wheel, no extra) into a
fresh venv; pip's cache is used, so the registry is asked only for what it has not seen. The image
estimate adds the base image and what the build stage leaves in /opt/summit-bot (index + ONNX model),
built here into a temp dir by the full install.
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

# python:3.11-slim-bookworm, uncompressed, as its registry page gives it (no Docker engine here to ask).
BASE_IMAGE_MB = 125.0


def du_mb(path: Path) -> float:
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            file = Path(root) / name
            if not file.is_symlink():
                total += file.stat().st_size
    return total / 2**20


def lean_venv(work: Path) -> Path:
    from tests.deploy.dockerfile import WHEEL_DIR_IN_IMAGE, parse, runtime_pip_install, runtime_venv_command

    dist = work / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--wheel-dir", str(dist), str(ROOT)],
                   check=True, capture_output=True)
    (wheel,) = dist.glob("summit_bot-*.whl")
    args = [str(wheel) if a.startswith(f"{WHEEL_DIR_IN_IMAGE}/") else a
            for a in runtime_pip_install(parse()["runtime"])]
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", *runtime_venv_command(parse()["runtime"]), str(venv)], check=True)
    env = {k: v for k, v in os.environ.items() if k not in ("PIP_NO_CACHE_DIR", "PYTHONPATH")}
    subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "-q", *args],
                   check=True, env=env)
    return venv


def app_dir(work: Path) -> Path:
    """What the build stage leaves in /opt/summit-bot: index/ and onnx/ (the embedding cache removed)."""
    app = work / "app"
    env = {**os.environ, "SUMMIT_BOT_INDEX_DIR": str(app / "index"), "SUMMIT_BOT_STATE_DIR": str(work / "state")}
    subprocess.run([sys.executable, "-m", "bot", "-q", "index"], check=True, env=env, cwd=ROOT)
    for leftover in app.glob("embedding-cache"):
        import shutil

        shutil.rmtree(leftover)
    return app


def measure() -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="summit-size-") as tmp:
        work = Path(tmp)
        venv = lean_venv(work)
        app = app_dir(work)
        lean, app_mb = du_mb(venv), du_mb(app)
        onnx_mb = sum(du_mb(p.parent) for p in (app / "onnx").rglob("model.onnx"))
        torch_installed = (venv / "lib").glob("python3*/site-packages/torch")
        return {
            "full venv MB": round(du_mb(Path(sys.prefix)), 0),
            "base venv MB": round(lean, 0),
            "base venv has torch": bool(list(torch_installed)),
            "index + ONNX model MB": round(app_mb, 1),
            "ONNX model MB": round(onnx_mb, 1),
            "runtime image estimate MB": round(BASE_IMAGE_MB + lean + app_mb, 0),
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    data = measure()
    if args.json:
        print(json.dumps(data))
    else:
        for key, value in data.items():
            print(f"{key:<28} {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
