"""`/healthz` and `/metrics` over HTTP, served by aiohttp on the bot's own event loop.

Off unless `SUMMIT_BOT_METRICS_PORT` is set; binds 127.0.0.1 unless `SUMMIT_BOT_METRICS_HOST` says
otherwise (the figures are not secret, but nobody outside the machine needs them by default).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Health:
    """Whether the bot can answer: every gateway connection up, and an index loaded."""

    gateway_connected: bool
    shards: dict[str, bool]  # shard id ("" without sharding) -> connected
    index_passages: int

    @property
    def ok(self) -> bool:
        return self.gateway_connected and self.index_passages > 0

    def to_dict(self) -> dict[str, object]:
        return {
            "status": "ok" if self.ok else "unavailable",
            "gateway": "connected" if self.gateway_connected else "disconnected",
            "shards": self.shards,
            "index": {"loaded": self.index_passages > 0, "passages": self.index_passages},
        }


class HealthServer:
    """The HTTP endpoints; `start` binds, `stop` closes (both idempotent)."""

    def __init__(self, health: Callable[[], Health], registry: CollectorRegistry, host: str, port: int) -> None:
        self._health = health
        self._registry = registry
        self.host, self._port = host, port
        self._runner: web.AppRunner | None = None

    @property
    def port(self) -> int:
        """The bound port (useful when asked for port 0)."""
        if self._runner is not None:
            for address in self._runner.addresses:
                return int(address[1])
        return self._port

    async def start(self) -> None:
        if self._runner is not None:
            return
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, self._port).start()
        except OSError:
            await runner.cleanup()
            raise
        self._runner = runner
        log.info("health and metrics on http://%s:%d (/healthz, /metrics)", self.host, self.port)

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def _healthz(self, _request: web.Request) -> web.Response:
        health = self._health()
        return web.Response(text=json.dumps(health.to_dict()), status=200 if health.ok else 503,
                            content_type="application/json")

    async def _metrics(self, _request: web.Request) -> web.Response:
        body = generate_latest(self._registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
