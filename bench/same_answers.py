"""Every question set's answers before and after a change: the check that a refactor kept behaviour.

    .venv/bin/python bench/same_answers.py snapshot before.jsonl     # on the old code
    .venv/bin/python bench/same_answers.py snapshot after.jsonl      # on the new code
    .venv/bin/python bench/same_answers.py compare before.jsonl after.jsonl

`snapshot` asks every question of the dev, held-out and blind sets through `summit-bot ask --json` (one
process, one question per line on stdin, as a user's script would) and every follow-up pair of
`eval/followups.jsonl` through the engine with the first answer as the previous turn (the terminal has no
follow-ups). Each record keeps what a reader sees decided: the confidence, the passages in order, their
highlights, and the overview kind. `compare` lists every question whose record differs, field by field, and
exits 1 if any does: each difference is then either explained as a fix or a regression to mend.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SETS = ("dev_questions", "holdout_questions", "blind_dev", "blind_holdout")
FOLLOWUPS = ROOT / "eval" / "followups.jsonl"
SUMMIT_BOT = Path(sys.executable).with_name("summit-bot")


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _decided(answer: dict[str, Any]) -> dict[str, Any]:
    return {"confidence": answer["confidence"], "overview": answer.get("overview"),
            "passages": [r["passage_id"] for r in answer["results"]],
            "highlights": [r["highlights"] for r in answer["results"]]}


def snapshot(out: Path) -> int:
    records = []
    for name in SETS:
        questions = [row["question"] for row in _rows(ROOT / "eval" / f"{name}.jsonl")]
        done = subprocess.run([str(SUMMIT_BOT), "ask", "--json"], input="\n".join(questions) + "\n",
                              capture_output=True, text=True, check=True, cwd=ROOT)
        answers = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
        assert len(answers) == len(questions), (name, len(answers), len(questions))
        records += [{"set": name, "question": q, **_decided(a)} for q, a in zip(questions, answers, strict=True)]
    from bot.answering.engine import Engine
    from bot.answering.followup import Turn
    from bot.settings import Settings

    engine = Engine.open(Settings())
    for pair in _rows(FOLLOWUPS):
        first = engine.ask(pair["first"])
        previous = Turn(first.searched_for or first.question, tuple(c.passage.id for c in first.citations))
        answer = engine.ask(pair["followup"], previous=previous).to_dict()
        records.append({"set": "followups", "question": f"{pair['first']} → {pair['followup']}", **_decided(answer)})
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    print(f"{len(records)} answers → {out}")
    return 0


def compare(before: Path, after: Path) -> int:
    old = {(r["set"], r["question"]): r for r in _rows(before)}
    new = {(r["set"], r["question"]): r for r in _rows(after)}
    differences = 0
    for key in sorted(old.keys() | new.keys()):
        a, b = old.get(key), new.get(key)
        if a == b:
            continue
        differences += 1
        print(f"{key[0]}: {key[1]}")
        if a is None or b is None:
            print("    only in", before if b is None else after)
            continue
        for field in ("confidence", "overview", "passages", "highlights"):
            if a[field] != b[field]:
                print(f"    {field}: {a[field]} → {b[field]}")
    print(f"{len(old)} answers before, {len(new)} after: {differences} differ")
    return 1 if differences else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("snapshot").add_argument("out", type=Path)
    both = sub.add_parser("compare")
    both.add_argument("before", type=Path)
    both.add_argument("after", type=Path)
    args = parser.parse_args(argv)
    return snapshot(args.out) if args.command == "snapshot" else compare(args.before, args.after)


if __name__ == "__main__":
    sys.exit(main())
