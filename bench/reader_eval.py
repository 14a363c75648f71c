"""What the reader changes, by hand: every question set under three decisions, as a table.

    .venv/bin/python bench/reader_eval.py [--json]

- **likeness**: today's retrieval without the reader, and its decision (`decision_likeness.json`);
- **reader alone**: the reader ranks the best candidates; a decision fitted on its two signals only;
- **reader + signals**: the reader's signals with the likeness signals (the shipped `decision.json`).
The two reader decisions are fitted here exactly as `summit-bot calibrate` fits them (dev sets only,
5-fold cross-validated thresholds, the same targets); held-out sets are scored, never fitted on.
Figures per set: in-scope at high with the right first passage, in-scope shown, Recall@1/3 (Spanish
R@1 too), off-topic and near-misses refused, confidently wrong. The answers go through the same
retrieval as `summit-bot ask` (the every-article step of `Engine.ask` aside, which no set exercises).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.retrieval.decide import LIKENESS_MODEL_FILE, DecisionModel  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.tools.calibration import (  # noqa: E402
    DEFAULT_SETS,
    LIKENESS_FEATURES,
    READER_FEATURES,
    Example,
    calibrate,
    examples_from,
)
from bot.tools.evaluation import Outcome, _score, load_questions  # noqa: E402

SETS = ("eval/dev_questions.jsonl", "eval/holdout_questions.jsonl", "eval/blind_dev.jsonl", "eval/blind_holdout.jsonl")
FIGURES = ("high_right_in_scope", "answered_in_scope", "recall_at_1", "recall_at_3", "es_recall_at_1",
           "refused_off_topic", "refused_near_misses", "confidently_wrong")


def figures(examples: list[Example], model: DecisionModel) -> dict[str, float]:
    outcomes = [Outcome(e.question, tuple(e.ranked), model.confidence(e.signals)) for e in examples]
    metrics = _score(outcomes)
    spanish = _score([o for o in outcomes if o.question.lang == "es"])
    values = {name: getattr(metrics, name) for name in FIGURES if hasattr(metrics, name)}
    values["es_recall_at_1"] = spanish.recall_at_1
    return {name: values[name] for name in FIGURES}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--shown", type=float, default=0.97, help="calibration target: in-scope shown (default .97)")
    parser.add_argument("--wrong", type=float, default=0.02,
                        help="calibration target: confidently wrong, for the reader decisions (default .02)")
    args = parser.parse_args()
    from bot.answering.engine import Engine

    results: dict[str, dict[str, dict[str, float]]] = {}
    base = Settings()
    for reader in ("off", "on"):
        engine = Engine.open(replace_settings(base, reader=reader))
        sets = {s: examples_from(engine, [ROOT / s]) for s in SETS}
        dev = [e for s in DEFAULT_SETS for e in sets[s]]
        shipped = DecisionModel.load(LIKENESS_MODEL_FILE)
        targets = shipped.fitted_on["targets"]  # the likeness decision as shipped (.97 shown, .02 wrong)
        if reader == "on":
            targets = {"shown_in_scope": args.shown, "confidently_wrong": args.wrong}
        fitted = {}
        if reader == "off":
            fitted["likeness"] = calibrate(dev, shown_target=targets["shown_in_scope"],  # type: ignore[index]
                                           wrong_target=targets["confidently_wrong"], sets=list(DEFAULT_SETS),  # type: ignore[index]
                                           features=LIKENESS_FEATURES)
        else:
            for name, features in (("reader alone", ("reader_logit", "reader_margin")),
                                   ("reader + signals", READER_FEATURES)):
                fitted[name] = calibrate(dev, shown_target=targets["shown_in_scope"],  # type: ignore[index]
                                         wrong_target=targets["confidently_wrong"], sets=list(DEFAULT_SETS),  # type: ignore[index]
                                         features=features, translation=engine.translator is not None)
        for name, model in fitted.items():
            results[name] = {s: figures(sets[s], model) for s in SETS}
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    for s in SETS:
        print(f"\n{s} ({len(load_questions(ROOT / s))} questions)")
        print("| decision | " + " | ".join(FIGURES) + " |")
        print("|---|" + "---|" * len(FIGURES))
        for name, per_set in results.items():
            print(f"| {name} | " + " | ".join(f"{per_set[s][f]:.3f}" for f in FIGURES) + " |")
    return 0


def replace_settings(settings: Settings, **changes: object) -> Settings:
    return settings.model_copy(update=changes)


if __name__ == "__main__":
    raise SystemExit(main())
