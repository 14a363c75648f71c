"""`summit-bot calibrate`: fit the answer decision (`bot/retrieval/decision.json`) from labelled questions.

Reproducible: the same questions, index and code give the same file. Every question of the given
sets (by default the two dev sets; held-out sets must never be passed) is retrieved once; its
`Signals` and two labels are kept: in scope or not, and whether the first passage is one that
answers it. Two L2-regularised logistic models are fitted with Newton's method (plain numpy), and
their thresholds are chosen on 5-fold cross-validated probabilities, so the figures printed, and
saved in the file for review, are those of questions each fold did not see:
- `medium`: the highest P(shown) threshold that still shows `--shown` of in-scope questions;
- `high`: the lowest P(right) threshold whose "confidently wrong" rate (off-topic at high, or
  in scope at high with a wrong first passage, over all questions) is at most `--wrong`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from bot.answering.question import clean_question
from bot.retrieval.decide import LIKENESS_MODEL_FILE, MODEL_FILE, DecisionModel, Logistic, Signals
from bot.settings import PROJECT_ROOT
from bot.tools.evaluation import DEPTH, Question, load_questions

if TYPE_CHECKING:
    from bot.answering.engine import Engine

DEFAULT_SETS = ("eval/dev_questions.jsonl", "eval/blind_dev.jsonl")
LIKENESS_FEATURES = ("dense_top", "dense_margin", "lexical_top", "unknown_share", "foreign_names", "spanish",
                     "spanish_dense", "answer_kind_missing", "asks_position")
READER_FEATURES = ("reader_logit", "reader_margin", *LIKENESS_FEATURES)
FOLDS = 5
RIDGE = 1.0  # L2 penalty on the standardised weights (not the intercept)


@dataclass(frozen=True)
class Example:
    question: Question
    signals: Signals
    top: str | None
    ranked: tuple[str, ...] = ()  # every passage retrieved, best first

    @property
    def shown(self) -> bool:
        return self.question.in_scope

    @property
    def right(self) -> bool:
        return self.question.in_scope and self.top in self.question.expected


def fit_logistic(x: np.ndarray, y: np.ndarray, ridge: float = RIDGE) -> tuple[np.ndarray, float]:
    """Weights and intercept of an L2-regularised logistic regression (Newton's method)."""
    rows, cols = x.shape
    design = np.hstack([np.ones((rows, 1)), x])
    beta = np.zeros(cols + 1)
    penalty = np.diag([0.0] + [ridge] * cols)
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-np.clip(design @ beta, -60, 60)))
        gradient = design.T @ (p - y) + penalty @ beta
        hessian = (design * (p * (1 - p))[:, None]).T @ design + penalty
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-9:
            break
    return beta[1:], float(beta[0])


def _probability(x: np.ndarray, weights: np.ndarray, intercept: float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x @ weights + intercept, -60, 60)))


def folds(labels: np.ndarray, count: int = FOLDS, seed: int = 0) -> np.ndarray:
    """A fold number per example, stratified by label, seeded."""
    rng = np.random.default_rng(seed)
    fold = np.zeros(labels.shape[0], dtype=int)
    for value in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == value))
        fold[members] = np.arange(members.shape[0]) % count
    return fold


def cross_validated(x: np.ndarray, y: np.ndarray, fold: np.ndarray) -> np.ndarray:
    """Each example's probability from a model fitted without its fold."""
    out = np.zeros(y.shape[0])
    for k in np.unique(fold):
        train = fold != k
        weights, intercept = fit_logistic(x[train], y[train])
        out[~train] = _probability(x[~train], weights, intercept)
    return out


def figures(
    examples: list[Example], shown: np.ndarray, right: np.ndarray, medium: float, high: float
) -> dict[str, float]:
    """Shown, refused, near-misses refused and confidently wrong, at these thresholds."""
    inside = np.array([e.shown for e in examples])
    correct = np.array([e.right for e in examples])
    near = np.array(["near_miss" in e.question.tags for e in examples])
    is_shown = shown >= medium
    is_high = is_shown & (right >= high)

    def rate(values: np.ndarray) -> float:
        return round(float(values.mean()), 4) if values.size else 0.0

    return {
        "shown_in_scope": rate(is_shown[inside]),
        "high_in_scope": rate(is_high[inside]),
        "refused_off_topic": rate(~is_shown[~inside]),
        "refused_near_misses": rate(~is_shown[near]),
        "confidently_wrong": rate(is_high & ~correct),
    }


