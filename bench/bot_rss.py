"""Peak RSS of the real `summit-bot run` process serving /ask through the local fake Discord (by hand).

    .venv/bin/python bench/bot_rss.py [--questions 100] [--json]

Needs SUMMIT_BOT_INDEX_DIR pointing at a built index (bench/run.py sets it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.tools.evaluation import load_questions  # noqa: E402
from tests.discord_app.helpers import bot_process  # noqa: E402
from tests.fake_discord import FakeDiscord  # noqa: E402


def _status(pid: int) -> dict[str, float]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return fields


async def measure(questions: int, backend: str) -> dict[str, float]:
    texts = [q.question for q in load_questions(ROOT / "eval" / "dev_questions.jsonl")]
    with tempfile.TemporaryDirectory(prefix="summit-rss-") as tmp:
        async with FakeDiscord() as fake, bot_process(
            fake, Path(tmp), DISCORD_TOKEN=fake.token, SUMMIT_BOT_INDEX_DIR=os.environ["SUMMIT_BOT_INDEX_DIR"],
            SUMMIT_BOT_COOLDOWN_RATE="1000", SUMMIT_BOT_QUERY_BACKEND=backend,
        ) as bot:
            await fake.wait_until_ready(timeout=120)
            ready = _status(bot.process.pid)
            for start in range(0, questions, 10):
                batch = [fake.inject_slash_command("ask", {"question": texts[i % len(texts)]},
                                                   user_id=FakeDiscord.USER_ID)
                         for i in range(start, min(start + 10, questions))]
                for interaction in batch:
                    await fake.wait_for_followup(interaction.token, timeout=30)
            served = _status(bot.process.pid)
            await bot.stop()
    return {"rss after login MB": round(ready["VmRSS"], 1), "rss after questions MB": round(served["VmRSS"], 1),
            "peak rss MB": round(served["VmHWM"], 1), "questions": questions}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--backend", default="auto", help="SUMMIT_BOT_QUERY_BACKEND for the bot")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    figures = asyncio.run(measure(args.questions, args.backend))
    print(json.dumps(figures) if args.json else "\n".join(f"{k}: {v}" for k, v in figures.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
