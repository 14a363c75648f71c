"""Would int8 dynamic quantisation of the exported ONNX model be kept? The figures that decide, by hand.

    .venv/bin/python bench/quantize.py [--json]

Each variant quantises the model's constant MatMuls to int8 (onnxruntime.quantization, per channel),
leaving out the nodes its pattern names. Kept only if it agrees with fp32: cosine ≥ 0.99 on every
passage and dev question, the same dev top-3 for every dev question; then its encode time is
compared with fp32's, question by question, interleaved (the two see the same machine load).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

VARIANTS = {  # name -> regex of MatMul nodes kept in fp32 ("" = quantise all)
    "all MatMuls": "",
    "all but the feed-forward output": r"(?<!attention)/output/dense",
    "all but both output projections": r"/output/dense",
    "all but output projections and layer 5": r"/output/dense|layer\.5/",
    "all but output projections and layers 4-5": r"/output/dense|layer\.[45]/",
}


class Session:
    """An ONNX model file run like the query path runs it (one thread, no spinning)."""

    def __init__(self, model: Path, tokenizer: Path, max_length: int) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
        self.names = [i.name for i in self.session.get_inputs()]
        self.tokenizer = Tokenizer.from_file(str(tokenizer))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=max_length)
        self.dimension = 384

    def feeds(self, text: str) -> dict[str, np.ndarray]:
        enc = self.tokenizer.encode(text)
        n = len(enc.ids)
        values = {"input_ids": np.array([enc.ids], dtype=np.int64),
                  "attention_mask": np.array([enc.attention_mask], dtype=np.int64),
                  "token_type_ids": np.zeros((1, n), dtype=np.int64)}
        return {k: values[k] for k in self.names}

    def encode(self, texts: Sequence[str], *, batch_size: int = 32, progress: bool = False) -> np.ndarray:
        return np.vstack([self.session.run(None, self.feeds(t))[0] for t in texts]).astype(np.float32)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from bot.answering.engine import Engine
    from bot.provision import onnx_dir
    from bot.settings import Settings
    from bot.tools.evaluation import load_questions

    rows = []
    with tempfile.TemporaryDirectory(prefix="summit-quant-") as tmp:
        os.environ.update(SUMMIT_BOT_INDEX_DIR=f"{tmp}/index", SUMMIT_BOT_STATE_DIR=f"{tmp}/state")
        engine = Engine.open(Settings())
        export = onnx_dir(engine.settings, engine.catalog)
        meta = json.loads((export / "onnx_meta.json").read_text())
        fp32 = Session(export / "model.onnx", export / "tokenizer.json", int(meta["max_seq_length"]))
        questions = [q.question for q in load_questions(ROOT / "eval" / "dev_questions.jsonl")]
        texts = [p.text for p in engine.catalog.passages] + questions
        reference = fp32.encode(texts)
        engine._embedder = fp32
        top3 = [[c.passage.id for c in engine.ask(q).citations[:3]] for q in questions]
        graph = onnx.load(str(export / "model.onnx"), load_external_data=False)
        matmuls = [n.name for n in graph.graph.node if n.op_type == "MatMul"]
        for name, pattern in VARIANTS.items():
            out = Path(tmp) / "int8.onnx"
            excluded = [n for n in matmuls if pattern and re.search(pattern, n)]
            quantize_dynamic(str(export / "model.onnx"), str(out), weight_type=QuantType.QInt8, per_channel=True,
                             op_types_to_quantize=["MatMul"], nodes_to_exclude=excluded)
            int8 = Session(out, export / "tokenizer.json", int(meta["max_seq_length"]))
            cosines = np.sum(reference * int8.encode(texts), axis=1)
            row: dict[str, object] = {"variant": name, "fp32 MatMuls": len(excluded),
                                      "size MB": round(out.stat().st_size / 2**20, 1),
                                      "min cosine": round(float(cosines.min()), 4),
                                      "texts below 0.99": int((cosines < 0.99).sum())}
            engine._embedder = int8
            row["dev top-3 same"] = sum(
                [c.passage.id for c in engine.ask(q).citations[:3]] == want for q, want in zip(questions, top3,
                                                                                                strict=True))
            times: dict[str, list[float]] = {"fp32": [], "int8": []}
            for _ in range(3):
                for q in questions:
                    for label, session in (("fp32", fp32), ("int8", int8)):
                        feeds = session.feeds(q)
                        started = time.perf_counter()
                        session.session.run(None, feeds)
                        times[label].append((time.perf_counter() - started) * 1000)
            row["encode p50 fp32 / int8 ms"] = (f"{statistics.median(times['fp32']):.2f} / "
                                                f"{statistics.median(times['int8']):.2f}")
            row["kept"] = bool(row["texts below 0.99"] == 0 and row["dev top-3 same"] == len(questions))
            rows.append(row)
    if args.json:
        print(json.dumps({"dev questions": len(questions), "load": os.getloadavg()[0], "rows": rows}))
    else:
        print(f"{len(questions)} dev questions, {len(texts)} texts, load average {os.getloadavg()[0]:.1f}")
        for row in rows:
            print(" | ".join(f"{k}: {v}" for k, v in row.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
