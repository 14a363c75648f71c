"""What the base install can do, and exactly what to install for the rest.

The base package answers questions from an index and an exported ONNX model that already exist
(numpy, onnxruntime, tokenizers: no torch). Building them needs the `index` extra:
sentence-transformers, torch, the bundled model, onnx, bm25s and wordfreq.
"""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path

INDEX_EXTRA_MODULES = ("sentence_transformers", "torch", "bm25s", "wordfreq", "onnx")
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
INSTALL_INDEX_EXTRA = (
    f"pip install --extra-index-url {TORCH_CPU_INDEX} 'summit-bot[index]' "
    "(the extra index gives the CPU build of torch)"
)


class IndexToolsMissing(RuntimeError):
    """An index or ONNX model has to be built, and this install cannot build them."""


def missing_index_tools() -> list[str]:
    """The modules of the `index` extra that are not installed (empty when it is)."""
    missing = []
    for name in INDEX_EXTRA_MODULES:
        try:
            found = find_spec(name) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            missing.append(name)
    return missing


def require_index_tools(why: str, index_dir: Path) -> None:
    """Raise `IndexToolsMissing` with what to install when the `index` extra is not installed."""
    missing = missing_index_tools()
    if missing:
        raise IndexToolsMissing(
            f"{why}, and building it needs the indexing tools, which are not installed "
            f"({', '.join(missing)} missing). Either install them: {INSTALL_INDEX_EXTRA}, then run "
            f"`summit-bot index`; or set SUMMIT_BOT_INDEX_DIR to an index built by a full install "
            f"(the ONNX model is read from onnx/ beside it). Index directory: {index_dir}"
        )
