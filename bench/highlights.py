"""Highlights, before (best sentences) and after (`bot.retrieval.highlight`): how focused, how right, what they cost.

    .venv/bin/python bench/highlights.py                      # the blind dev set
    .venv/bin/python bench/highlights.py eval/dev_questions.jsonl

Over the in-scope questions whose top passage is the expected one (so the highlight is judged on
the right passage), it prints:
- how often the highlight is shorter than the passage, and shorter than the sentence it is in;
- the highlight's share of the passage's characters (mean);
- for questions asking a kind of answer (a date, year, sum, count: `answer_types.wanted_types`),
  how often the highlight holds one, by `answer_types.held_types` (patterns `bot.retrieval.highlight` does
  not use to find it), and for "who" questions how often it names a person the corpus knows;
- the time to compute one passage's highlight (µs, median), before and after.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.answering.engine import Engine  # noqa: E402
from bot.corpus.passages import sentence_spans  # noqa: E402
from bot.retrieval.answer_kinds import held_types, wanted_types  # noqa: E402
from bot.retrieval.highlight import question_focus  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.tools.evaluation import load_questions  # noqa: E402

CHECKED_KINDS = frozenset({"time", "year", "money", "count"})
REPEATS = 50  # calls timed per passage (one call is too short to time alone)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", nargs="?", default=str(ROOT / "eval" / "blind_dev.jsonl"))
    args = parser.parse_args()
    engine = Engine.open(Settings())
    engine.warm_up()
    retriever, index = engine.retriever, engine.index
    people = [s.person for s in engine.catalog.speakers]
    authors = [a.author for a in engine.catalog.corpus.articles if a.author]
    row_of = {p.id: r for r, p in enumerate(index.passages)}

    stats: dict[str, dict[str, list[float]]] = {"before": {}, "after": {}}
    for q in load_questions(Path(args.file)):
        if not q.in_scope:
            continue
        found = retriever.retrieve(q.question, 1)
        if not found.hits or found.hits[0].passage.id not in q.expected:
            continue
        passage = found.hits[0].passage
        row = row_of[passage.id]
        query = engine.encode_query(found.query)
        wanted = wanted_types(found.query) & CHECKED_KINDS
        who = question_focus(found.query).person
        for label, focus in (("before", None), ("after", question_focus(found.query))):
            started = time.perf_counter()
            for _ in range(REPEATS):
                spans = _before(retriever, row, query) if focus is None else retriever.highlights(row, query, focus)
            elapsed = (time.perf_counter() - started) * 1e6 / REPEATS
            marked = " ".join(passage.text[s:e] for s, e in spans)
            length = sum(e - s for s, e in spans)
            sentence = next(((s, e) for s, e in sentence_spans(passage.text) if s <= spans[0][0] < e), (0, 0))
            figures = stats[label]
            figures.setdefault("questions", []).append(1)
            figures.setdefault("us", []).append(elapsed)
            figures.setdefault("shorter than the passage", []).append(length < len(passage.text.strip()))
            figures.setdefault("shorter than its sentence", []).append(length < sentence[1] - sentence[0])
            figures.setdefault("share of the passage", []).append(length / len(passage.text))
            if wanted:
                figures.setdefault("kind asked: highlight holds it", []).append(bool(held_types(marked) & wanted))
            if who:
                figures.setdefault("who: highlight names a person", []).append(
                    any(p.mentioned_in(marked) for p in people) or any(a in marked for a in authors)
                )
    print(f"{args.file}: in-scope questions whose top passage is right: {len(stats['after']['questions'])}\n")
    print(f"| {'figure':<34} | {'n':>4} | {'before':>8} | {'after':>8} |")
    print(f"|{'-' * 36}|{'-' * 6}|{'-' * 10}|{'-' * 10}|")
    for key in stats["after"]:
        if key in ("questions", "us"):
            continue
        before, after = stats["before"][key], stats["after"][key]
        print(f"| {key:<34} | {len(after):>4} | {statistics.fmean(before):>8.3f} | {statistics.fmean(after):>8.3f} |")
    before_us, after_us = statistics.median(stats["before"]["us"]), statistics.median(stats["after"]["us"])
    print(f"| {'time per passage, median (µs)':<34} | {len(stats['after']['us']):>4} | {before_us:>8.1f} "
          f"| {after_us:>8.1f} |")
    return 0


def _before(retriever: object, row: int, query: np.ndarray) -> tuple[tuple[int, int], ...]:
    """The highlight as it was: every sentence within the margin of the best one."""
    highlighter = retriever._highlighter  # type: ignore[attr-defined]
    start, end = int(retriever._sentence_start[row]), int(retriever._sentence_start[row + 1])  # type: ignore[attr-defined]
    index = retriever.index  # type: ignore[attr-defined]
    scores = index.sentence_dense.vectors[start:end] @ query
    chosen = np.flatnonzero(scores >= float(scores.max()) - highlighter.margin) + start
    return tuple((int(index.sentences[i, 1]), int(index.sentences[i, 2])) for i in chosen)


if __name__ == "__main__":
    raise SystemExit(main())
