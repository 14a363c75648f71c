"""`summit-bot eval`: retrieval quality on a question set (Recall@1/3, MRR@5, answered and refusal rates)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bot.answering.answer import Answer
from bot.errors import InputFileError

DEPTH = 5  # passages retrieved per question: MRR@5 needs five


class EvalError(InputFileError):
    """A question file that cannot be evaluated."""


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    expected: tuple[str, ...]
    kind: str
    lang: str = "en"
    tags: tuple[str, ...] = ()

    @property
    def in_scope(self) -> bool:
        return self.kind == "in_scope"


@dataclass(frozen=True)
class Outcome:
    question: Question
    got: tuple[str, ...]
    confidence: str = "high"

    @property
    def answered(self) -> bool:
        return self.confidence != "none"

    @property
    def confidently_wrong(self) -> bool:
        """Shown as the answer while off-topic, or while its first passage is not one that answers it."""
        return self.confidence == "high" and (not self.question.in_scope or self.rank != 1)

    @property
    def rank(self) -> int | None:
        """1-based rank of the first expected passage, or None if not in the results."""
        for position, passage_id in enumerate(self.got, start=1):
            if passage_id in self.question.expected:
                return position
        return None


@dataclass
class Metrics:
    """Quality figures over a set of outcomes."""

    questions: int = 0
    in_scope: int = 0
    off_topic: int = 0
    recall_at_1: float = 0.0
    recall_at_3: float = 0.0
    mrr_at_5: float = 0.0
    answered_in_scope: float = 0.0
    refused_off_topic: float = 0.0
    high_in_scope: float = 0.0  # in-scope questions shown as the answer (the rest shown as possible, or refused)
    high_right_in_scope: float = 0.0  # in-scope questions shown as the answer with a right first passage
    refused_near_misses: float = 0.0  # off-topic questions tagged near_miss that were refused
    confidently_wrong: float = 0.0  # of all: off-topic at high, or in scope at high with a wrong first passage
    slices: dict[str, dict[str, float]] = field(default_factory=dict)
    misses: list[dict[str, object]] = field(default_factory=list)


def load_questions(path: Path) -> list[Question]:
    """Read a JSON Lines question file, checking each line's shape."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise EvalError(f"cannot read {path}: {exc.strerror or exc}") from exc
    questions = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            questions.append(Question(
                id=str(raw["id"]), question=str(raw["question"]), expected=tuple(raw.get("expected", [])),
                kind=str(raw["kind"]), lang=str(raw.get("lang", "en")), tags=tuple(raw.get("tags", [])),
            ))
        except (ValueError, KeyError, TypeError) as exc:
            raise EvalError(f"{path}:{number}: not a question record ({exc})") from exc
    if not questions:
        raise EvalError(f"{path}: no questions")
    return questions


def score(outcomes: Sequence[Outcome]) -> Metrics:
    """Aggregate metrics, with per-language and per-tag slices of the in-scope questions."""
    metrics = _score(outcomes)
    slices: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        keys = [f"lang:{outcome.question.lang}", *(f"tag:{t}" for t in outcome.question.tags)]
        for key in keys:
            slices.setdefault(key, []).append(outcome)
    metrics.slices = {
        key: {k: v for k, v in asdict(_score(group)).items() if k not in ("slices", "misses")}
        for key, group in sorted(slices.items())
    }
    metrics.misses = [
        {"id": o.question.id, "question": o.question.question, "expected": list(o.question.expected),
         "got": list(o.got[:3]), "answered": o.answered, "confidence": o.confidence, "kind": o.question.kind}
        for o in outcomes
        if (o.question.in_scope and (o.rank != 1 or not o.answered)) or (not o.question.in_scope and o.answered)
    ]
    return metrics


