"""The fast query path (ONNX Runtime) gives the same answers as sentence-transformers, and falls back to it."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import numpy as np
import pytest

from bot.answering.engine import Engine
from bot.cli import main
from bot.corpus.catalog import Catalog
from bot.index.embeddings import SentenceTransformerEmbedder
from bot.index.onnx_encoder import MODEL_FILE, OnnxEmbedder, verify_export
from bot.provision import onnx_dir, query_encoder
from bot.retrieval import Retriever
from bot.settings import Settings
from tests.conftest import make_settings
from tests.sample_questions import SAMPLE_QUESTIONS


@pytest.fixture(scope="module")
def torch_embedder(engine: Engine) -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(engine.catalog.model)


def test_engine_queries_through_onnx(engine: Engine) -> None:
    assert isinstance(engine.embedder(), OnnxEmbedder)


def test_query_embeddings_agree_and_search_results_are_identical(
    engine: Engine, torch_embedder: SentenceTransformerEmbedder
) -> None:
    questions = list(SAMPLE_QUESTIONS)
    fast = engine.embedder().encode(questions)
    slow = torch_embedder.encode(questions)
    cosines = np.sum(fast * slow, axis=1)
    assert cosines.min() >= 0.999, f"worst agreement {cosines.min():.6f}"
    reference = Retriever(engine.index, lambda q: torch_embedder.encode([q])[0], lexical=engine.index.lexical,
                          speakers=engine.catalog.speakers, terms=engine.catalog.terms,
                          config=engine.retriever.config, translator=engine.retriever.translator,
                          reader=engine.retriever.reader)
    for question in questions:
        ours = [h.passage.id for h in engine.retriever.search(question, 5)]
        theirs = [h.passage.id for h in reference.search(question, 5)]
        assert ours == theirs, question


def test_falls_back_to_sentence_transformers_with_a_log_line(
    tmp_path: Path, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "onnx").write_text("a file where the ONNX folder should be")  # export cannot write there
    broken = make_settings(tmp_path, index_dir=tmp_path / "index")
    with caplog.at_level(logging.WARNING, logger="bot"):
        encoder = query_encoder(broken, Catalog.from_settings(broken))
    assert isinstance(encoder, SentenceTransformerEmbedder)
    assert "using sentence-transformers" in caplog.text
    assert encoder.encode(["who wrote it?"]).shape == (1, 384)


def _private_copy(engine: Engine, root: Path) -> Settings:
    """Settings over a copy of the session's index, embedding cache and ONNX export (copied: it gets damaged)."""
    shared = engine.settings.index_dir.parent
    for name in ("index", "embedding-cache", "onnx"):
        shutil.copytree(shared / name, root / name)
    return make_settings(root)


def test_altered_model_weights_are_exported_again_not_used(engine: Engine, tmp_path: Path) -> None:
    settings = _private_copy(engine, tmp_path)
    catalog = Catalog.from_settings(settings)
    model = onnx_dir(settings, catalog) / MODEL_FILE
    with model.open("r+b") as handle:  # same size: ONNX Runtime would load and run it
        handle.seek(model.stat().st_size // 2)
        handle.write(b"\x00" * 64)
    encoder = query_encoder(settings, catalog)
    assert isinstance(encoder, OnnxEmbedder)
    verify_export(onnx_dir(settings, catalog), trust_stamp=False)
    question = ["What did Maduro propose?"]
    assert float(encoder.encode(question)[0] @ engine.embedder().encode(question)[0]) >= 0.9999


def test_index_force_exports_a_deleted_model_again(engine: Engine, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _private_copy(engine, tmp_path)
    target = onnx_dir(settings, Catalog.from_settings(settings))
    (target / MODEL_FILE).unlink()
    for name, value in (("SUMMIT_BOT_INDEX_DIR", settings.index_dir), ("SUMMIT_BOT_STATE_DIR", settings.state_dir)):
        monkeypatch.setenv(name, str(value))
    assert main(["index", "--force"]) == 0
    verify_export(target, trust_stamp=False)
    assert isinstance(query_encoder(settings, Catalog.from_settings(settings)), OnnxEmbedder)
