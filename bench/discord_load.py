"""Load, faults and cooldowns through the local fake Discord, run by hand: prints a table (or --json).

    .venv/bin/python bench/discord_load.py                        # 200 /ask from 50 users in 2 s, every scenario
    .venv/bin/python bench/discord_load.py --questions 60 --only ask,gateway
    .venv/bin/python bench/discord_load.py --json --questions 100  # as bench/run.py calls it

One process holds everything: the real engine and model, the real discord.py client and the fake
Discord (tests/fake_discord) on 127.0.0.1, all on one event loop, so the loop-lag and heartbeat
figures include the fake's own work (an upper bound for the bot alone). Memory is this process's
(bot + fake + model): RSS before the first scenario, its peak, and the growth over the runs.

Scenarios (each with a fresh fake and bot; the fake heartbeats every second):
  ask        N /ask from U users within W s; cooldown set so that all are allowed
  mixed      the same plus N/4 mentions (MESSAGE_CREATE) interleaved
  cooldown   N /ask with a budget one short per user: each user is told to wait once
  gateway    N /ask; the socket is closed (4000, resumable) after N/3 and op 7 RECONNECT sent after 2N/3
  429        N /ask + N/4 mentions while followups and channel messages answer 429 for W s
  500        N /ask; one more /ask (the victim) gets 500 on its callback until its 3 s are up
  clicks     N /ask plus N button clicks (votes, More, Context, closest passages) on answers sent just before
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import math
import os
import resource
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402

from bot.answering.engine import Engine  # noqa: E402
from bot.settings import Settings  # noqa: E402
from tests.fake_discord import FakeDiscord  # noqa: E402
from tests.reliability.load import Report, Target, answers_to_click, measure, new_users, serving  # noqa: E402

SCENARIOS = ("ask", "mixed", "cooldown", "gateway", "429", "500", "clicks")
JSON_FIGURES = ("ack p50 ms", "ack p99 ms", "answer p50 ms", "answer p99 ms", "mention answer p99 ms",
                "worst loop lag ms", "max heartbeat gap ms", "acked", "answered", "lost", "duplicated",
                "told to wait", "resumes", "peak concurrent answers", "clicks acked", "clicks late",
                "clicks answered", "clicks lost", "clicks duplicated", "click ack p50 ms", "click ack p99 ms")


class Records(logging.Handler):
    """Keeps WARNING and above, so a scenario can say what was logged (and stderr stays readable)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