def choose_thresholds(examples: list[Example], shown: np.ndarray, right: np.ndarray,
                      shown_target: float, wrong_target: float) -> tuple[float, float]:
    inside = np.array([e.shown for e in examples])
    candidates = np.unique(shown[inside])
    medium = max((t for t in candidates if (shown[inside] >= t).mean() >= shown_target), default=0.0)
    for high in np.unique(right):
        if figures(examples, shown, right, medium, float(high))["confidently_wrong"] <= wrong_target:
            return float(medium), float(high)
    return float(medium), 1.0


def examples_from(engine: Engine, paths: list[Path]) -> list[Example]:
    """Each question retrieved once: its signals and first passage."""
    examples = []
    for path in paths:
        for q in load_questions(path):
            found = engine.retriever.retrieve(clean_question(q.question, max_chars=10_000), DEPTH)
            ranked = tuple(h.passage.id for h in found.hits)
            examples.append(Example(q, found.signals, ranked[0] if ranked else None, ranked))
    return examples


def calibrate(examples: list[Example], *, shown_target: float, wrong_target: float, sets: list[str],
              features: tuple[str, ...] = READER_FEATURES, translation: bool = True) -> DecisionModel:
    """The decision fitted on `examples`; `translation` records whether Spanish questions were also read in
    English (Apertium), since their signals, and so the fit, depend on it."""
    raw = np.array([[e.signals.features()[name] for name in features] for e in examples])
    mean, scale = raw.mean(0), raw.std(0)
    scale[scale == 0] = 1.0
    x = (raw - mean) / scale
    y_shown = np.array([e.shown for e in examples], dtype=float)
    y_right = np.array([e.right for e in examples], dtype=float)
    fold = folds(y_shown + y_right)
    cv_shown, cv_right = cross_validated(x, y_shown, fold), cross_validated(x, y_right, fold)
    medium, high = choose_thresholds(examples, cv_shown, cv_right, shown_target, wrong_target)
    models = [fit_logistic(x, y) for y in (y_shown, y_right)]
    shown, right = (Logistic({n: round(float(w), 6) for n, w in zip(features, weights, strict=True)},
                             round(intercept, 6)) for weights, intercept in models)
    return DecisionModel(
        features=features,
        mean={n: round(float(v), 6) for n, v in zip(features, mean, strict=True)},
        scale={n: round(float(v), 6) for n, v in zip(features, scale, strict=True)},
        shown=shown, right=right, medium=round(medium, 6), high=round(high, 6),
        fitted_on={
            "sets": sets, "questions": len(examples), "in_scope": int(y_shown.sum()), "folds": FOLDS,
            "translation": translation,
            "ridge": RIDGE, "targets": {"shown_in_scope": shown_target, "confidently_wrong": wrong_target},
            "cross_validated": figures(examples, cv_shown, cv_right, medium, high),
        },
    )


class HeldOutRefused(ValueError):
    """Held-out question sets were given to fit on: they are only ever reported."""


def fitting_sets(sets: Sequence[str]) -> list[Path]:
    """The question files of `sets` (relative to the project if not found here); `HeldOutRefused` if any is a
    held-out set."""
    paths = [p if p.is_absolute() or p.exists() else PROJECT_ROOT / p for p in map(Path, sets)]
    held_out = [str(p) for p in paths if "holdout" in p.name]
    if held_out:
        raise HeldOutRefused(f"refusing to fit on held-out questions: {', '.join(held_out)}")
    return paths


def fit_decision(engine: Engine, sets: Sequence[str], *, shown: float, wrong: float) -> tuple[DecisionModel, Path]:
    """The decision fitted on `sets` (see `fitting_sets`), and the file it belongs in: the reader's decision when
    the engine reads, the likeness one otherwise."""
    paths = fitting_sets(sets)
    reader = engine.reader is not None
    model = calibrate(examples_from(engine, paths), shown_target=shown, wrong_target=wrong, sets=list(sets),
                      features=READER_FEATURES if reader else LIKENESS_FEATURES,
                      translation=engine.translator is not None)
    return model, (MODEL_FILE if reader else LIKENESS_MODEL_FILE)
