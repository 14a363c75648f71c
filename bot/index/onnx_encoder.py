"""Query embeddings through ONNX Runtime, without importing torch or sentence-transformers.

`export_onnx` runs at index time (sentence-transformers is loaded anyway): it exports the model's
transformer with mean pooling and L2 normalisation inside the graph, and checks the result against
sentence-transformers before publishing the folder. `OnnxEmbedder` is the query path: it needs only
numpy, onnxruntime and tokenizers (together ~0.3 s to import, against ~9 s for sentence-transformers).

The export records the size and SHA-256 of its files in onnx_meta.json, and `verify_export` checks
them before a model is used: a damaged model would otherwise load and give wrong answers silently.
Hashing model.onnx (~90 MB) costs ~0.12 s, a seventh of a terminal answer, so after a full check the
files' identity (size, mtime, ctime, inode) is noted in verified.json and later starts re-hash only
when that changed (`bench/onnx_verify.py` measures both).
"""

from __future__ import annotations

import inspect
import json
import os
import typing
import warnings
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from bot.atomic import atomic_directory, write_json
from bot.index.files import file_identity, read_stamp, sha256_file, write_stamp

if TYPE_CHECKING:
    import onnxruntime
    import tokenizers

MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
META_FILE = "onnx_meta.json"
FORMAT_VERSION = 2  # 2: sizes and SHA-256 of model.onnx and tokenizer.json under "files"
DEFAULT_OPSET = 17  # first opset with a native LayerNormalization; ORT has run it for years
DEFAULT_THREADS = 1
OUTPUT_NAME = "sentence_embedding"
_INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
_MIN_EXPORT_COSINE = 0.9999
_PROBE_TEXTS = (
    "When does the summit start?",
    "",
    "¿Quién habló de la soberanía alimentaria en Caracas? Él, ñandú, café",
    "Emoji 🚀🌎 and CJK 中文 text",
    "a much longer passage " * 90,  # past any max_seq_length we support: exercises truncation
)


class OnnxUnavailable(RuntimeError):
    """The ONNX query path cannot be used (missing packages or files, corrupt model); fall back."""


class OnnxExportError(RuntimeError):
    """The model cannot be exported faithfully (unsupported architecture or pooling, mismatch)."""


class OnnxEmbedder:
    """Embeds texts with an `export_onnx` folder: L2-normalised float32 rows, like sentence-transformers.

    The folder's files are checked against the checksums recorded at export (`verify_export`);
    a damaged or incomplete export raises `OnnxUnavailable`.
    """

    def __init__(self, onnx_dir: Path, *, threads: int | None = None) -> None:
        if threads is not None and threads < 1:
            raise ValueError(f"threads must be >= 1, got {threads}")
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise OnnxUnavailable(f"ONNX query path needs onnxruntime and tokenizers: {exc}") from exc

        onnx_dir = Path(onnx_dir)
        model_path, tokenizer_path = onnx_dir / MODEL_FILE, onnx_dir / TOKENIZER_FILE
        meta = verify_export(onnx_dir)

        try:
            tokenizer = Tokenizer.from_file(str(tokenizer_path))
        except Exception as exc:  # tokenizers raises a bare Exception for unreadable files
            raise OnnxUnavailable(f"cannot load tokenizer {tokenizer_path}: {exc}") from exc
        # Mirror sentence-transformers: pad per batch (done in encode), truncate at max_seq_length.
        # A tokenizer.json copied from the model folder may pad to a fixed 128 and cut at 128.
        direction = (tokenizer.truncation or {}).get("direction", "right")
        tokenizer.no_padding()
        tokenizer.enable_truncation(max_length=meta["max_seq_length"], direction=direction)

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or DEFAULT_THREADS
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        # Spinning workers burn a core waiting for work; on a small shared machine that costs
        # more than it saves (measured: p50 doubled with 2 spinning threads under load).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            session = ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # ORT raises its own exception types for bad protobufs/graphs
            raise OnnxUnavailable(f"cannot load ONNX model {model_path}: {exc}") from exc

        input_names = [i.name for i in session.get_inputs()]
        if not {"input_ids", "attention_mask"} <= set(input_names) <= set(_INPUT_NAMES):
            raise OnnxUnavailable(f"{model_path} has unexpected inputs {input_names}")
        if [o.name for o in session.get_outputs()] != [OUTPUT_NAME]:
            raise OnnxUnavailable(f"{model_path} does not output {OUTPUT_NAME!r}")

        self._meta = meta
        self._session: onnxruntime.InferenceSession = session
        self._tokenizer: tokenizers.Tokenizer = tokenizer
        self._input_names = input_names
        self._pad_id = int(meta["pad_token_id"])
        # One run now: the first inference allocates, and a graph that loads but cannot run
        # should fail here, where the caller can still fall back, not on a user's question.
        try:
            probe = self.encode(["warm-up"])
        except Exception as exc:
            raise OnnxUnavailable(f"ONNX model {model_path} fails to run: {exc}") from exc
        if probe.shape != (1, self.dimension) or not np.isfinite(probe).all():
            raise OnnxUnavailable(f"ONNX model {model_path} gives bad output {probe.shape}")

    @property
    def model_id(self) -> str:
        return str(self._meta["model_id"])

    @property
    def dimension(self) -> int:
        return int(self._meta["dimension"])

    @property
    def max_seq_length(self) -> int:
        return int(self._meta["max_seq_length"])

    def encode(self, texts: Sequence[str], *, batch_size: int = 32, progress: bool = False) -> np.ndarray:
        """L2-normalised float32 embeddings, one row per text (`progress` is accepted and ignored)."""
        if isinstance(texts, str):
            raise TypeError("encode takes a sequence of texts, not a single str")
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        if len(texts) == 0:
            return out
        tok = self._tokenizer
        encodings = [tok.encode(texts[0])] if len(texts) == 1 else tok.encode_batch(list(texts))
        # Length-sorted batches keep padding (wasted compute) small, as sentence-transformers does.
        order = sorted(range(len(encodings)), key=lambda i: len(encodings[i].ids))
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            width = max(len(encodings[i].ids) for i in rows)
            feeds = {
                "input_ids": np.full((len(rows), width), self._pad_id, dtype=np.int64),
                "attention_mask": np.zeros((len(rows), width), dtype=np.int64),
                "token_type_ids": np.zeros((len(rows), width), dtype=np.int64),
            }
            for r, i in enumerate(rows):
                enc, n = encodings[i], len(encodings[i].ids)
                feeds["input_ids"][r, :n] = enc.ids
                feeds["attention_mask"][r, :n] = enc.attention_mask
                feeds["token_type_ids"][r, :n] = enc.type_ids
            (vectors,) = self._session.run([OUTPUT_NAME], {name: feeds[name] for name in self._input_names})
            out[rows] = vectors
        return out