def _score(outcomes: Iterable[Outcome]) -> Metrics:
    outcomes = list(outcomes)
    inside = [o for o in outcomes if o.question.in_scope]
    outside = [o for o in outcomes if not o.question.in_scope]

    def rate(values: list[bool]) -> float:
        return round(sum(values) / len(values), 4) if values else 0.0

    return Metrics(
        questions=len(outcomes), in_scope=len(inside), off_topic=len(outside),
        recall_at_1=rate([o.rank == 1 for o in inside]),
        recall_at_3=rate([o.rank is not None and o.rank <= 3 for o in inside]),
        mrr_at_5=round(sum(1 / o.rank for o in inside if o.rank and o.rank <= DEPTH) / len(inside), 4)
        if inside else 0.0,
        answered_in_scope=rate([o.answered for o in inside]),
        refused_off_topic=rate([not o.answered for o in outside]),
        high_in_scope=rate([o.confidence == "high" for o in inside]),
        high_right_in_scope=rate([o.confidence == "high" and o.rank == 1 for o in inside]),
        refused_near_misses=rate([not o.answered for o in outside if "near_miss" in o.question.tags]),
        confidently_wrong=rate([o.confidently_wrong for o in outcomes]),
    )


def evaluate(ask: Callable[[str, int], Answer], questions: Sequence[Question]) -> Metrics:
    """Ask every question (through `ask(question, top_k) -> Answer`) and score the outcomes."""
    outcomes = []
    for q in questions:
        answer = ask(q.question, DEPTH)
        outcomes.append(Outcome(q, tuple(c.passage.id for c in answer.citations), answer.confidence))
    return score(outcomes)


FLOOR_KEYS = ("recall_at_1", "recall_at_3", "mrr_at_5", "answered_in_scope", "refused_off_topic", "high_in_scope",
              "high_right_in_scope", "refused_near_misses", "confidently_wrong")
CEILING_KEYS = frozenset({"confidently_wrong"})  # lower is better: its "floor" in a floors file is a ceiling


def below_floors(metrics: Metrics, floors: dict[str, float]) -> list[str]:
    """Each metric (overall, or `slice/metric`) that falls below its floor, described."""
    failures = []
    for name, floor in floors.items():
        slice_name, _, metric = name.rpartition("/")
        source = metrics.slices.get(slice_name, {}) if slice_name else asdict(metrics)
        value = source.get(metric)
        if not isinstance(value, int | float):
            failures.append(f"{name} is not measured")
        elif metric in CEILING_KEYS and value > floor:
            failures.append(f"{name} = {value} > ceiling {floor}")
        elif metric not in CEILING_KEYS and value < floor:
            failures.append(f"{name} = {value} < floor {floor}")
    return failures


def format_table(metrics: Metrics, misses: int) -> str:
    """The human report: headline metrics, slices, then the misses."""
    lines = [
        f"questions: {metrics.questions} ({metrics.in_scope} in scope, {metrics.off_topic} off topic)",
        "",
        f"{'metric':<22}{'value':>8}",
        *(f"{key:<22}{getattr(metrics, key):>8.3f}" for key in FLOOR_KEYS),
        "",
        f"{'slice':<22}{'n':>5}{'R@1':>8}{'R@3':>8}{'MRR@5':>8}{'answered':>10}{'high':>7}{'refused':>9}"
        f"{'conf.wrong':>11}",
    ]
    for key, m in metrics.slices.items():
        lines.append(
            f"{key:<22}{m['questions']:>5}{m['recall_at_1']:>8.3f}{m['recall_at_3']:>8.3f}{m['mrr_at_5']:>8.3f}"
            f"{m['answered_in_scope']:>10.3f}{m['high_in_scope']:>7.3f}{m['refused_off_topic']:>9.3f}"
            f"{m['confidently_wrong']:>11.3f}"
        )
    shown = metrics.misses[:misses]
    lines += ["", f"misses: {len(metrics.misses)}" + (f" (first {len(shown)})" if len(shown) < len(metrics.misses)
                                                       else "")]
    for miss in shown:
        got = ", ".join(str(g).split("#")[-1] for g in _listed(miss["got"]))
        expected = ", ".join(str(e).split("#")[-1] for e in _listed(miss["expected"])) or "(refuse)"
        flag = {"high": "answered", "medium": "possible answer"}.get(str(miss["confidence"]), "refused")
        lines.append(f"  {miss['id']}: {miss['question']!r}\n      expected {expected}; got {got} [{flag}]")
    return "\n".join(lines)


def _listed(value: object) -> list[object]:
    return list(value) if isinstance(value, list | tuple) else []
