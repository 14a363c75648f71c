"""The reader: a small cross-encoder that reads a (question, passage) pair and says whether the passage answers.

Retrieval finds passages by likeness; the reader decides. It is all-MiniLM-L6-v2 fine-tuned by us as a
binary classifier on invented news reports and questions written blind (`training/`, never about the
corpus), exported to ONNX and quantised to int8. It ships in the package (`bot/models/reader/`) with a
manifest of its files' SHA-256, so a fresh install answers with it without training it; the query path
needs onnxruntime and tokenizers only, never torch.

What the reader sees of a passage is `reader_text`: its heading, then its text, with the paragraph before
joined on when the passage leans on it ("This effort will be funded…"). Training builds its pairs with
the same function and the same tokenizer (`encode_pairs`), so the model reads at query time exactly what
it learned on.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from tokenizers import Tokenizer

from bot.corpus.passages import Passage, embedded_text, leans_on_previous
from bot.index.files import sha256_file

READER_DIR = Path(__file__).resolve().parent.parent / "models" / "reader"
MANIFEST_FILE = "manifest.json"
MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
MAX_LENGTH = 256  # word pieces of question and passage together; longer passages are cut at the end


class ReaderError(RuntimeError):
    """The shipped reader is missing or does not match its manifest."""


def reader_text(passage: Passage, previous: Passage | None = None, *, photo: bool = False) -> str:
    """What the reader reads of `passage`: heading, then text (after the paragraph it leans on, if any); the
    details' photo caption only for a question about the photo (`photo`; see `bot.corpus.passages.PHOTO_PREFIX`)."""
    body = passage.text if photo else embedded_text(passage)
    if (previous is not None and previous.article == passage.article and previous.kind == "paragraph"
            and leans_on_previous(passage)):
        body = f"{previous.text} {body}"
    return f"{passage.section}\n{body}" if passage.section else body


def reader_texts(passages: Sequence[Passage]) -> list[str]:
    """`reader_text` of every passage, each with the one before it in `passages` (corpus order)."""
    return [reader_text(p, passages[i - 1] if i > 0 else None) for i, p in enumerate(passages)]


@dataclass(frozen=True)
class Encoded:
    """A batch of tokenised pairs, padded to its longest: the model's three inputs."""

    input_ids: np.ndarray
    attention_mask: np.ndarray
    token_type_ids: np.ndarray


def load_tokenizer(path: Path) -> Tokenizer:
    """The reader's tokenizer, truncating pairs to `MAX_LENGTH` (passage side first) and padding batches."""
    from tokenizers import Tokenizer

    tokenizer: Tokenizer = Tokenizer.from_file(str(path))
    tokenizer.enable_truncation(max_length=MAX_LENGTH, strategy="longest_first")
    tokenizer.enable_padding()
    return tokenizer


def encode_pairs(tokenizer: Tokenizer, question: str | Sequence[str], texts: Sequence[str]) -> Encoded:
    """Tokenise (question, text) pairs; one question for all texts, or one per text."""
    questions = [question] * len(texts) if isinstance(question, str) else list(question)
    encodings = tokenizer.encode_batch(list(zip(questions, texts, strict=True)))
    return Encoded(
        np.asarray([e.ids for e in encodings], dtype=np.int64),
        np.asarray([e.attention_mask for e in encodings], dtype=np.int64),
        np.asarray([e.type_ids for e in encodings], dtype=np.int64),
    )


def verify(folder: Path) -> dict[str, Any]:
    """The manifest of the reader in `folder`, after checking every file it lists (size and SHA-256)."""
    try:
        manifest = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
        files = manifest["files"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ReaderError(f"no usable reader manifest in {folder}: {exc}") from exc
    for name, expected in files.items():
        path = folder / name
        if not path.is_file():
            raise ReaderError(f"the reader's {name} is missing from {folder}")
        if path.stat().st_size != expected["bytes"] or sha256_file(path) != expected["sha256"]:
            raise ReaderError(f"the reader's {name} in {folder} does not match its manifest (damaged or replaced)")
    return dict(manifest)


class Reader:
    """The exported reader, run by onnxruntime; thread-safe (onnxruntime sessions are)."""

    def __init__(self, folder: Path = READER_DIR, *, threads: int = 0) -> None:
        import onnxruntime as ort

        self.manifest = verify(folder)
        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self._session = ort.InferenceSession(str(folder / MODEL_FILE), options, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._tokenizer = load_tokenizer(folder / TOKENIZER_FILE)
        self._lock = threading.Lock()  # the tokenizer's padding state is not shared across threads safely

    @property
    def version(self) -> str:
        """A short id of the shipped weights (the model file's hash), for index keys and `about`."""
        files: dict[str, dict[str, object]] = self.manifest["files"]
        return str(files[MODEL_FILE]["sha256"])[:12]

    def probabilities(self, question: str, texts: Sequence[str]) -> np.ndarray:
        """P(the text answers the question) for each text, in order."""
        return self.probabilities_of_pairs([question] * len(texts), texts)

    def probabilities_of_pairs(self, questions: Sequence[str], texts: Sequence[str]) -> np.ndarray:
        """P(text answers question) for each (question, text) pair, in order."""
        if not texts:
            return np.zeros(0, dtype=np.float32)
        with self._lock:
            encoded = encode_pairs(self._tokenizer, questions, texts)
        feeds = {name: getattr(encoded, name) for name in ("input_ids", "attention_mask", "token_type_ids")
                 if name in self._inputs}
        (logits,) = self._session.run(["logits"], feeds)
        logits = np.asarray(logits, dtype=np.float64).reshape(len(texts))
        return (1.0 / (1.0 + np.exp(-np.clip(logits, -60.0, 60.0)))).astype(np.float32)
