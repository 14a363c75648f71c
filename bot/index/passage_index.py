"""The passage index: passages, their embeddings (whole and per sentence), saved once and loaded fast."""

from __future__ import annotations

import datetime as dt
import logging
import time
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from bot.atomic import atomic_directory
from bot.corpus.passages import PHOTO_PREFIX, Passage, context_texts, sentence_spans
from bot.index.ann import DEFAULT_ANN_THRESHOLD, AnnIndexError, AnnUnavailable, ApproximateIndex, choose_search_backend
from bot.index.embedding_cache import EmbeddingCache
from bot.index.embeddings import Embedder
from bot.index.files import (
    IndexKey,
    IndexUnusable,
    Manifest,
    checksum_tree,
    note_verified,
    read_manifest,
    verify_files,
)
from bot.index.lexical import LexicalIndex
from bot.index.passage_file import PassageFile, write_passages
from bot.index.vectors import VectorIndex
from bot.index.wordfreqs import WordFrequencies

log = logging.getLogger(__name__)

PASSAGES_FILE = "passages.jsonl"
VECTORS_FILE = "embeddings.npy"
SENTENCES_FILE = "sentences.npy"  # (row, start, end) of each sentence, int32
SENTENCE_VECTORS_FILE = "sentence_embeddings.npy"
CONTEXT_VECTORS_FILE = "context_embeddings.npy"  # passage with the one before, when it leans on it
LEXICAL_DIR = "bm25"
ANN_FILE = "ann.idx"  # only for corpora of ANN_THRESHOLD passages or more
DERIVED_FILE = "derived.npz"  # what retrieval derives from the passages (`bot.retrieval.derived`)


@dataclass
class BuildReport:
    """What a build did: sizes, time, and how many texts were actually run through the model."""

    passages: int
    sentences: int
    encoded: int
    seconds: float
    save_error: str | None = None  # why the index could not be saved (it is then served from memory)


