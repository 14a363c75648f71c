"""The model as the index build exported it: what a base install (no torch) answers with.

A full install knows the bundled model from its package. A base install has only the index and
the ONNX export beside it (`onnx/<model fingerprint>/`): the index manifest names the model and
its fingerprint, the export holds the tokenizer and the sequence length. That is all the query
path and the passage splitter need.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from bot.index.embeddings import ModelSpec

log = logging.getLogger(__name__)

ONNX_FOLDER = "onnx"
_MANIFEST = "manifest.json"  # bot.index.files.MANIFEST (not imported: the index floor is above this one)
_META = "onnx_meta.json"  # bot.index.onnx_encoder.META_FILE
_TOKENIZER = "tokenizer.json"  # bot.index.onnx_encoder.TOKENIZER_FILE


def onnx_folder(index_dir: Path, model_fingerprint: str) -> Path:
    """Where the ONNX export of a model lives: beside the index, one folder per model version."""
    return index_dir.parent / ONNX_FOLDER / model_fingerprint


def exported_model_spec(setting: str, index_dir: Path) -> ModelSpec | None:
    """The model of the index in `index_dir`, known from its ONNX export; None if there is none."""
    try:
        key = json.loads((index_dir / _MANIFEST).read_text(encoding="utf-8"))["key"]
        model_id, fingerprint = str(key["model_id"]), str(key["model_fingerprint"])
        folder = onnx_folder(index_dir, fingerprint)
        meta = json.loads((folder / _META).read_text(encoding="utf-8"))
        max_seq_length = int(meta["max_seq_length"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.debug("no usable exported model beside %s: %s", index_dir, exc)
        return None
    tokenizer = folder / _TOKENIZER
    if not tokenizer.is_file() or "/" in fingerprint or fingerprint in ("", ".", ".."):
        return None
    return ModelSpec(
        setting, model_id, str(folder), None,
        exported_fingerprint=fingerprint, exported_max_seq_length=max_seq_length, tokenizer_file=tokenizer,
    )
