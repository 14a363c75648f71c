"""`summit-bot eval --followups FILE`: Recall@1/@3 of follow-up questions, read in context, against two
baselines: the follow-up asked alone ("no context") and the two questions glued together ("naive").

The file holds one pair per line (JSON Lines)::

    {"first": "...", "first_expected": ["slug#p8"], "followup": "...", "expected": ["slug#p9"],
     "lang": "en", "tags": ["pronoun"]}
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.answering.answer import Answer
from bot.answering.engine import Engine
from bot.answering.followup import Turn

MODES = ("context", "no context", "naive")


@dataclass(frozen=True)
class Pair:
    first: str
    first_expected: tuple[str, ...]
    followup: str
    expected: tuple[str, ...]
    lang: str
    tags: tuple[str, ...]


class FollowupFileError(ValueError):
    """The follow-up file cannot be read."""


def load_pairs(path: Path) -> list[Pair]:
    pairs = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise FollowupFileError(f"cannot read {path}: {exc.strerror or exc}") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            pairs.append(Pair(row["first"], tuple(row.get("first_expected") or ()), row["followup"],
                              tuple(row["expected"]), row.get("lang", "en"), tuple(row.get("tags") or ())))
        except (ValueError, KeyError, TypeError) as exc:
            raise FollowupFileError(f"{path}:{number}: not a follow-up pair ({exc})") from exc
    if not pairs:
        raise FollowupFileError(f"{path} holds no follow-up pairs")
    return pairs


@dataclass
class Outcome:
    pair: Pair
    mode: str
    ranked: list[str]
    searched: str

    def hit(self, k: int) -> bool:
        return bool(set(self.ranked[:k]) & set(self.pair.expected))


def run(engine: Engine, pairs: list[Pair]) -> list[Outcome]:
    outcomes = []
    for pair in pairs:
        first = engine.ask(pair.first)
        previous = Turn(first.searched_for or first.question, tuple(c.passage.id for c in first.citations))
        asks: dict[str, Callable[[], Answer]] = {
            "context": functools.partial(engine.ask, pair.followup, 3, previous=previous),
            "no context": functools.partial(engine.ask, pair.followup, 3),
            "naive": functools.partial(engine.ask, f"{pair.first} {pair.followup}", 3),
        }
        for mode, ask in asks.items():
            answer = ask()
            outcomes.append(Outcome(pair, mode, [c.passage.id for c in answer.citations],
                                    answer.searched_for or answer.question))
    return outcomes


def metrics(outcomes: list[Outcome]) -> dict[str, dict[str, float | int]]:
    """Per mode (and per mode and language): pairs, Recall@1, Recall@3."""
    table: dict[str, dict[str, float | int]] = {}
    for mode in MODES:
        for lang in (None, "en", "es"):
            rows = [o for o in outcomes if o.mode == mode and (lang is None or o.pair.lang == lang)]
            if not rows:
                continue
            key = mode if lang is None else f"{mode} ({lang})"
            table[key] = {"pairs": len(rows), "recall@1": round(sum(o.hit(1) for o in rows) / len(rows), 3),
                          "recall@3": round(sum(o.hit(3) for o in rows) / len(rows), 3)}
    return table


def render(table: dict[str, dict[str, float | int]], misses: list[Outcome]) -> str:
    lines = [f"{'follow-ups':<20} {'pairs':>5} {'R@1':>6} {'R@3':>6}"]
    for key, row in table.items():
        lines.append(f"{key:<20} {row['pairs']:>5} {row['recall@1']:>6.3f} {row['recall@3']:>6.3f}")
    if misses:
        lines += ["", "misses in context (R@3):"]
        for o in misses:
            lines.append(f"  {o.pair.first!r} → {o.pair.followup!r}: searched {o.searched!r}, "
                         f"got {', '.join(p.split('#')[-1] for p in o.ranked)}, "
                         f"expected {', '.join(p.split('#')[-1] for p in o.pair.expected)}")
    return "\n".join(lines)
