"""The answer decision: the shipped model, how it grades questions, and that `calibrate` reproduces it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bot.answering.engine import Engine
from bot.retrieval.decide import DecisionModel, Signals
from bot.settings import PROJECT_ROOT, Settings
from bot.tools.calibration import DEFAULT_SETS, calibrate, examples_from, fit_logistic, folds

STRONG = Signals(dense_top=0.75, dense_margin=0.2, lexical_top=2.5, unknown_share=0.0, foreign_names=0,
                 spanish=False, answer_kind_missing=False, asks_position=False, reader_top=0.95, reader_margin=0.8)


def test_strong_evidence_is_high_and_weak_evidence_is_refused() -> None:
    model = DecisionModel.load()
    assert model.confidence(STRONG) == "high"
    weak = replace(STRONG, dense_top=0.1, dense_margin=0.0, lexical_top=0.0, unknown_share=1.0, reader_top=0.02,
                   reader_margin=-0.3)
    assert model.confidence(weak) == "none"


def test_a_passage_the_reader_says_does_not_answer_lowers_both_chances() -> None:
    model = DecisionModel.load()
    unread = replace(STRONG, reader_top=0.05, reader_margin=0.0)
    assert all(low < high for low, high in zip(model.probabilities(unread), model.probabilities(STRONG), strict=True))


def test_a_name_the_corpus_never_mentions_lowers_the_chance_of_being_shown() -> None:
    model = DecisionModel.load()
    with_name = replace(STRONG, foreign_names=1)
    assert model.probabilities(with_name)[0] < model.probabilities(STRONG)[0]


@pytest.mark.parametrize(("question", "expected"), [
    ("What did Maduro propose for the region's food supply?", {"high", "medium"}),
    ("what did the venezuelan guy want to do with warships and jets", {"high", "medium"}),
    ("Which bank is financing the resettlement scheme?", {"high", "medium"}),
    ("What is the capital of Australia?", {"none"}),
    ("how do i reverse a list in python", {"none"}),
    ("Will it rain in London tomorrow?", {"none"}),
])
def test_questions_get_the_confidence_their_evidence_supports(engine: Engine, question: str,
                                                              expected: set[str]) -> None:
    assert engine.ask(question).confidence in expected


def test_a_refusal_still_lists_the_closest_passages(engine: Engine) -> None:
    answer = engine.ask("What is the capital of Australia?", top_k=3)
    assert answer.confidence == "none" and not answer.answered and len(answer.citations) == 3


def test_fit_logistic_separates_separable_data() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(200, 2))
    y = (x[:, 0] - x[:, 1] > 0).astype(float)
    weights, _ = fit_logistic(x, y)
    assert weights[0] > 0 > weights[1]
    predicted = (x @ weights > 0).astype(float)
    assert (predicted == y).mean() > 0.95


def test_folds_are_stratified_and_seeded() -> None:
    labels = np.array([0] * 10 + [1] * 5)
    fold = folds(labels, count=5)
    assert (fold == folds(labels, count=5)).all()
    for k in range(5):
        assert (labels[fold == k] == 0).sum() == 2 and (labels[fold == k] == 1).sum() == 1


def test_calibrate_refuses_held_out_sets(tmp_path: Path) -> None:
    from bot.cli import main

    assert main(["calibrate", "eval/blind_holdout.jsonl", "--output", str(tmp_path / "d.json")]) == 2
    assert not (tmp_path / "d.json").exists()


def test_the_shipped_decision_is_what_calibrate_fits(settings: Settings) -> None:
    """Reproducible: refitting on the dev sets with today's retrieval decides every dev question as the committed
    file does, with coefficients and thresholds within a tolerance (floats differ in the last digits across
    machines). A fresh engine: nothing an earlier test did to the shared one can change the fit."""
    engine = Engine.open(settings)
    shipped = DecisionModel.load()
    translation = engine.translator is not None
    if shipped.fitted_on.get("translation", True) != translation:
        pytest.skip("decision.json was fitted with Apertium's translations, not installed here (.ci/run installs it)"
                    if not translation else "decision.json was fitted without Apertium, installed here")
    examples = examples_from(engine, [PROJECT_ROOT / s for s in DEFAULT_SETS])
    targets = shipped.fitted_on["targets"]
    refit = calibrate(examples, shown_target=targets["shown_in_scope"],  # type: ignore[index]
                      wrong_target=targets["confidently_wrong"], sets=list(DEFAULT_SETS),  # type: ignore[index]
                      features=shipped.features, translation=translation)
    hint = "retrieval changed: run `summit-bot calibrate` and review bot/retrieval/decision.json"
    assert [refit.confidence(e.signals) for e in examples] == [shipped.confidence(e.signals) for e in examples], hint
    for fitted, committed in ((refit.shown, shipped.shown), (refit.right, shipped.right)):
        assert fitted.weights.keys() == committed.weights.keys(), hint
        for name, weight in committed.weights.items():
            assert fitted.weights[name] == pytest.approx(weight, abs=0.01), (name, hint)
        assert fitted.intercept == pytest.approx(committed.intercept, abs=0.01), hint
    assert (refit.medium, refit.high) == pytest.approx((shipped.medium, shipped.high), abs=0.01), hint
    # the cross-validated figures the file records are the refit's own, and meet the targets it was fitted for
    cv = refit.fitted_on["cross_validated"]
    assert isinstance(cv, dict) and cv == pytest.approx(shipped.fitted_on["cross_validated"], abs=0.01), hint
    assert cv["shown_in_scope"] >= targets["shown_in_scope"]  # type: ignore[index]
    assert cv["confidently_wrong"] <= targets["confidently_wrong"]  # type: ignore[index]
    assert not any("holdout" in s for s in refit.fitted_on["sets"])  # type: ignore[union-attr]