def _read_meta(path: Path) -> dict[str, Any]:
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise OnnxUnavailable(f"cannot read {path}: {exc}") from exc
    required = ("model_id", "dimension", "max_seq_length", "pad_token_id", "files")
    if not isinstance(meta, dict) or meta.get("format_version") != FORMAT_VERSION:
        raise OnnxUnavailable(f"{path} is not an ONNX export of format {FORMAT_VERSION}")
    if any(key not in meta for key in required) or meta.get("pooling") != "mean":
        raise OnnxUnavailable(f"{path} lacks {required} or mean pooling")
    files = meta["files"]
    if not isinstance(files, dict) or not {MODEL_FILE, TOKENIZER_FILE} <= set(files) or not all(
        isinstance(entry, dict) and isinstance(entry.get("bytes"), int) and isinstance(entry.get("sha256"), str)
        for entry in files.values()
    ):
        raise OnnxUnavailable(f"{path} does not record the size and SHA-256 of {MODEL_FILE} and {TOKENIZER_FILE}")
    return meta


def file_record(path: Path) -> dict[str, Any]:
    """What onnx_meta.json records of an exported file: its size and SHA-256."""
    return {"bytes": path.stat().st_size, "sha256": sha256_file(path)}


def verify_export(onnx_dir: Path, *, trust_stamp: bool = True) -> dict[str, Any]:
    """Check an export's files against the sizes and SHA-256 in its onnx_meta.json; return the metadata.

    Raises `OnnxUnavailable` naming the first missing, resized or altered file. A full check is
    noted in verified.json (files' size, mtime, ctime, inode); with `trust_stamp`, files whose
    identity still matches that note are not hashed again. Writing the note is best-effort.
    """
    onnx_dir = Path(onnx_dir)
    meta = _read_meta(onnx_dir / META_FILE)
    identities: dict[str, list[int]] = {}
    for name, expected in sorted(meta["files"].items()):
        path = onnx_dir / name
        try:
            identities[name] = file_identity(path)
        except OSError as exc:
            raise OnnxUnavailable(f"missing ONNX export file {path} ({exc.strerror or exc})") from exc
        if identities[name][0] != expected["bytes"]:
            raise OnnxUnavailable(f"{path} is {identities[name][0]} bytes, expected {expected['bytes']}")
    stamp = {"meta_sha256": sha256_file(onnx_dir / META_FILE), "files": identities}
    if trust_stamp and read_stamp(onnx_dir) == stamp:
        return meta
    for name, expected in sorted(meta["files"].items()):
        path = onnx_dir / name
        try:
            actual = sha256_file(path)
        except OSError as exc:
            raise OnnxUnavailable(f"cannot read {path} ({exc.strerror or exc})") from exc
        if actual != expected["sha256"]:
            raise OnnxUnavailable(f"{path} is damaged: its SHA-256 differs from the one recorded at export")
    write_stamp(onnx_dir, stamp)  # best-effort: a read-only export is checked in full on every start
    return meta


