"""What the running bot counts, in Prometheus' terms (prometheus_client), one registry per bot.

Counters only ever move by what happened: a question answered, a gateway drop, a 429 met. Gauges
that describe a state (gateway latency, index size and build time) are read when scraped, so they
follow a `/reindex` or a reconnect without bookkeeping.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Iterator
from types import SimpleNamespace
from typing import TYPE_CHECKING

import aiohttp
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from bot.answering.engine import Engine

CONFIDENCES = ("high", "medium", "none")
# Answer latency, seconds: from a few ms (warm, idle) to queueing behind the answer slots under load.
ANSWER_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class BotMetrics:
    """The bot's counters and histograms, and collectors for the gateway and the index."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.questions = Counter("summit_bot_questions", "Questions answered, by the answer's confidence",
                                 ["confidence"], registry=r)
        for confidence in CONFIDENCES:
            self.questions.labels(confidence)
        self.answer_seconds = Histogram("summit_bot_answer_seconds",
                                        "Time to answer a question (queueing for an answer slot included)",
                                        buckets=ANSWER_BUCKETS, registry=r)
        self.gateway_disconnects = Counter("summit_bot_gateway_disconnects",
                                           "Gateway connections lost (a shard's counts too)", registry=r)
        self.gateway_reconnects = Counter("summit_bot_gateway_reconnects",
                                          "Gateway connections made again after a loss (resumed or identified)",
                                          registry=r)
        self.gateway_resumes = Counter("summit_bot_gateway_resumes",
                                       "Reconnections that resumed the session (no events lost)", registry=r)
        self.rate_limited = Counter("summit_bot_rate_limited",
                                    "HTTP 429 responses met from Discord (discord.py waits and retries)", registry=r)
        self.button_clicks = Counter("summit_bot_button_clicks", "Button and other component interactions",
                                     ["component"], registry=r)
        self.votes = Counter("summit_bot_votes", "Votes cast or changed on answers", ["vote"], registry=r)
        for vote in ("up", "down"):
            self.votes.labels(vote)

    def observe_answer(self, confidence: str, seconds: float) -> None:
        self.questions.labels(confidence).inc()
        self.answer_seconds.observe(seconds)

    def watch_index(self, engine: Callable[[], Engine]) -> None:
        self.registry.register(_IndexCollector(engine))

    def watch_store(self, failures: Callable[[], int]) -> None:
        self.registry.register(_StoreCollector(failures))

    def watch_gateway(self, latencies: Callable[[], Iterable[tuple[int | None, float]]]) -> None:
        self.registry.register(_GatewayCollector(latencies))

    def http_trace(self) -> aiohttp.TraceConfig:
        """An aiohttp trace for discord.py's HTTP client that counts 429 responses."""
        trace = aiohttp.TraceConfig()

        async def on_request_end(_session: aiohttp.ClientSession, _context: SimpleNamespace,
                                 params: aiohttp.TraceRequestEndParams) -> None:
            if params.response.status == 429:
                self.rate_limited.inc()

        trace.on_request_end.append(on_request_end)
        return trace


class _IndexCollector(Collector):
    def __init__(self, engine: Callable[[], Engine]) -> None:
        self._engine = engine

    def collect(self) -> Iterator[Metric]:
        manifest = self._engine().index.manifest
        yield GaugeMetricFamily("summit_bot_index_passages", "Passages in the loaded index", value=manifest.passages)
        yield GaugeMetricFamily("summit_bot_index_build_seconds", "How long the loaded index took to build",
                                value=manifest.build_seconds)
        try:
            built = dt.datetime.fromisoformat(manifest.built_at).timestamp()
        except ValueError:
            built = math.nan
        yield GaugeMetricFamily("summit_bot_index_built_timestamp_seconds",
                                "When the loaded index was built (Unix time)", value=built)


class _StoreCollector(Collector):
    def __init__(self, failures: Callable[[], int]) -> None:
        self._failures = failures

    def collect(self) -> Iterator[Metric]:
        yield CounterMetricFamily("summit_bot_store_errors", "Question-store operations that failed",
                                  value=self._failures())


class _GatewayCollector(Collector):
    def __init__(self, latencies: Callable[[], Iterable[tuple[int | None, float]]]) -> None:
        self._latencies = latencies

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily("summit_bot_gateway_latency_seconds",
                                   "Time between a gateway heartbeat and its acknowledgement", labels=["shard"])
        for shard, latency in self._latencies():
            family.add_metric(["" if shard is None else str(shard)], latency)
        yield family