async def run_scenario(name: str, engine: Engine, base: Settings, root: Path, args: argparse.Namespace,
                       records: Records) -> tuple[Report, dict[str, float | int]]:
    """One scenario with a fresh fake and bot; its report and extra figures."""
    n, users_count, window = args.questions, args.users, args.window
    mentions = n // 4 if name in ("mixed", "429") else 0
    per_user = math.ceil((n + mentions) / users_count)
    extra_asks = 4 if name == "clicks" else 0  # the answers to click on, asked before the load
    rate = per_user - 1 if name == "cooldown" else per_user + extra_asks
    settings = base.model_copy(update={
        "state_dir": root / name, "cooldown_rate": max(1, rate), "cooldown_seconds": 120.0,
        "allowed_channel_ids": frozenset(), "discord_guild_id": None, "discord_token": None,
    })
    extra: dict[str, float | int] = {}
    first = len(records.records)
    async with serving(engine, settings) as (fake, _):
        users = new_users(fake, users_count)
        hooks: dict[int, Callable[[], Awaitable[object]]] = {}
        if name == "gateway":
            hooks = {n // 3: lambda: fake.drop_gateway(4000), 2 * n // 3: fake.send_reconnect}
        if name == "429":
            rule = fake.rate_limit("POST", r"^/webhooks/\d+/[^/]+$|^/channels/\d+/messages$", duration=window,
                                   retry_after=0.5)
        victim: list[int] = []
        if name == "500":
            hooks = {n // 2: lambda: inject_victim(fake, victim)}
        targets: list[Target] = await answers_to_click(fake, users[0]) if name == "clicks" else []
        clicks = n if name == "clicks" else 0
        report = await measure(fake, engine, users, asks=n, mentions=mentions, window=window, hooks=hooks,
                               settle=args.settle, clicks=clicks, targets=targets)
        if name == "429":
            extra["429s sent"] = rule.hits
        if victim:
            def victim_lines() -> list[logging.LogRecord]:
                return [r for r in records.records[first:] if str(victim[0]) in r.getMessage()]

            with contextlib.suppress(TimeoutError):
                await fake.wait_for(victim_lines, timeout=15, what="the failed callback logged")
            await asyncio.sleep(0.5)  # its (failing) error reply, before the fake goes away
            extra.update({"victim acked": int(fake.interaction_state(victim[0]).acked),
                          "victim lines logged": len(victim_lines())})
    logged = records.records[first:]
    extra["warnings logged"] = sum(1 for r in logged if r.levelno == logging.WARNING)
    extra["errors logged"] = sum(1 for r in logged if r.levelno >= logging.ERROR)
    return report, extra


async def inject_victim(fake: FakeDiscord, victim: list[int]) -> None:
    """An /ask whose callback answers 500 twice: discord.py retries once, then Discord's 3 s are up."""
    user = fake.add_user("victim").id
    interaction = fake.inject_slash_command("ask", {"question": "What did Maduro propose?"}, user_id=user)
    fake.fail("POST", rf"^/interactions/{interaction.id}/", status=500, times=2)
    victim.append(interaction.id)
    await asyncio.sleep(0)


async def run_all(engine: Engine, base: Settings, args: argparse.Namespace, records: Records
                  ) -> dict[str, dict[str, float | int]]:
    results: dict[str, dict[str, float | int]] = {}
    with tempfile.TemporaryDirectory(prefix="summit-discord-load-") as tmp:
        for name in args.only.split(","):
            report, extra = await run_scenario(name, engine, base, Path(tmp), args, records)
            results[name] = {**report.figures(), **extra}
            if args.wait_between:
                await asyncio.sleep(args.wait_between)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=int, default=200, help="/ask interactions per scenario (default 200)")
    parser.add_argument("--users", type=int, default=50, help="distinct users (default 50)")
    parser.add_argument("--window", type=float, default=2.0, help="seconds to inject them in (default 2)")
    parser.add_argument("--settle", type=float, default=60.0, help="longest wait for the last answers (s)")
    parser.add_argument("--only", default=",".join(SCENARIOS), help=f"comma-separated, of {', '.join(SCENARIOS)}")
    parser.add_argument("--wait-between", type=float, default=1.0, help="pause between scenarios (s)")
    parser.add_argument("--json", action="store_true", help="print one flat JSON object of figures")
    parser.add_argument("-v", "--verbose", action="store_true", help="show warnings and errors as they are logged")
    args = parser.parse_args()
    unknown = set(args.only.split(",")) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")

    records = Records()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if not args.verbose:
        for handler in logging.getLogger().handlers:
            handler.setLevel(logging.CRITICAL)
    logging.getLogger().addHandler(records)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    started = time.perf_counter()
    base = Settings()
    engine = Engine.open(base)
    engine.warm_up()
    process = psutil.Process()
    rss_before = process.memory_info().rss / 2**20
    results = asyncio.run(run_all(engine, base, args, records))
    memory = {
        "rss before MB": round(rss_before, 1),
        "peak rss MB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "rss growth MB": round(process.memory_info().rss / 2**20 - rss_before, 1),
        "wall s": round(time.perf_counter() - started, 1),
    }
    if args.json:
        flat: dict[str, float | int] = {
            f"{name}: {key}": value for name, figures in results.items() for key, value in figures.items()
            if (key in JSON_FIGURES or key.startswith(("victim", "429"))) and not math.isnan(value)
        }
        flat.update({f"in-process {key}": value for key, value in memory.items()})
        print(json.dumps(flat))
        return 0
    print(f"{args.questions} /ask from {args.users} users within {args.window:g} s per scenario; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores\n")
    keys = list(dict.fromkeys(key for figures in results.values() for key in figures))
    names = list(results)
    print(f"| {'figure':<26} | " + " | ".join(f"{n:>9}" for n in names) + " |")
    print(f"|{'-' * 28}|" + "|".join("-" * 11 for _ in names) + "|")
    for key in keys:
        cells = " | ".join(f"{results[n].get(key, ''):>9}" for n in names)
        print(f"| {key:<26} | {cells} |")
    print("\nmemory (this process: engine + model + bot + fake): "
          + ", ".join(f"{k} {v}" for k, v in memory.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
