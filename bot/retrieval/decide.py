"""The answer decision: how surely the passages found answer the question (high / medium / none).

One calibrated model, not a chain of rules. The retriever measures a few signals for every question
(`Signals`); two logistic models over the same standardised signals estimate
- P(shown): that the corpus answers the question at all, and
- P(right): that it does *and* the first passage is the one that answers it.
`confidence` is "none" when P(shown) is below the `medium` threshold, "high" when P(right) also
reaches the `high` threshold, "medium" otherwise. Coefficients and thresholds live in
`bot/retrieval/decision.json`, written by `summit-bot calibrate` from the labelled dev questions (the
held-out sets never take part) and reviewed like code; see eval/README.md.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

Confidence = Literal["high", "medium", "none"]
"""`high` shown as the answer, `medium` shown as a possible answer ("This may answer it"), `none` the honest
refusal (the passages are then only the closest)."""

CONFIDENCES: tuple[Confidence, ...] = ("high", "medium", "none")

MODEL_FILE = Path(__file__).with_name("decision.json")  # with the reader's signals
LIKENESS_MODEL_FILE = Path(__file__).with_name("decision_likeness.json")  # without a reader (SUMMIT_BOT_READER=off)


@dataclass(frozen=True)
class Signals:
    """What the decision looks at, measured once per question by the retriever."""

    dense_top: float  # best cosine of the question with any passage (its best sentence or context)
    dense_margin: float  # how far the best passage's cosine is ahead of the next passage's
    lexical_top: float  # log(1 + best BM25 score): how many of the question's rarer words one passage holds
    unknown_share: float  # share of the question's words the corpus never uses that are rare in its language too
    foreign_names: int  # names, places and numbers of the question that the corpus never mentions
    spanish: bool  # the question is Spanish (the English model scores it lower)
    answer_kind_missing: bool  # asks when / how much / how many, and no passage near the best holds one
    asks_position: bool  # asks how the article begins or ends
    reader_top: float = 0.0  # the reader's P(answers) for the first passage (`bot.retrieval.reader`)
    reader_margin: float = 0.0  # how far that is ahead of the next passage's

    def features(self) -> dict[str, float]:
        """The model's inputs, by name (`decision.json` lists the ones it uses)."""
        return {
            "dense_top": self.dense_top,
            "dense_margin": self.dense_margin,
            "lexical_top": self.lexical_top,
            "unknown_share": self.unknown_share,
            "foreign_names": float(self.foreign_names > 0),
            "spanish": float(self.spanish),
            "spanish_dense": self.dense_top * self.spanish,
            "answer_kind_missing": float(self.answer_kind_missing),
            "asks_position": float(self.asks_position),
            "reader_logit": _logit(self.reader_top),
            "reader_margin": self.reader_margin,
        }


@dataclass(frozen=True)
class Logistic:
    """A logistic model over standardised features."""

    weights: dict[str, float]
    intercept: float

    def probability(self, z: dict[str, float]) -> float:
        t = self.intercept + sum(w * z[name] for name, w in self.weights.items())
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, t))))


@dataclass(frozen=True)
class DecisionModel:
    """The fitted decision (see the module docstring)."""

    features: tuple[str, ...]
    mean: dict[str, float]
    scale: dict[str, float]
    shown: Logistic
    right: Logistic
    medium: float  # P(shown) from which the passages are shown
    high: float  # P(right) from which they are shown as the answer
    fitted_on: dict[str, object]  # what it was fitted on and the cross-validated figures, for review

    def standardise(self, signals: Signals) -> dict[str, float]:
        raw = signals.features()
        return {name: (raw[name] - self.mean[name]) / self.scale[name] for name in self.features}

    def probabilities(self, signals: Signals) -> tuple[float, float]:
        z = self.standardise(signals)
        return self.shown.probability(z), self.right.probability(z)

    def confidence(self, signals: Signals) -> Confidence:
        shown, right = self.probabilities(signals)
        if shown < self.medium:
            return "none"
        return "high" if right >= self.high else "medium"

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> DecisionModel:
        features = tuple(str(name) for name in raw["features"])
        unknown = set(features) - set(Signals(0, 0, 0, 0, 0, False, False, False).features())
        if unknown:
            raise ValueError(f"unknown features in the decision model: {sorted(unknown)}")
        shown, right = (Logistic(_numbers(m["weights"]), float(m["intercept"])) for m in (raw["shown"], raw["right"]))
        return cls(features, _numbers(raw["mean"]), _numbers(raw["scale"]), shown, right,
                   float(raw["medium"]), float(raw["high"]), dict(raw.get("fitted_on", {})))

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> DecisionModel:
        return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))


def _logit(p: float, bound: float = 1e-4) -> float:
    """log(p / (1 - p)), with p kept within [bound, 1 - bound] so that a certain reader stays finite."""
    p = min(1 - bound, max(bound, p))
    return math.log(p / (1 - p))


def _numbers(table: Any) -> dict[str, float]:
    """A JSON object of numbers, by name."""
    if not isinstance(table, dict):
        raise ValueError(f"expected a table of numbers, not {type(table).__name__}")
    return {str(name): float(value) for name, value in table.items()}