def export_onnx(
    model_name_or_path: str,
    out_dir: Path,
    *,
    model_id: str | None = None,
    max_seq_length: int | None = None,
    opset: int = DEFAULT_OPSET,
) -> Path:
    """Export a mean-pooling sentence-transformers model to `out_dir` (replaced atomically).

    Writes model.onnx (transformer + mean pooling + L2 normalisation, dynamic batch and sequence
    axes), tokenizer.json (as sentence-transformers tokenizes) and onnx_meta.json. `model_id`
    (default: `model_name_or_path`) is recorded for the caller's staleness checks. Raises
    `OnnxExportError` if the model is not supported or the export disagrees with
    sentence-transformers on probe texts.
    """
    out_dir = Path(out_dir)
    with atomic_directory(out_dir) as tmp:
        try:
            _export_into(str(model_name_or_path), tmp, model_id, max_seq_length, opset)
        except (OnnxExportError, OnnxUnavailable) as exc:
            raise OnnxExportError(str(exc)) from exc
        except Exception as exc:  # torch/transformers raise many types; the caller needs one
            raise OnnxExportError(f"ONNX export of {model_name_or_path!r} failed: {exc!r}") from exc
    return out_dir


def _export_into(source: str, tmp: Path, model_id: str | None, max_seq_length: int | None, opset: int) -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from sentence_transformers import SentenceTransformer

    # Eager attention traces to a plain MatMul/Softmax graph that ORT runs faster than the
    # decomposed SDPA one (extra IsNaN/Where per layer); results are the same.
    model = SentenceTransformer(source, device="cpu", model_kwargs={"attn_implementation": "eager"})
    model.eval()
    if max_seq_length is not None:
        model.max_seq_length = max_seq_length
    seq_len, dim = _check_supported(model)
    hf_model = typing.cast(torch.nn.Module, model[0].auto_model)
    hf_tokenizer = model.tokenizer

    _save_tokenizer(hf_tokenizer, source, seq_len, tmp / TOKENIZER_FILE)

    tokenize = _tokenize_fn(model)
    features = tokenize(list(_PROBE_TEXTS[:3]))  # a padded batch, so the mask path gets traced
    # Like sentence-transformers, feed only what the model's forward accepts.
    accepted = inspect.signature(hf_model.forward).parameters
    input_names = [name for name in _INPUT_NAMES if name in features and name in accepted]
    extra = {k for k, v in features.items() if isinstance(v, torch.Tensor)} - set(_INPUT_NAMES)
    if extra or input_names[:2] != ["input_ids", "attention_mask"]:
        raise OnnxExportError(f"{source}: unexpected model inputs {sorted(features)}")

    dynamic = {name: {0: "batch", 1: "sequence"} for name in input_names}
    dynamic[OUTPUT_NAME] = {0: "batch"}
    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")  # TracerWarnings and the legacy-exporter notice
        torch.onnx.export(
            _mean_pooled(hf_model).eval(),
            tuple(features[name] for name in input_names),
            str(tmp / MODEL_FILE),
            dynamo=False,  # the dynamo exporter needs onnxscript, which we do not ship
            opset_version=opset,
            input_names=input_names,
            output_names=[OUTPUT_NAME],
            dynamic_axes=dynamic,
        )

    meta = _export_meta(tmp, model_id or source, source, seq_len, dim, input_names,
                        int(hf_tokenizer.pad_token_id or 0), opset)
    write_json(tmp / META_FILE, meta)

    meta["export_check_min_cosine"] = _check_against(model, tmp)
    write_json(tmp / META_FILE, meta)
    verify_export(tmp, trust_stamp=False)  # notes the final metadata in verified.json


def _mean_pooled(hf_model: Any) -> Any:
    """`hf_model` with sentence-transformers' mean pooling and normalisation on top: the graph exported."""
    import torch

    class MeanPooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = hf_model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any = None) -> Any:
            kwargs = {"input_ids": input_ids, "attention_mask": attention_mask}
            if token_type_ids is not None:
                kwargs["token_type_ids"] = token_type_ids
            tokens = self.model(**kwargs, return_dict=True).last_hidden_state
            # Exactly sentence_transformers Pooling(mean) then Normalize.
            mask = attention_mask.unsqueeze(-1).to(tokens.dtype)
            summed = (tokens * mask).sum(dim=1)
            mean = summed / torch.clamp(mask.sum(dim=1), min=1e-9)
            return torch.nn.functional.normalize(mean, p=2, dim=-1)

    return MeanPooled()