class PassageIndex:
    """Passages with their vectors; sentences of every passage with theirs (for finer matching)."""

    def __init__(
        self,
        passages: Sequence[Passage],
        vectors: np.ndarray,
        sentences: np.ndarray,
        sentence_vectors: np.ndarray,
        manifest: Manifest,
        lexical: LexicalIndex | None = None,
        context_vectors: np.ndarray | None = None,
        ann: ApproximateIndex | None = None,
        frequencies: WordFrequencies | None = None,
        derived: Mapping[str, np.ndarray] | None = None,
    ) -> None:
        if len(passages) != vectors.shape[0]:
            raise IndexUnusable(f"{len(passages)} passages but {vectors.shape[0]} vectors")
        if sentences.shape[0] != sentence_vectors.shape[0]:
            raise IndexUnusable(f"{sentences.shape[0]} sentences but {sentence_vectors.shape[0]} vectors")
        self.passages = passages
        self.dense = VectorIndex(vectors)
        self.sentences = sentences
        self.sentence_dense = VectorIndex(sentence_vectors)
        self.manifest = manifest
        self.lexical = lexical
        self.context_dense = VectorIndex(vectors if context_vectors is None else context_vectors)
        self.ann = ann
        self.frequencies = frequencies  # general English, for judging unknown and misspelt words
        self.derived = dict(derived) if derived is not None else None  # named arrays, saved as they are given

    def __len__(self) -> int:
        return len(self.passages)

    @cached_property
    def _by_id(self) -> dict[str, int]:
        return {p.id: i for i, p in enumerate(self.passages)}

    def row(self, passage_id: str) -> int:
        return self._by_id[passage_id]

    def nearest(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The `k` passages whose own vectors are nearest `query`: approximate if the index has an ANN."""
        if self.ann is not None:
            return self.ann.search(query, k)
        return self.dense.search(query, k)

    # -- persistence -------------------------------------------------------------------------

    def save(self, directory: Path) -> None:
        """Write the index atomically into `directory` (replacing what was there)."""
        with atomic_directory(directory) as staging:
            write_passages(staging / PASSAGES_FILE, self.passages)
            np.save(staging / VECTORS_FILE, self.dense.vectors)
            np.save(staging / SENTENCES_FILE, self.sentences)
            np.save(staging / SENTENCE_VECTORS_FILE, self.sentence_dense.vectors)
            np.save(staging / CONTEXT_VECTORS_FILE, self.context_dense.vectors)
            if self.lexical is not None:
                self.lexical.save(staging / LEXICAL_DIR)
            if self.ann is not None:
                self.ann.save(staging / ANN_FILE)
            if self.frequencies is not None:
                self.frequencies.save(staging)
            if self.derived is not None:
                with (staging / DERIVED_FILE).open("wb") as handle:
                    np.savez(handle, allow_pickle=False, **self.derived)
            manifest = Manifest(**{**self.manifest.__dict__, "files": checksum_tree(staging)})
            (staging / "manifest.json").write_text(manifest.to_json(), encoding="utf-8")
            note_verified(staging, manifest)  # its checksums were just taken from these very files
        self.manifest = manifest

    @classmethod
    def load(cls, directory: Path, expected: IndexKey) -> PassageIndex:
        """Load a saved index, or raise `IndexUnusable` saying why it cannot be used as is."""
        manifest = read_manifest(directory)
        reasons = expected.differences(manifest.key)
        if reasons:
            raise IndexUnusable("; ".join(reasons))
        verify_files(directory, manifest)
        try:
            passages = PassageFile(directory / PASSAGES_FILE)
            # Memory-mapped, read-only: the pages are the file's, so several bot processes on one
            # machine (shards) share one copy of the matrices instead of holding one each.
            vectors = np.load(directory / VECTORS_FILE, allow_pickle=False, mmap_mode="r")
            sentences = np.load(directory / SENTENCES_FILE, allow_pickle=False)
            sentence_vectors = np.load(directory / SENTENCE_VECTORS_FILE, allow_pickle=False, mmap_mode="r")
            context_vectors = np.load(directory / CONTEXT_VECTORS_FILE, allow_pickle=False, mmap_mode="r")
            lexical = LexicalIndex.load(directory / LEXICAL_DIR) if (directory / LEXICAL_DIR).is_dir() else None
            frequencies = WordFrequencies.load(directory) if WordFrequencies.saved_in(directory) else None
            derived = _load_arrays(directory / DERIVED_FILE)
        except (OSError, ValueError, TypeError, KeyError, EOFError, zipfile.BadZipFile) as exc:
            raise IndexUnusable(f"index at {directory} is unreadable ({exc.__class__.__name__}: {exc})") from exc
        if vectors.ndim != 2 or vectors.shape[1] != manifest.dimension:
            raise IndexUnusable(f"index at {directory}: embeddings have shape {vectors.shape}")
        if context_vectors.shape != vectors.shape:
            raise IndexUnusable(f"index at {directory}: context embeddings have shape {context_vectors.shape}")
        return cls(passages, vectors, sentences, sentence_vectors, manifest, lexical, context_vectors,
                   _load_ann(directory / ANN_FILE, vectors), frequencies, derived)


def _load_arrays(path: Path) -> dict[str, np.ndarray] | None:
    if not path.is_file():
        return None
    with np.load(path, allow_pickle=False) as saved:
        return {name: saved[name] for name in saved.files}


def _load_ann(path: Path, vectors: np.ndarray) -> ApproximateIndex | None:
    if not path.is_file():
        return None
    try:
        return ApproximateIndex.load(path, vectors)
    except AnnUnavailable as exc:
        log.warning("%s; searching %d passages exactly", exc, len(vectors))
        return None
    except (AnnIndexError, OSError) as exc:
        raise IndexUnusable(f"approximate index {path} is unusable ({exc})") from exc


def split_sentences(passages: Sequence[Passage]) -> np.ndarray:
    """(row, start, end) for every sentence of every passage (every line of a metadata passage)."""
    rows = [(row, start, end) for row, p in enumerate(passages) for start, end in _spans(p)]
    return np.array(rows, dtype=np.int32).reshape(-1, 3)


def _spans(passage: Passage) -> list[tuple[int, int]]:
    if passage.kind != "metadata":
        return sentence_spans(passage.text)
    spans, start = [], 0
    for line in passage.text.split("\n"):
        if line.strip() and not line.startswith(PHOTO_PREFIX):  # no sentence of its own (see `PHOTO_PREFIX`)
            spans.append((start, start + len(line)))
        start += len(line) + 1
    return spans


def build_index(
    passages: Sequence[Passage],
    key: IndexKey,
    embedder: Callable[[], Embedder],
    *,
    cache: EmbeddingCache | None = None,
    lexical_documents: Sequence[str] | None = None,
    progress: bool = False,
    ann_threshold: int = DEFAULT_ANN_THRESHOLD,
    derived: Mapping[str, np.ndarray] | None = None,
) -> tuple[PassageIndex, BuildReport]:
    """Embed passages and their sentences (the model is loaded only if some text is not cached); `derived` is what
    retrieval derived from them, saved with the index as it is."""
    started = time.perf_counter()
    sentences = split_sentences(passages)
    sentence_texts = [passages[r].text[s:e] for r, s, e in sentences]
    contexts = context_texts(passages)
    texts = [p.text for p in passages] + contexts + sentence_texts
    loaded: list[Embedder] = []

    def encode(batch: list[str]) -> np.ndarray:
        if not loaded:
            loaded.append(embedder())
        return loaded[0].encode(batch, progress=progress)

    if cache is not None:
        vectors, encoded = cache.embed(texts, encode)
        cache.retain(texts)
        cache.save()
    else:
        vectors, encoded = encode(texts), len(texts)
    count = len(passages)
    seconds = time.perf_counter() - started
    manifest = Manifest(
        key=key,
        dimension=int(vectors.shape[1]),
        passages=count,
        built_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        build_seconds=round(seconds, 3),
        details={"sentences": len(sentence_texts), "encoded": encoded,
                 "with_context": sum(c != p.text for c, p in zip(contexts, passages, strict=True))},
    )
    lexical = LexicalIndex.build(lexical_documents) if lexical_documents is not None else None
    frequencies = WordFrequencies.build() if lexical_documents is not None else None
    ann = None
    if choose_search_backend(count, ann_threshold) == "ann":
        ann = ApproximateIndex.build(np.ascontiguousarray(vectors[:count]))
    index = PassageIndex(
        passages, vectors[:count], sentences, vectors[2 * count :], manifest, lexical, vectors[count : 2 * count],
        ann, frequencies, derived,
    )
    return index, BuildReport(count, len(sentence_texts), encoded, seconds)
