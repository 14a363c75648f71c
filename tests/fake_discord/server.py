"""``FakeDiscord``: an in-process Discord REST + gateway double for the real discord.py client."""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any, TypeVar

from aiohttp import web

from .commands import CommandRegistry, OptionValues
from .gateway import (
    INTENT_DIRECT_MESSAGES,
    INTENT_GUILD_MEMBERS,
    INTENT_GUILD_MESSAGES,
    INTENT_MESSAGE_CONTENT,
    INVALID_SESSION,
    PRIVILEGED_INTENTS,
    RECONNECT,
    GatewayServer,
)
from .interactions import InteractionManager
from .models import (
    ADMIN_ROLE_ID,
    ADMIN_USER_ID,
    APPLICATION_ID,
    BOT_ROLE_ID,
    BOT_USER_ID,
    CHANNEL_ID,
    EPHEMERAL,
    EVERYONE_ROLE_ID,
    FAKE_TOKEN,
    GUILD_ID,
    JSON,
    OTHER_BOT_ID,
    OTHER_USER_ID,
    USER_ID,
    FakeInteraction,
    FakeUser,
    FaultRule,
    GatewayConnectionRecord,
    HeartbeatRecord,
    InteractionState,
    RecordedRequest,
)
from .rest import RestApi
from .world import World, sf

T = TypeVar("T")


