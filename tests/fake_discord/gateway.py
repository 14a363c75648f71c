"""The fake gateway: HELLO/heartbeats, IDENTIFY -> READY, RESUME with replay, dispatch, faults."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import logging
import secrets
import time
import zlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from .models import APPLICATION_ID, JSON, GatewayConnectionRecord, HeartbeatRecord
from .world import sf

if TYPE_CHECKING:
    from .server import FakeDiscord

_log = logging.getLogger(__name__)

# Opcodes
DISPATCH, HEARTBEAT, IDENTIFY, PRESENCE, VOICE_STATE = 0, 1, 2, 3, 4
RESUME, RECONNECT, REQUEST_MEMBERS, INVALID_SESSION, HELLO, HEARTBEAT_ACK = 6, 7, 8, 9, 10, 11

# Intents
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_MESSAGE_CONTENT = 1 << 15
PRIVILEGED_INTENTS = INTENT_GUILD_MEMBERS | (1 << 8) | INTENT_MESSAGE_CONTENT

REPLAY_BUFFER = 1000
Transform = Callable[[int, JSON], JSON]


@dataclass
class _Outgoing:
    frame: JSON
    sent: asyncio.Future[None] | None = None


@dataclass
class GatewaySession:
    """A gateway session (survives reconnects, replayed on RESUME)."""

    session_id: str
    intents: int
    identify: JSON
    seq: int = 0
    buffer: deque[JSON] = field(default_factory=lambda: deque(maxlen=REPLAY_BUFFER))
    connection: GatewayConnection | None = None
    invalid: bool = False


class GatewayConnection:
    """One websocket connection from the client."""

    def __init__(self, record: GatewayConnectionRecord, ws: web.WebSocketResponse, compress: bool) -> None:
        self.record = record
        self.ws = ws
        self.session: GatewaySession | None = None
        self.queue: asyncio.Queue[_Outgoing | None] = asyncio.Queue()
        self._compressor = zlib.compressobj() if compress else None
        self.writer: asyncio.Task[None] | None = None
        # Captured here so frames can be queued from sync code too (e.g. a non-async pytest fixture).
        self._loop = asyncio.get_running_loop()

    @property
    def live(self) -> bool:
        """Whether frames can still be sent."""
        return not self.ws.closed and self.record.closed_at is None

    def send(self, frame: JSON) -> asyncio.Future[None]:
        """Queue a frame; the returned future resolves once it is written (or dropped)."""
        fut: asyncio.Future[None] = self._loop.create_future()
        self.queue.put_nowait(_Outgoing(frame, fut))
        return fut

    async def run_writer(self) -> None:
        """Write queued frames in order until the sentinel arrives."""
        while True:
            item = await self.queue.get()
            if item is None:
                return
            try:
                if self.ws.closed:
                    raise ConnectionResetError("closed")
                text = json.dumps(item.frame, separators=(",", ":"))
                if self._compressor is not None:
                    data = self._compressor.compress(text.encode()) + self._compressor.flush(zlib.Z_SYNC_FLUSH)
                    await self.ws.send_bytes(data)
                else:
                    await self.ws.send_str(text)
            except (ConnectionResetError, RuntimeError) as exc:
                _log.debug("fake gateway: dropping frame on closed connection: %s", exc)
            finally:
                if item.sent is not None and not item.sent.done():
                    item.sent.set_result(None)

    def finish(self) -> None:
        """Stop the writer after the queued frames."""
        self.queue.put_nowait(None)


class GatewayServer:
    """Websocket endpoint handling sessions for the fake."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.connections: list[GatewayConnection] = []
        self.sessions: dict[str, GatewaySession] = {}
        # The live session of each shard ([shard_id, shard_count] from IDENTIFY; 0 of 1 unsharded).
        self.by_shard: dict[int, GatewaySession] = {}
        self.shard_count = 1
        self.routed: list[tuple[int, str]] = []  # (shard, event) of every event sent or buffered
        self.pending: list[tuple[str, JSON, int | None, Transform | None]] = []
        self._ids = 0
        self.admitting = asyncio.Event()  # cleared by FakeDiscord.hold_gateway: new connections wait
        self.admitting.set()
        self.waiting = 0  # connections held at the door right now

    # -------------------------------------------------------------- handler
    async def handle(self, request: web.Request) -> web.StreamResponse:
        """aiohttp websocket handler for ``/`` and ``/resume``."""
        if not self.admitting.is_set():
            self.waiting += 1
            self.fake._notify()
            try:
                await self.admitting.wait()
            finally:
                self.waiting -= 1
        ws = web.WebSocketResponse(timeout=2.0, max_msg_size=0, compress=False)
        await ws.prepare(request)
        self._ids += 1
        query = dict(request.query)
        record = GatewayConnectionRecord(self._ids, request.path, query, time.monotonic())
        compress = self.fake.gateway_compression and query.get("compress") == "zlib-stream"
        conn = GatewayConnection(record, ws, compress)
        conn.writer = asyncio.create_task(conn.run_writer(), name=f"fake-gateway-writer-{record.id}")
        self.connections.append(conn)
        self.fake.gateway_connections.append(record)
        self.fake._notify()
        conn.send({"op": HELLO, "d": {"heartbeat_interval": self.fake.heartbeat_interval}, "s": None, "t": None})
        # The client must heartbeat at least every interval; allow generous slack before timing out.
        receive_timeout = max(self.fake.heartbeat_interval / 1000 * 2.5, 5.0)
        try:
            while not ws.closed:
                try:
                    msg = await ws.receive(timeout=receive_timeout)
                except TimeoutError:
                    await self._close(conn, 4009)
                    break
                if msg.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                    raw = msg.data if isinstance(msg.data, str) else msg.data.decode()
                    await self._on_frame(conn, raw)
                else:
                    break
        finally:
            record.closed_at = time.monotonic()
            if record.close_code is None:
                record.close_code = ws.close_code
            if conn.session is not None and conn.session.connection is conn:
                conn.session.connection = None
            conn.finish()
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(conn.writer, timeout=2.0)
            self.fake._notify()
        return ws

    async def _close(self, conn: GatewayConnection, code: int) -> None:
        conn.record.close_code = code
        conn.record.closed_by_server = True
        await conn.ws.close(code=code)

    async def _on_frame(self, conn: GatewayConnection, raw: str) -> None:
        try:
            msg = json.loads(raw)
            op = int(msg["op"])
        except (ValueError, KeyError, TypeError):
            await self._close(conn, 4002)
            return
        data = msg.get("d")
        conn.record.received_ops.append(op)
        logged = {**data, "token": "<redacted>"} if isinstance(data, dict) and "token" in data else data
        self.fake.gateway_log.append((time.monotonic(), conn.record.id, op, logged))
        if op == HEARTBEAT:
            at = time.monotonic()
            self.fake.heartbeats.append(at)
            self.fake.heartbeat_log.append(HeartbeatRecord(at, data, conn.record.id))
            if self.fake.ack_heartbeats:
                conn.send({"op": HEARTBEAT_ACK, "d": None, "s": None, "t": None})
        elif op == IDENTIFY:
            await self._identify(conn, data or {})
        elif op == RESUME:
            await self._resume(conn, data or {})
        elif conn.session is None:
            await self._close(conn, 4003)  # not authenticated
        elif op == REQUEST_MEMBERS:
            self._request_members(conn, data or {})
        elif op == PRESENCE:
            self.fake.presence_updates.append(data)
        elif op == VOICE_STATE:
            pass
        else:
            await self._close(conn, 4001)  # unknown opcode
        self.fake._notify()

    # ------------------------------------------------------------- sessions
    async def _identify(self, conn: GatewayConnection, data: JSON) -> None:
        if conn.session is not None:
            await self._close(conn, 4005)  # already authenticated
            return
        if self.fake.reject_token or data.get("token") != self.fake.token:
            await self._close(conn, 4004)
            return
        if "intents" not in data:
            await self._close(conn, 4013)
            return
        intents = int(data["intents"])
        if intents & PRIVILEGED_INTENTS & ~self.fake.allowed_privileged_intents:
            await self._close(conn, 4014)
            return
        shard_id, shard_count = (int(x) for x in data.get("shard") or (0, 1))
        if not 0 <= shard_id < shard_count:
            await self._close(conn, 4010)  # invalid shard
            return
        redacted = {**data, "token": "<redacted>"}
        self.fake.identifies.append(redacted)
        session = GatewaySession(secrets.token_hex(16), intents, redacted)
        if shard_count != self.shard_count:  # resharded: every old session is gone
            for old in self.by_shard.values():
                old.invalid = True
            self.by_shard.clear()
            self.shard_count = shard_count
        if (old := self.by_shard.get(shard_id)) is not None:
            old.invalid = True
        self.sessions[session.session_id] = session
        self.by_shard[shard_id] = session
        session.connection = conn
        conn.session = session
        conn.record.identified = True
        world = self.fake.world
        ready = {
            "v": 10,
            "user": world.bot_user_payload(),
            "guilds": [{"id": sf(g), "unavailable": True} for g in world.guild_ids if self.shard_of(g) == shard_id],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": self.fake.resume_gateway_url,
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "user_settings": {},
            "geo_ordered_rtc_regions": ["us-east"],
            "application": {"id": sf(APPLICATION_ID), "flags": world.application_payload()["flags"]},
            "_trace": ["fake-gateway"],
        }
        if "shard" in data:
            ready["shard"] = data["shard"]
        sent = self.dispatch("READY", ready, shard=shard_id)
        for guild in ready["guilds"]:
            sent = self.dispatch("GUILD_CREATE", world.guild_payload(int(guild["id"])), shard=shard_id)
        pending, self.pending = self.pending, []
        for event, payload, intent, transform in pending:
            self.dispatch(event, payload, intent=intent, transform=transform)
        if sent is not None:
            sent.add_done_callback(lambda _: self.fake._mark_ready())

    async def _resume(self, conn: GatewayConnection, data: JSON) -> None:
        session = self.sessions.get(str(data.get("session_id")))
        if (
            session is None
            or session.invalid
            or self.fake.reject_token
            or data.get("token") != self.fake.token
            or conn.session is not None
        ):
            conn.send({"op": INVALID_SESSION, "d": False, "s": None, "t": None})
            return
        old = session.connection
        if old is not None and old is not conn and old.live:
            await self._close(old, 4000)
        session.connection = conn
        conn.session = session
        conn.record.resumed = True
        last_seq = int(data.get("seq") or 0)
        missed = [frame for frame in session.buffer if frame["s"] > last_seq]
        for frame in missed:
            conn.send(frame)
        self.fake.resumes.append(
            {"session_id": session.session_id, "seq": last_seq, "path": conn.record.path, "replayed": len(missed)}
        )
        self.dispatch("RESUMED", {"_trace": ["fake-gateway"]})

    def _request_members(self, conn: GatewayConnection, data: JSON) -> None:
        world = self.fake.world
        members = world.guild_members()
        user_ids = data.get("user_ids")
        if user_ids is not None:
            wanted = {int(u) for u in (user_ids if isinstance(user_ids, list) else [user_ids])}
            members = [m for m in members if int(m["user"]["id"]) in wanted]
        elif data.get("query"):
            prefix = str(data["query"]).lower()
            members = [m for m in members if m["user"]["username"].lower().startswith(prefix)]
        limit = int(data.get("limit") or 0)
        if limit:
            members = members[:limit]
        chunk: JSON = {
            "guild_id": sf(world.guild_id),
            "members": members,
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        self.dispatch("GUILD_MEMBERS_CHUNK", chunk)

    # ------------------------------------------------------------- dispatch
    @property
    def current(self) -> GatewaySession | None:
        """The session of shard 0 (the only one without sharding)."""
        return self.by_shard.get(0)

    def shard_of(self, guild_id: int | str | None) -> int:
        """The shard that owns a guild, as Discord routes it; DMs go to shard 0."""
        return (int(guild_id) >> 22) % self.shard_count if guild_id else 0

    def live_connection(self) -> GatewayConnection | None:
        """The connection of the current session, if it is up."""
        session = self.current
        if session is None or session.connection is None or not session.connection.live:
            return None
        return session.connection

    def dispatch(
        self, event: str, data: JSON, *, intent: int | None = None, transform: Transform | None = None,
        shard: int | None = None,
    ) -> asyncio.Future[None] | None:
        """Send (or buffer for replay) a DISPATCH event; events gated by a missing intent are dropped.

        The event goes to the shard that owns its guild (``shard`` forces one). ``transform(intents,
        data)`` runs once the receiving session (and so its intents) is known.
        """
        if shard is None:
            shard = self.shard_of(data.get("guild_id") if isinstance(data, dict) else None)
        session = self.by_shard.get(shard)
        self.routed.append((shard, event))
        if session is None:
            self.pending.append((event, data, intent, transform))
            return None
        if intent is not None and not session.intents & intent:
            self.fake.suppressed_events.append((event, data))
            return None
        if transform is not None:
            data = transform(session.intents, data)
        data = copy.deepcopy(data)  # snapshot: later edits must not leak into the sent/replayed event
        session.seq += 1
        frame = {"op": DISPATCH, "t": event, "s": session.seq, "d": data}
        session.buffer.append(frame)
        self.fake.dispatched.append((time.monotonic(), event, data))
        conn = session.connection
        if conn is not None and conn.live:
            return conn.send(frame)
        return None

    async def send_op(self, op: int, data: Any) -> None:
        """Send a raw opcode frame on the live connection and wait until written."""
        conn = self.live_connection()
        if conn is None:
            raise RuntimeError("no live gateway connection")
        await conn.send({"op": op, "d": data, "s": None, "t": None})

    async def drop(self, code: int, *, invalidate: bool) -> None:
        """Close the live connection with ``code`` (the session stays resumable unless invalidated)."""
        conn = self.live_connection()
        if conn is None:
            raise RuntimeError("no live gateway connection")
        if invalidate and conn.session is not None:
            conn.session.invalid = True
        await self._close(conn, code)

    async def close_all(self) -> None:
        """Close every connection (server shutdown)."""
        for conn in self.connections:
            if not conn.ws.closed:
                with contextlib.suppress(Exception):
                    await self._close(conn, 1001)
            conn.finish()
            if conn.writer is not None and not conn.writer.done():
                conn.writer.cancel()