def _save_tokenizer(hf_tokenizer: Any, source: str, seq_len: int, path: Path) -> None:
    """The model's fast tokenizer, unpadded and truncated as the model reads, saved for onnxruntime's side."""
    from tokenizers import Tokenizer

    backend = getattr(hf_tokenizer, "backend_tokenizer", None)
    if backend is None:
        raise OnnxExportError(f"{source}: tokenizer is not backed by the tokenizers library")
    tokenizer = Tokenizer.from_str(backend.to_str())
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=seq_len, direction=hf_tokenizer.truncation_side)
    tokenizer.save(str(path))


def _export_meta(tmp: Path, model_id: str, source: str, seq_len: int, dim: int, input_names: list[str],
                 pad_token_id: int, opset: int) -> dict[str, Any]:
    """What `onnx_meta.json` records of an export in `tmp`: the model, its inputs, the files' hashes, versions."""
    import onnxruntime
    import sentence_transformers
    import torch
    import transformers

    return {
        "format_version": FORMAT_VERSION,
        "model_id": model_id,
        "source": source,
        "max_seq_length": seq_len,
        "dimension": dim,
        "pooling": "mean",
        "pooling_in_graph": True,
        "normalize": True,
        "input_names": input_names,
        "output_name": OUTPUT_NAME,
        "pad_token_id": pad_token_id,
        "opset": opset,
        "attn_implementation": "eager",
        "files": {name: file_record(tmp / name) for name in (MODEL_FILE, TOKENIZER_FILE)},
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "versions": {
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "sentence_transformers": sentence_transformers.__version__,
            "onnxruntime": onnxruntime.__version__,
        },
    }


def _check_supported(model: Any) -> tuple[int, int]:
    """(max_seq_length, dimension) if the model is Transformer -> mean Pooling [-> Normalize]."""
    try:
        from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer
    except ImportError:  # sentence-transformers < 5.4
        from sentence_transformers.models import Normalize, Pooling, Transformer  # type: ignore[no-redef]  # same names

    modules = list(model)
    kinds = [type(m).__name__ for m in modules]
    if not (
        len(modules) in (2, 3)
        and isinstance(modules[0], Transformer)
        and isinstance(modules[1], Pooling)
        and all(isinstance(m, Normalize) for m in modules[2:])
    ):
        raise OnnxExportError(f"unsupported module stack {kinds}; need Transformer, Pooling[, Normalize]")
    pooling = modules[1]
    mode = getattr(pooling, "pooling_mode", None) or pooling.get_pooling_mode_str()
    if mode not in ("mean", ("mean",)):
        raise OnnxExportError(f"unsupported pooling {mode!r}; only 'mean' is exported")
    transformer = modules[0]
    task = getattr(transformer, "transformer_task", "feature-extraction")
    if getattr(transformer, "modalities", ["text"]) != ["text"] or task != "feature-extraction":
        raise OnnxExportError("only text feature-extraction transformers are supported")
    if transformer.tokenizer is None or transformer.tokenizer.padding_side != "right":
        raise OnnxExportError("need a right-padding text tokenizer")
    prompt_name = model.default_prompt_name
    if prompt_name and model.prompts.get(prompt_name):
        raise OnnxExportError(f"default prompt {prompt_name!r} is not supported")
    if not model.max_seq_length:
        raise OnnxExportError("model has no max_seq_length")
    get_dimension = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    return int(model.max_seq_length), int(get_dimension())


def _tokenize_fn(model: Any) -> Any:
    """Tokenization exactly as the model's encode does it (`preprocess` since sentence-transformers 5.4)."""
    return getattr(model[0], "preprocess", None) or model[0].tokenize


def _check_against(model: Any, onnx_dir: Path) -> float:
    """Compare the export with sentence-transformers on probe texts; return the minimum cosine."""
    embedder = OnnxEmbedder(onnx_dir)
    texts = list(_PROBE_TEXTS)
    for text in texts:
        expected = _tokenize_fn(model)([text])["input_ids"][0].tolist()
        if embedder._tokenizer.encode(text).ids != expected:
            raise OnnxExportError(f"exported tokenizer disagrees with the model's on {text[:40]!r}")
    reference = model.encode(texts, normalize_embeddings=True, convert_to_numpy=True)
    ours = np.vstack([embedder.encode(texts), embedder.encode(texts[:1])])
    cosines = np.sum(ours * np.vstack([reference, reference[:1]]), axis=1)
    worst = float(cosines.min())
    if not worst >= _MIN_EXPORT_COSINE:
        raise OnnxExportError(f"ONNX embeddings disagree with sentence-transformers (min cosine {worst:.6f})")
    return worst