class FakeDiscord:
    """A fake Discord API (REST under ``/api/v10`` and the gateway) on 127.0.0.1.

    Everything runs on the caller's event loop; nothing here is thread-safe.
    """

    BOT_USER_ID = BOT_USER_ID
    APPLICATION_ID = APPLICATION_ID
    GUILD_ID = GUILD_ID
    CHANNEL_ID = CHANNEL_ID
    USER_ID = USER_ID
    OTHER_USER_ID = OTHER_USER_ID
    ADMIN_USER_ID = ADMIN_USER_ID
    OTHER_BOT_ID = OTHER_BOT_ID
    EVERYONE_ROLE_ID = EVERYONE_ROLE_ID
    ADMIN_ROLE_ID = ADMIN_ROLE_ID
    BOT_ROLE_ID = BOT_ROLE_ID
    TOKEN = FAKE_TOKEN

    def __init__(
        self,
        *,
        token: str = FAKE_TOKEN,
        heartbeat_interval: int = 41250,
        callback_deadline: float = 3.0,
        token_ttl: float = 15 * 60.0,
        gateway_compression: bool = True,
        enforce_message_content_intent: bool = True,
        echo_bot_messages: bool = True,
        strict_commands: bool = True,
        allowed_privileged_intents: int = PRIVILEGED_INTENTS,
        host: str = "127.0.0.1",
    ) -> None:
        """Configure the fake (times in seconds except ``heartbeat_interval``, which is ms like HELLO)."""
        self.token = token
        self.heartbeat_interval = heartbeat_interval
        self.callback_deadline = callback_deadline
        self.token_ttl = token_ttl
        self.gateway_compression = gateway_compression
        self.enforce_message_content_intent = enforce_message_content_intent
        self.echo_bot_messages = echo_bot_messages
        self.strict_commands = strict_commands
        self.allowed_privileged_intents = allowed_privileged_intents
        self.host = host
        #: When True, ``/users/@me`` (and every authenticated route) answers 401 and IDENTIFY is closed with 4004.
        self.reject_token = False
        #: When False, heartbeats are not ACKed (zombie connection simulation).
        self.ack_heartbeats = True
        #: Users whose DMs are closed: sending them a DM answers 403/50007.
        self.dm_closed_users: set[int] = set()

        self.world = World()
        self.commands = CommandRegistry(self.world)
        self.interactions = InteractionManager(self)
        self.gateway = GatewayServer(self)
        self.rest = RestApi(self)

        self.requests: list[RecordedRequest] = []
        self.heartbeats: list[float] = []
        self.heartbeat_log: list[HeartbeatRecord] = []
        self.gateway_connections: list[GatewayConnectionRecord] = []
        self.gateway_log: list[tuple[float, int, int, Any]] = []
        self.identifies: list[JSON] = []
        self.resumes: list[JSON] = []
        self.presence_updates: list[Any] = []
        self.dispatched: list[tuple[float, str, JSON]] = []
        self.suppressed_events: list[tuple[str, JSON]] = []
        self.internal_errors: list[BaseException] = []
        self.faults: list[FaultRule] = []

        self._changed = asyncio.Event()
        self._ready = False
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    # ------------------------------------------------------------ lifecycle
    async def start(self) -> FakeDiscord:
        """Listen on ``host`` with an ephemeral port."""
        if self._runner is not None:
            raise RuntimeError("FakeDiscord already started")
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/", self.gateway.handle)
        app.router.add_get("/resume", self.gateway.handle)
        app.router.add_route("*", "/{tail:.*}", self.rest.handle)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, self.host, 0)
        await site.start()
        self._runner = runner
        self._port = int(runner.addresses[0][1])
        return self

    async def stop(self) -> None:
        """Close gateway connections and the HTTP server."""
        if self._runner is None:
            return
        self.admit_gateway()
        await self.gateway.close_all()
        await self._runner.cleanup()
        self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        return await self.start()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        """The listening port."""
        if self._port is None:
            raise RuntimeError("FakeDiscord not started")
        return self._port

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://{self.host}:{self.port}"

    @property
    def api_base(self) -> str:
        """Value for ``discord.http.Route.BASE``."""
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        """Value for ``DiscordWebSocket.DEFAULT_GATEWAY``."""
        return f"ws://{self.host}:{self.port}/"

    @property
    def resume_gateway_url(self) -> str:
        """The ``resume_gateway_url`` sent in READY (a distinct path, so resumes are visible)."""
        return f"ws://{self.host}:{self.port}/resume"

    # -------------------------------------------------------------- waiting
    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def _mark_ready(self) -> None:
        self._ready = True
        self._notify()

    async def wait_for(self, predicate: Callable[[], T | None], *, timeout: float = 5.0, what: str = "condition") -> T:  # noqa: ASYNC109
        """Wait until ``predicate()`` returns something truthy and return it (``TimeoutError`` otherwise)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = predicate()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                recent = ", ".join(f"{r.method} {r.path} -> {r.status}" for r in self.requests[-8:])
                recent = recent or "none"
                raise TimeoutError(f"fake discord: {what} not seen within {timeout}s (recent requests: {recent})")
            changed = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), timeout=min(remaining, 0.25))

    async def wait_for_request(
        self,
        predicate: Callable[[RecordedRequest], bool],
        *,
        timeout: float = 5.0,  # noqa: ASYNC109
        since: int = 0,
    ) -> RecordedRequest:
        """The first recorded request (from index ``since``) matching ``predicate``."""

        def find() -> RecordedRequest | None:
            return next((r for r in self.requests[since:] if predicate(r)), None)

        return await self.wait_for(find, timeout=timeout, what="matching request")

    async def wait_for_callback(self, interaction_id: int | str, *, timeout: float = 5.0) -> RecordedRequest:  # noqa: ASYNC109
        """The first callback request for an interaction (whatever its status)."""
        prefix = f"/interactions/{sf(interaction_id)}/"
        return await self.wait_for_request(
            lambda r: r.method == "POST" and r.path.startswith(prefix) and r.path.endswith("/callback"),
            timeout=timeout,
        )

    async def wait_for_followup(
        self,
        interaction_token: str,
        *,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> RecordedRequest:
        """The ``count``-th followup request (``POST /webhooks/{app}/{token}``) for an interaction token."""
        pattern = re.compile(rf"^/webhooks/\d+/{re.escape(interaction_token)}$")

        def find() -> RecordedRequest | None:
            hits = [r for r in self.requests if r.method == "POST" and pattern.match(r.path)]
            return hits[count - 1] if len(hits) >= count else None

        return await self.wait_for(find, timeout=timeout, what=f"followup #{count}")

    async def wait_for_channel_message(
        self,
        channel_id: int | str | None = CHANNEL_ID,
        predicate: Callable[[RecordedRequest], bool] | None = None,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109
        since: int = 0,
    ) -> RecordedRequest:
        """A ``POST /channels/{id}/messages`` request (``channel_id=None``: any channel)."""
        channel = sf(channel_id) if channel_id is not None else r"\d+"
        pattern = re.compile(rf"^/channels/{channel}/messages$")
        return await self.wait_for_request(
            lambda r: r.method == "POST" and bool(pattern.match(r.path)) and (predicate is None or predicate(r)),
            timeout=timeout,
            since=since,
        )

    async def wait_for_ack(self, interaction_id: int | str, *, timeout: float = 5.0) -> InteractionState:  # noqa: ASYNC109
        """The interaction state once a callback has been accepted."""
        state = self.interaction_state(interaction_id)
        return await self.wait_for(lambda: state if state.acked else None, timeout=timeout, what="interaction ack")

    async def wait_until_ready(self, *, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until a client identified and GUILD_CREATE was written to it."""
        await self.wait_for(lambda: self._ready, timeout=timeout, what="IDENTIFY + GUILD_CREATE")

    async def wait_for_identify(self, count: int = 1, *, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until ``count`` IDENTIFYs were accepted."""
        await self.wait_for(lambda: self.identify_count >= count, timeout=timeout, what=f"{count} identifies")

    async def wait_for_resume(self, count: int = 1, *, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until ``count`` RESUMEs were accepted."""
        await self.wait_for(lambda: self.resume_count >= count, timeout=timeout, what=f"{count} resumes")

    async def wait_for_heartbeats(self, count: int, *, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until ``count`` heartbeats were received in total."""
        await self.wait_for(lambda: len(self.heartbeats) >= count, timeout=timeout, what=f"{count} heartbeats")

    async def wait_for_dispatch(
        self,
        event: str,
        predicate: Callable[[JSON], bool] | None = None,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109
        since: int = 0,
    ) -> JSON:
        """A DISPATCH the fake sent (e.g. the bot's own MESSAGE_CREATE echo)."""

        def find() -> JSON | None:
            for _, name, data in self.dispatched[since:]:
                if name == event and (predicate is None or predicate(data)):
                    return data
            return None

        return await self.wait_for(find, timeout=timeout, what=f"{event} dispatch")

    # ------------------------------------------------------------ inspection
    @property
    def identify_count(self) -> int:
        """Accepted IDENTIFYs."""
        return len(self.identifies)

    @property
    def resume_count(self) -> int:
        """Accepted RESUMEs."""
        return len(self.resumes)

    @property
    def unknown_requests(self) -> list[RecordedRequest]:
        """Requests to routes the fake does not implement (answered 404/405)."""
        return [r for r in self.requests if r.unknown]

    def assert_no_unknown_requests(self) -> None:
        """Fail if the bot called something the fake does not know, or the fake itself crashed."""
        unknown = [f"{r.method} {r.path}" for r in self.unknown_requests]
        assert not unknown, f"unexpected Discord API calls: {unknown}"
        assert not self.internal_errors, f"fake discord internal errors: {self.internal_errors!r}"

    def requests_to(self, method: str, path_regex: str) -> list[RecordedRequest]:
        """Recorded requests with ``method`` whose path matches ``path_regex`` (``re.search``)."""
        pattern = re.compile(path_regex)
        return [r for r in self.requests if r.method == method.upper() and pattern.search(r.path)]

    def interaction_state(self, interaction_id: int | str) -> InteractionState:
        """What happened to an injected interaction (``KeyError`` if unknown)."""
        return self.interactions.states[int(interaction_id)]

    def registered_commands(self, guild_id: int | None = None) -> list[JSON]:
        """Commands stored by the last sync for a scope (``None`` = global)."""
        return list(self.commands.commands(guild_id))

    def channel_messages(self, channel_id: int | str = CHANNEL_ID) -> list[JSON]:
        """Non-ephemeral messages currently in a channel, oldest first."""
        cid = int(channel_id)
        return sorted(
            (
                m
                for m in self.world.messages.values()
                if int(m["channel_id"]) == cid and not int(m.get("flags") or 0) & EPHEMERAL
            ),
            key=lambda m: int(m["id"]),
        )

    def max_heartbeat_gap(self) -> float:
        """Largest gap between consecutive heartbeats on one connection (event-loop lag shows up here)."""
        gaps: list[float] = []
        last: dict[int, float] = {}
        for beat in self.heartbeat_log:
            if beat.connection_id in last:
                gaps.append(beat.at - last[beat.connection_id])
            last[beat.connection_id] = beat.at
        return max(gaps, default=0.0)

    # ------------------------------------------------------------- injection
    def inject_slash_command(
        self,
        name: str,
        options: OptionValues = None,
        *,
        user_id: int = USER_ID,
        channel_id: int | None = None,
        guild_id: int | None = GUILD_ID,
        subcommand: str | None = None,
        locale: str = "en-US",
    ) -> FakeInteraction:
        """Dispatch INTERACTION_CREATE for ``/name``, from a client whose language is ``locale``.

        ``options`` is ``{"name": value}`` (typed from the registered command; without one, Python
        bool/int/float map to boolean/integer/number and anything else to string) or a list of raw
        option dicts. ``subcommand`` is ``"sub"`` or ``"group sub"``. ``guild_id=None`` means a DM.
        """
        return self.interactions.inject_slash_command(
            name, options, user_id=user_id, channel_id=channel_id, guild_id=guild_id, subcommand=subcommand,
            locale=locale,
        )

    def inject_autocomplete(
        self,
        command_name: str,
        option_name: str,
        value: str,
        *,
        other_options: Mapping[str, Any] | None = None,
        subcommand: str | None = None,
        user_id: int = USER_ID,
        channel_id: int | None = None,
        guild_id: int | None = GUILD_ID,
        locale: str = "en-US",
    ) -> FakeInteraction:
        """Dispatch an autocomplete interaction with ``option_name`` focused and partially typed as ``value``."""
        return self.interactions.inject_autocomplete(
            command_name,
            option_name,
            value,
            other_options=other_options,
            subcommand=subcommand,
            user_id=user_id,
            channel_id=channel_id,
            guild_id=guild_id,
            locale=locale,
        )

    def inject_component(
        self,
        custom_id: str,
        message_id: int | str,
        *,
        component_type: int = 2,
        values: list[str] | None = None,
        user_id: int = USER_ID,
        locale: str = "en-US",
    ) -> FakeInteraction:
        """Dispatch a component (button/select) interaction on a stored message."""
        return self.interactions.inject_component(
            custom_id, int(message_id), component_type=component_type, values=values, user_id=user_id, locale=locale
        )

    def inject_modal_submit(self, opened_by: int | str, values: list[str], *, user_id: int | None = None,
                            locale: str = "en-US") -> FakeInteraction:
        """Submit the modal that interaction ``opened_by`` answered with, its text inputs filled in order."""
        return self.interactions.inject_modal_submit(int(opened_by), values, user_id=user_id, locale=locale)

    def inject_message(
        self,
        content: str,
        *,
        author_id: int | None = None,
        author_bot: bool = False,
        mentions: list[int] | None = None,
        referenced_message_id: int | str | JSON | None = None,
        channel_id: int = CHANNEL_ID,
        dm: bool = False,
        embeds: list[JSON] | None = None,
        mention_replied_user: bool = True,
    ) -> int:
        """Dispatch MESSAGE_CREATE from a user and return the message id.

        ``<@id>`` mentions in ``content`` are added to ``mentions`` automatically. ``author_bot`` without
        ``author_id`` uses ``OTHER_BOT_ID``. ``referenced_message_id`` may be an id of a stored message or
        a full message payload (stored first); an unknown id yields a deleted reference.
        """
        world = self.world
        author = author_id if author_id is not None else (OTHER_BOT_ID if author_bot else USER_ID)
        if author_bot:
            world.user(author).bot = True
        if dm:
            cid = int(world.dm_channel(author)["id"])
        elif channel_id in world.channels:
            cid = channel_id
        else:
            raise ValueError(f"unknown guild channel {channel_id}")
        mention_ids = [int(m) for m in mentions or []] + world.mentions_in(content)
        reference: JSON | None = None
        referenced: JSON | None = None
        if referenced_message_id is not None:
            if isinstance(referenced_message_id, dict):
                referenced = referenced_message_id
                world.store_message(referenced)
                ref_id = str(referenced["id"])
            else:
                referenced = world.messages.get(int(referenced_message_id))
                ref_id = sf(referenced_message_id)
            reference = {"type": 0, "message_id": ref_id, "channel_id": sf(cid)}
            if not dm:
                reference["guild_id"] = sf(world.guild_id)
            if referenced is not None and mention_replied_user:
                mention_ids.append(int(referenced["author"]["id"]))
        message = world.message_payload(
            channel_id=cid,
            author_id=author,
            content=content,
            embeds=embeds,
            mentions=mention_ids,
            message_type=19 if reference is not None else 0,
            reference=reference,
            referenced=referenced,
            extra={"nonce": sf(world.snowflakes.next())},
        )
        world.store_message(message)
        self.publish_message("MESSAGE_CREATE", message)
        return int(message["id"])

    def dispatch(self, event: str, data: JSON, *, intent: int | None = None) -> None:
        """Send any DISPATCH event (dropped if the session lacks ``intent``; buffered before READY)."""
        self.gateway.dispatch(event, data, intent=intent)

    def add_user(
        self, username: str, *, user_id: int | None = None, bot: bool = False, roles: list[int] | None = None
    ) -> FakeUser:
        """Add a guild member (in GUILD_CREATE if added before connecting, else sent as GUILD_MEMBER_ADD).

        Like Discord, GUILD_MEMBER_ADD only reaches bots with the (privileged) members intent; interactions
        carry the member anyway.
        """
        uid = user_id or self.world.snowflakes.next()
        user = FakeUser(uid, username, username.title(), bot=bot, roles=list(roles or []))
        self.world.users[user.id] = user
        if self.gateway.current is not None:
            member = {**self.world.member_payload(user.id), "guild_id": sf(self.world.guild_id)}
            self.dispatch("GUILD_MEMBER_ADD", member, intent=INTENT_GUILD_MEMBERS)
        return user

    def add_channel(self, name: str, *, topic: str | None = None) -> int:
        """Add a text channel (dispatches CHANNEL_CREATE if a session exists); returns its id."""
        channel = self.world.add_channel(name, topic=topic)
        if self.gateway.current is not None:
            self.dispatch("CHANNEL_CREATE", channel)
        return int(channel["id"])

    def publish_message(self, event: str, message: JSON) -> None:
        """Dispatch MESSAGE_CREATE/UPDATE for a stored message, honouring intents like Discord.

        Without the MESSAGE_CONTENT intent, guild messages not mentioning the bot and not sent by it
        arrive with empty ``content``/``embeds``/``attachments``/``components``.
        """
        world = self.world
        author_id = int(message["author"]["id"])
        if author_id == BOT_USER_ID and not self.echo_bot_messages:
            return
        guild = int(message["channel_id"]) in world.channels
        data = world.gateway_message(message)
        mentioned = any(int(m["id"]) == BOT_USER_ID for m in message.get("mentions") or [])
        gate = self.enforce_message_content_intent and guild and author_id != BOT_USER_ID and not mentioned

        def strip_content(intents: int, payload: JSON) -> JSON:
            if not gate or intents & INTENT_MESSAGE_CONTENT:
                return payload
            stripped = {**payload, "content": "", "embeds": [], "attachments": [], "components": []}
            stripped.pop("poll", None)
            return stripped

        intent = INTENT_GUILD_MESSAGES if guild else INTENT_DIRECT_MESSAGES
        self.gateway.dispatch(event, data, intent=intent, transform=strip_content)

    def delete_stored_message(self, message_id: int) -> None:
        """Forget a message and dispatch MESSAGE_DELETE (unless it was ephemeral)."""
        message = self.world.messages.pop(message_id, None)
        if message is None or int(message.get("flags") or 0) & EPHEMERAL:
            return
        data: JSON = {"id": message["id"], "channel_id": message["channel_id"]}
        guild = int(message["channel_id"]) in self.world.channels
        if guild:
            data["guild_id"] = sf(self.world.guild_id)
        self.dispatch("MESSAGE_DELETE", data, intent=INTENT_GUILD_MESSAGES if guild else INTENT_DIRECT_MESSAGES)

    # -------------------------------------------------------- gateway faults
    async def drop_gateway(self, code: int = 4000, *, invalidate: bool = False) -> None:
        """Close the live gateway socket with ``code``; the session stays resumable unless ``invalidate``."""
        await self.gateway.drop(code, invalidate=invalidate)

    def hold_gateway(self) -> None:
        """Keep new gateway connections waiting at the handshake (an outage) until `admit_gateway`."""
        self.gateway.admitting.clear()

    def admit_gateway(self) -> None:
        """Let held and new gateway connections through again."""
        self.gateway.admitting.set()

    async def send_reconnect(self) -> None:
        """Send op 7 RECONNECT (the client closes and RESUMEs)."""
        await self.gateway.send_op(RECONNECT, None)

    async def invalidate_session(self, *, resumable: bool = False) -> None:
        """Send op 9 INVALID_SESSION (non-resumable: discord.py sleeps 5 s before re-IDENTIFYing)."""
        if not resumable and self.gateway.current is not None:
            self.gateway.current.invalid = True
        await self.gateway.send_op(INVALID_SESSION, resumable)

    # ----------------------------------------------------------- REST faults
    def rate_limit(
        self,
        method: str,
        path_regex: str,
        *,
        times: int | None = None,
        duration: float | None = None,
        retry_after: float = 0.5,
        global_: bool = False,
        scope: str = "user",
    ) -> FaultRule:
        """Answer matching requests with 429 (``times`` hits or for ``duration`` seconds; default once).

        ``path_regex`` is searched in the path relative to ``/api/v10``; ``method`` may be ``"*"``.
        """
        rule = FaultRule(
            method=method.upper(),
            pattern=re.compile(path_regex),
            kind="rate_limit",
            times=times if times is not None or duration is not None else 1,
            until=time.monotonic() + duration if duration is not None else None,
            retry_after=retry_after,
            global_=global_,
            scope="global" if global_ else scope,
        )
        self.faults.append(rule)
        return rule

    def fail(
        self, method: str, path_regex: str, *, status: int = 500, times: int = 1, body: JSON | None = None
    ) -> FaultRule:
        """Answer the next ``times`` matching requests with ``status`` (note: discord.py retries 500/502/504/524)."""
        rule = FaultRule(
            method=method.upper(),
            pattern=re.compile(path_regex),
            kind="fail",
            times=times,
            until=None,
            status=status,
            body=body,
        )
        self.faults.append(rule)
        return rule

    def clear_faults(self) -> None:
        """Remove every REST fault rule."""
        self.faults.clear()

    def _take_fault(self, method: str, path: str) -> FaultRule | None:
        for rule in self.faults:
            if rule.matches(method, path):
                rule.hits += 1
                return rule
        return None
