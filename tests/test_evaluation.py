"""The eval command's arithmetic, on outcomes we can check by hand, and its floors check."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.tools.evaluation import EvalError, Outcome, Question, below_floors, load_questions, score


def _q(i: int, expected: tuple[str, ...], kind: str = "in_scope", lang: str = "en") -> Question:
    return Question(id=f"q{i}", question=f"question {i}", expected=expected, kind=kind, lang=lang)


def test_metrics_by_hand() -> None:
    outcomes = [
        Outcome(_q(1, ("a",)), ("a", "b", "c"), "high"),  # rank 1
        Outcome(_q(2, ("b",)), ("a", "b", "c"), "high"),  # rank 2 at high: confidently wrong
        Outcome(_q(3, ("z",)), ("a", "b", "c", "d", "e"), "none"),  # missing, refused
        Outcome(_q(4, (), "off_topic"), ("a",), "none"),  # refused: good
        Outcome(_q(5, (), "off_topic", "es"), ("a",), "medium"),  # shown as a possible answer: bad, not confident
    ]
    m = score(outcomes)
    assert (m.in_scope, m.off_topic) == (3, 2)
    assert m.recall_at_1 == pytest.approx(1 / 3, abs=1e-4)
    assert m.recall_at_3 == pytest.approx(2 / 3, abs=1e-4)
    assert m.mrr_at_5 == pytest.approx((1 + 0.5) / 3, abs=1e-4)
    assert m.answered_in_scope == pytest.approx(2 / 3, abs=1e-4)
    assert m.refused_off_topic == 0.5
    assert m.high_in_scope == pytest.approx(2 / 3, abs=1e-4)
    assert m.confidently_wrong == pytest.approx(1 / 5, abs=1e-4)
    assert [miss["id"] for miss in m.misses] == ["q2", "q3", "q5"]
    assert m.slices["lang:es"]["refused_off_topic"] == 0.0
    assert below_floors(m, {"recall_at_1": 0.3, "lang:en/refused_off_topic": 1.0}) == []
    assert below_floors(m, {"recall_at_3": 0.9}) == ["recall_at_3 = 0.6667 < floor 0.9"]
    assert below_floors(m, {"confidently_wrong": 0.1}) == ["confidently_wrong = 0.2 > ceiling 0.1"]


def test_dev_set_loads_and_bad_files_fail_clearly(tmp_path: Path) -> None:
    questions = load_questions(Path(__file__).parent.parent / "eval" / "dev_questions.jsonl")
    assert sum(q.in_scope for q in questions) >= 60 and sum(not q.in_scope for q in questions) >= 25
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1}\n')
    with pytest.raises(EvalError, match=r"bad\.jsonl:1"):
        load_questions(bad)
