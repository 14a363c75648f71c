"""Hostile questions through the real engine and renderer, run by hand: 10,000 hypothesis cases or more.

    .venv/bin/python bench/fuzz_inputs.py                     # 10,000 cases
    .venv/bin/python bench/fuzz_inputs.py --cases 50000 --seed 7 --json

Each case is a question as a hostile or careless user might type it (tests/reliability/hostile.py:
arbitrary unicode, zero-width and RTL marks, null bytes and other controls, lone surrogates, up
to 10,000 characters, markdown, code fences, user and role mentions, @everyone, @here, links). It
goes through `Engine.ask`, `answer_embed` and the JSON discord.py would send, and every invariant of
`hostile.check` must hold: no exception but QuestionError, Discord's limits kept, mentions disabled,
nothing that would ping, the question echoed back escaped. CI runs the same check on 200 cases.
Exits 1 with the (shrunk) failing question if an invariant breaks.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hypothesis import HealthCheck, given, seed, settings  # noqa: E402

from bot.answering.engine import Engine  # noqa: E402
from bot.settings import Settings  # noqa: E402
from tests.reliability import hostile  # noqa: E402

FEATURES = {
    "mention or @everyone/@here": lambda q: "@" in q,
    "zero-width or bidi control": lambda q: any(c in q for c in "\u200b\u200c\u200d\u2060\ufeff\u200e\u200f"
                                                "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"),
    "null byte": lambda q: "\x00" in q,
    "lone surrogate": lambda q: any("\ud800" <= c <= "\udfff" for c in q),
    "markdown or code fence": lambda q: any(m in q for m in ("**", "__", "~~", "||", "`", "> ", "# ")),
    "link": lambda q: "://" in q,
    "over 500 characters": lambda q: len(q) > 500,
    "10,000 characters": lambda q: len(q) >= 10_000,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=10_000, help="hypothesis cases (default 10,000)")
    parser.add_argument("--seed", type=int, default=None, help="make the run reproducible")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    engine = Engine.open(Settings())
    engine.warm_up()
    outcomes: Counter[str] = Counter()
    features: Counter[str] = Counter()
    longest = 0

    @settings(max_examples=args.cases, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(text=hostile.questions())
    def fuzz(text: str) -> None:
        nonlocal longest
        outcomes[hostile.check(engine, text)] += 1
        features.update(name for name, present in FEATURES.items() if present(text))
        longest = max(longest, len(text))

    if args.seed is not None:
        fuzz = seed(args.seed)(fuzz)
    started = time.perf_counter()
    failed = None
    try:
        fuzz()
    except Exception as exc:  # hypothesis re-raises the shrunk failure
        failed = f"{exc.__class__.__name__}: {exc}"
    wall = time.perf_counter() - started
    cases = sum(outcomes.values())  # every case run, the shrinking of a failure included
    report = {"cases": cases, **{f"outcome {k}": v for k, v in sorted(outcomes.items())},
              **{f"with {k}": v for k, v in features.items()}, "longest question": longest,
              "wall s": round(wall, 1), "cases per s": round(cases / wall, 1), "failed": failed}
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        print(f"{cases} cases in {wall:.1f} s ({cases / wall:.0f}/s), load average {os.getloadavg()[0]:.1f}")
        for key, value in report.items():
            if key not in ("cases", "wall s", "cases per s", "failed"):
                print(f"  {key:<36} {value}")
        print(f"invariants: {'BROKEN: ' + failed if failed else 'all held'}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
