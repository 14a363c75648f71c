"""`/healthz` and `/metrics` over HTTP, served by aiohttp on the bot's own event loop.

Off unless `SUMMIT_BOT_METRICS_PORT` is set; binds 127.0.0.1 unless `SUMMIT_BOT_METRICS_HOST` says
otherwise (the figures are not secret, but nobody outside the machine needs them by default).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass

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
    """The HTTP endpoints; `start` binds, `stop` closes (both idempotent).

    A small HTTP/1.x responder on asyncio streams, made to survive a hostile or broken client: a request
    must arrive whole (request line and headers, at most `MAX_HEAD_BYTES`) within `HEAD_TIMEOUT` seconds,
    every response closes its connection, and at most `MAX_CONNECTIONS` are open at once: beyond that a
    new connection is closed at once, so half-sent requests can never pile up to the process's open-file
    limit (which would starve Discord's own connections).
    """

    MAX_CONNECTIONS = 32
    HEAD_TIMEOUT = 5.0
    MAX_HEAD_BYTES = 8192

    def __init__(self, health: Callable[[], Health], registry: CollectorRegistry, host: str, port: int) -> None:
        self._health = health
        self._registry = registry
        self.host, self._port = host, port
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()
        self.refused = 0  # connections closed unserved because `MAX_CONNECTIONS` were open
        self.timed_out = 0  # connections closed because their request did not arrive in time

    @property
    def port(self) -> int:
        """The bound port (useful when asked for port 0)."""
        if self._server is not None:
            for sock in self._server.sockets:
                return int(sock.getsockname()[1])
        return self._port

    async def start(self) -> None:
        if self._server is not None:
            return
        self._server = await asyncio.start_server(self._serve, self.host, self._port, limit=self.MAX_HEAD_BYTES)
        log.info("health and metrics on http://%s:%d (/healthz, /metrics)", self.host, self.port)

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        for writer in list(self._open):
            writer.close()
        await server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if len(self._open) >= self.MAX_CONNECTIONS:
            self.refused += 1
            writer.close()
            return
        self._open.add(writer)
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), self.HEAD_TIMEOUT)
            status, content_type, body = self._respond(head)
            reason = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed",
                      503: "Service Unavailable"}[status]
            writer.write(f"HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\n"
                         f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode("ascii") + body)
            await asyncio.wait_for(writer.drain(), self.HEAD_TIMEOUT)
        except TimeoutError:
            self.timed_out += 1
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, ValueError):
            pass  # a client that went away or sent too much: nothing to answer
        finally:
            self._open.discard(writer)
            writer.close()

    def _respond(self, head: bytes) -> tuple[int, str, bytes]:
        parts = head.split(b"\r\n", 1)[0].split()
        if len(parts) != 3 or not parts[2].startswith(b"HTTP/1."):
            return 400, "text/plain", b"bad request\n"
        method, target = parts[0], parts[1].split(b"?", 1)[0]
        if target not in (b"/healthz", b"/metrics"):
            return 404, "text/plain", b"not found\n"
        if method != b"GET":
            return 405, "text/plain", b"method not allowed\n"
        if target == b"/metrics":
            return 200, CONTENT_TYPE_LATEST, generate_latest(self._registry)
        health = self._health()
        return (200 if health.ok else 503), "application/json", json.dumps(health.to_dict()).encode()
