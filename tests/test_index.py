"""The on-disk index: built once, loaded without re-embedding, rebuilt when stale or damaged."""

from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from bot.corpus.catalog import Catalog
from bot.index.embeddings import Embedder
from bot.index.files import MANIFEST
from bot.index.passage_index import VECTORS_FILE, PassageIndex
from bot.provision import ensure_index
from bot.settings import Settings
from tests.conftest import CORPUS_DIR, SLUG, make_settings


class CountingEmbedder:
    """The real model, counting how many texts it is asked to embed."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.texts = 0

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    def encode(self, texts, *, batch_size: int = 32, progress: bool = False) -> np.ndarray:  # type: ignore[no-untyped-def]
        self.texts += len(texts)
        return self.inner.encode(texts, batch_size=batch_size, progress=progress)


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(CORPUS_DIR / f"{SLUG}.md", folder)
    return folder


@pytest.fixture
def isolated(tmp_path: Path, corpus_copy: Path) -> Settings:
    return make_settings(tmp_path, corpus_dir=corpus_copy)


def _ensure(settings: Settings, counter: CountingEmbedder, **kwargs: object) -> tuple[PassageIndex, object]:
    return ensure_index(settings, Catalog.from_settings(settings), embedder_factory=lambda: counter, **kwargs)


def test_built_once_then_loaded_without_embedding(isolated: Settings, embedder: Embedder) -> None:
    counter = CountingEmbedder(embedder)
    index, report = _ensure(isolated, counter)
    assert report is not None and counter.texts > 0
    manifest = json.loads((isolated.index_dir / MANIFEST).read_text())
    assert manifest["key"]["model_id"].startswith("sentence-transformers/all-MiniLM-L6-v2")
    assert manifest["dimension"] == 384 and manifest["passages"] == len(index) == 24
    assert {"corpus_fingerprint", "chunker_version"} <= set(manifest["key"]) and manifest["built_at"]
    vectors = np.load(isolated.index_dir / VECTORS_FILE)
    assert vectors.dtype == np.float32 and np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-4)

    counter.texts = 0
    again, report = _ensure(isolated, counter)
    assert report is None and counter.texts == 0
    assert [p.id for p in again.passages] == [p.id for p in index.passages]
    assert np.array_equal(again.dense.vectors, index.dense.vectors)


def test_corpus_edit_rebuilds_and_reembeds_only_changes(
    isolated: Settings, embedder: Embedder, caplog: pytest.LogCaptureFixture
) -> None:
    counter = CountingEmbedder(embedder)
    _ensure(isolated, counter)
    article = isolated.corpus_dir / f"{SLUG}.md"
    article.write_text(article.read_text(encoding="utf-8") + "\nA brand new closing paragraph.\n", encoding="utf-8")
    counter.texts = 0
    with caplog.at_level(logging.INFO, logger="bot"):
        index, report = _ensure(isolated, counter)
    assert "corpus changed" in caplog.text
    assert report is not None and len(index) == 25
    assert counter.texts == 1  # the new paragraph (one sentence, same text) only


def test_second_article_is_indexed_and_cited(isolated: Settings, embedder: Embedder) -> None:
    (isolated.corpus_dir / "second.md").write_text(
        '+++\ntitle = "Second piece"\nauthor = "Someone"\n+++\n\nThe weather in Caracas was sunny.\n', "utf-8"
    )
    index, _ = _ensure(isolated, CountingEmbedder(embedder))
    assert {p.article for p in index.passages} == {SLUG, "second"}
    assert "second#p1" in {p.id for p in index.passages}


@pytest.mark.parametrize("damage", ["truncate", "flip", "flip-keeping-times", "delete", "manifest"])
def test_damaged_index_is_detected_and_rebuilt(
    isolated: Settings, embedder: Embedder, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    counter = CountingEmbedder(embedder)
    index, _ = _ensure(isolated, counter)
    target = isolated.index_dir / VECTORS_FILE
    if damage == "truncate":
        target.write_bytes(target.read_bytes()[:100])
    elif damage.startswith("flip"):  # same size; the noted full check must not vouch for it
        before = target.stat()
        data = bytearray(target.read_bytes())
        data[-5] ^= 0xFF
        target.write_bytes(bytes(data))
        if damage == "flip-keeping-times":  # mtime put back (ctime cannot be)
            os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))
    elif damage == "delete":
        target.unlink()
    else:
        (isolated.index_dir / MANIFEST).write_text("{not json")
    with caplog.at_level(logging.INFO, logger="bot"):
        rebuilt, report = _ensure(isolated, counter)
    assert report is not None
    reason = {"delete": f"index file {target} is unreadable", "manifest": f"index manifest {isolated.index_dir}"
              }.get(damage, f"index file {target} is damaged (checksum mismatch)")
    assert f"rebuilding the index: {reason}" in caplog.text  # one line naming the file and what is wrong
    assert np.allclose(rebuilt.dense.vectors, index.dense.vectors, atol=1e-6)
    reloaded = PassageIndex.load(isolated.index_dir, rebuilt.manifest.key)  # the repaired index was saved
    assert [p.id for p in reloaded.passages] == [p.id for p in index.passages]
    assert np.array_equal(reloaded.dense.vectors, rebuilt.dense.vectors)


def test_model_or_chunker_change_triggers_rebuild(isolated: Settings, embedder: Embedder,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    counter = CountingEmbedder(embedder)
    _ensure(isolated, counter)
    manifest_path = isolated.index_dir / MANIFEST
    manifest = json.loads(manifest_path.read_text())
    manifest["key"]["model_fingerprint"] = "something-else"
    manifest["key"]["chunker_version"] = "0"
    manifest_path.write_text(json.dumps(manifest))
    with caplog.at_level(logging.INFO, logger="bot"):
        _, report = _ensure(isolated, counter)
    assert report is not None
    assert "model changed" in caplog.text and "chunker changed" in caplog.text


def test_unwritable_index_dir_serves_from_memory(tmp_path: Path, corpus_copy: Path, embedder: Embedder,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x")
    settings = make_settings(tmp_path, corpus_dir=corpus_copy, index_dir=blocker / "index")
    with caplog.at_level(logging.WARNING, logger="bot"):
        index, report = _ensure(settings, CountingEmbedder(embedder))
    assert report is not None and len(index) == 24
    assert "could not save the index" in caplog.text


def test_exact_top_k_matches_full_sort() -> None:
    from bot.index.vectors import VectorIndex

    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(500, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = VectorIndex(vectors)
    query = vectors[7]
    scores, rows = index.search(query, 10)
    expected = np.argsort(-(vectors @ query))[:10]
    assert list(rows) == list(expected) and rows[0] == 7
    assert np.all(np.diff(scores) <= 0)
