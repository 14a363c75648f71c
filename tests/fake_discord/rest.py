"""The fake REST API under ``/api/v10``: recording, faults, auth, and the core routes."""

from __future__ import annotations

import json
import logging
import math
import time
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .http_util import (
    CANNOT_DM,
    EMPTY_MESSAGE,
    INVALID_JSON,
    METHOD_NOT_ALLOWED,
    NOT_FOUND,
    UNAUTHORIZED,
    UNKNOWN_APPLICATION,
    UNKNOWN_CHANNEL,
    UNKNOWN_COMMAND,
    UNKNOWN_GUILD,
    UNKNOWN_MEMBER,
    UNKNOWN_MESSAGE,
    UNKNOWN_USER,
    Ctx,
    Reply,
    Router,
    err,
    error,
    no_content,
    ok,
)
from .limits import FormErrors, is_empty_message, validate_commands, validate_message
from .models import APPLICATION_ID, BOT_USER_ID, EPHEMERAL, JSON, FaultRule, RecordedFile, RecordedRequest
from .world import sf

if TYPE_CHECKING:
    from .server import FakeDiscord

_log = logging.getLogger(__name__)

API_PREFIX = "/api/v10"
MESSAGE_CREATE_FLAGS = (1 << 2) | (1 << 12) | (1 << 15)  # suppress embeds, suppress notifications, components v2


def rate_limit_reply(rule: FaultRule) -> Reply:
    """A 429 exactly as discord.py expects it (JSON body, ``Via`` header, ``X-RateLimit-*``)."""
    retry = rule.retry_after
    body: JSON = {"message": "You are being rate limited.", "retry_after": retry, "global": rule.global_}
    headers = {
        "Retry-After": str(max(1, math.ceil(retry))),
        "X-RateLimit-Scope": "global" if rule.global_ else rule.scope,
        "Via": "1.1 google",
    }
    if rule.global_:
        headers["X-RateLimit-Global"] = "true"
        body["code"] = 0
    else:
        headers.update(
            {
                "X-RateLimit-Limit": "5",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": f"{time.time() + retry:.3f}",
                "X-RateLimit-Reset-After": f"{retry:.3f}",
                "X-RateLimit-Bucket": f"fake{abs(hash(rule.pattern.pattern)) % 10**8:08d}",
            }
        )
    return Reply(429, body, headers)


def fail_reply(rule: FaultRule) -> Reply:
    """The configured error response of a ``fail`` rule."""
    if rule.body is not None:
        return Reply(rule.status, rule.body)
    try:
        reason = HTTPStatus(rule.status).phrase
    except ValueError:
        reason = "Error"
    return error(rule.status, 0, f"{rule.status}: {reason}")


async def _parse_body(request: web.Request) -> tuple[Any, list[RecordedFile], bool]:
    """(json, files, is_invalid_json) from a JSON or multipart body."""
    if not request.can_read_body:
        return None, [], False
    if request.content_type.startswith("multipart/"):
        form = await request.post()
        files: list[RecordedFile] = []
        payload: Any = None
        bad = False
        for name, value in form.items():
            if isinstance(value, web.FileField):
                data = value.file.read()
                files.append(RecordedFile(name, value.filename, len(data), value.content_type))
            elif name == "payload_json":
                try:
                    payload = json.loads(value)
                except ValueError:
                    bad = True
        return payload, files, bad
    text = await request.text()
    if not text:
        return None, [], False
    try:
        return json.loads(text), [], False
    except ValueError:
        return text, [], request.content_type == "application/json"


def _redact(headers: Any) -> dict[str, str]:
    result: dict[str, str] = {}
    for key, value in headers.items():
        if key.lower() == "authorization":
            scheme = value.split(" ", 1)[0] if " " in value else ""
            value = f"{scheme} <redacted>".strip()
        result[key] = value
    return result


class RestApi:
    """Routes REST requests, records them, and applies faults/auth."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.router = Router()
        self._register()

    # ------------------------------------------------------------- plumbing
    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Entry point for every HTTP request that is not the gateway."""
        at = time.monotonic()
        full_path = request.path
        inside_api = full_path == API_PREFIX or full_path.startswith(API_PREFIX + "/")
        path = (full_path[len(API_PREFIX) :] or "/") if inside_api else full_path
        try:
            body, files, bad_json = await _parse_body(request)
        except Exception:  # an unparsable body is still recorded
            body, files, bad_json = None, [], True
        record = RecordedRequest(
            method=request.method,
            path=path,
            query=dict(request.query),
            json=body,
            headers=_redact(request.headers),
            at=at,
            files=files,
        )
        try:
            reply = await self._route(request, record, bad_json, inside_api)
        except Exception as exc:  # a bug in the fake must not look like a Discord answer
            _log.exception("fake discord: internal error for %s %s", request.method, path)
            self.fake.internal_errors.append(exc)
            reply = error(503, 0, f"fake discord internal error: {exc!r}")  # 503: discord.py does not retry
        record.status = reply.status
        if reply.body is not None:
            reply.body = json.loads(json.dumps(reply.body))  # snapshot: stored messages keep changing
        record.response = reply.body
        record.finished_at = time.monotonic()
        self.fake.requests.append(record)
        self.fake._notify()
        return reply.to_response()

    async def _route(self, request: web.Request, record: RecordedRequest, bad_json: bool, inside_api: bool) -> Reply:
        if inside_api:
            rule = self.fake._take_fault(record.method, record.path)
            if rule is not None:
                record.fault = rule.kind
                return rate_limit_reply(rule) if rule.kind == "rate_limit" else fail_reply(rule)
        found = self.router.match(record.method, record.path) if inside_api else None
        if not isinstance(found, tuple):
            record.unknown = True
            return err(METHOD_NOT_ALLOWED if found == "method" else NOT_FOUND)
        if bad_json:
            return err(INVALID_JSON)
        handler, params, needs_auth = found
        if needs_auth and not self._authorized(request):
            return err(UNAUTHORIZED)
        return await handler(Ctx(request, record, params))

    def _authorized(self, request: web.Request) -> bool:
        if self.fake.reject_token:
            return False
        return request.headers.get("Authorization") == f"Bot {self.fake.token}"

    def _register(self) -> None:
        r = self.router
        r.add("GET", "/gateway", self.get_gateway, auth=False)
        r.add("GET", "/gateway/bot", self.get_gateway_bot)
        r.add("GET", "/users/@me", self.get_me)
        r.add("GET", "/users/{user_id}", self.get_user)
        r.add("POST", "/users/@me/channels", self.create_dm)
        r.add("GET", "/oauth2/applications/@me", self.get_application)
        r.add("GET", "/applications/@me", self.get_application)
        r.add("GET", "/guilds/{guild_id}", self.get_guild)
        r.add("GET", "/guilds/{guild_id}/channels", self.get_guild_channels)
        r.add("GET", "/guilds/{guild_id}/roles", self.get_guild_roles)
        r.add("GET", "/guilds/{guild_id}/members/{user_id}", self.get_member)
        r.add("GET", "/channels/{channel_id}", self.get_channel)
        r.add("POST", "/channels/{channel_id}/typing", self.typing)
        r.add("GET", "/channels/{channel_id}/messages", self.list_messages)
        r.add("POST", "/channels/{channel_id}/messages", self.create_message)
        r.add("GET", "/channels/{channel_id}/messages/{message_id}", self.get_message)
        r.add("PATCH", "/channels/{channel_id}/messages/{message_id}", self.edit_message)
        r.add("DELETE", "/channels/{channel_id}/messages/{message_id}", self.delete_message)
        r.add("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me", self.add_reaction)
        r.add("POST", "/channels/{channel_id}/messages/{message_id}/threads", self.start_thread)
        r.add("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me", self.remove_reaction)
        for scope in ("/applications/{app_id}/commands", "/applications/{app_id}/guilds/{guild_id}/commands"):
            r.add("GET", scope, self.list_commands)
            r.add("PUT", scope, self.put_commands)
            r.add("POST", scope, self.post_command)
            r.add("GET", scope + "/{command_id}", self.get_command)
            r.add("DELETE", scope + "/{command_id}", self.delete_command)
        self.fake.interactions.register(r)

    # --------------------------------------------------------------- basics
    async def get_gateway(self, ctx: Ctx) -> Reply:
        """``GET /gateway``."""
        return ok({"url": self.fake.gateway_url.rstrip("/")})

    async def get_gateway_bot(self, ctx: Ctx) -> Reply:
        """``GET /gateway/bot``."""
        return ok(
            {
                "url": self.fake.gateway_url.rstrip("/"),
                "shards": 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 86_400_000,
                    "max_concurrency": 1,
                },
            }
        )

    async def get_me(self, ctx: Ctx) -> Reply:
        """``GET /users/@me``."""
        return ok(self.fake.world.bot_user_payload())

    async def get_user(self, ctx: Ctx) -> Reply:
        """``GET /users/{id}``."""
        user_id = ctx.id("user_id")
        if user_id not in self.fake.world.users:
            return err(UNKNOWN_USER)
        return ok(self.fake.world.user_payload(user_id))

    async def create_dm(self, ctx: Ctx) -> Reply:
        """``POST /users/@me/channels``."""
        recipient = ctx.body.get("recipient_id")
        if recipient is None or int(recipient) not in self.fake.world.users:
            errors = FormErrors()
            errors.add(("recipient_id",), "BASE_TYPE_REQUIRED", "This field is required")
            return Reply(400, errors.body())
        return ok(self.fake.world.dm_channel(int(recipient)))

    async def get_application(self, ctx: Ctx) -> Reply:
        """``GET /oauth2/applications/@me``."""
        return ok(self.fake.world.application_payload())

    def _guild_or_none(self, ctx: Ctx) -> bool:
        return ctx.id("guild_id") == self.fake.world.guild_id

    async def get_guild(self, ctx: Ctx) -> Reply:
        """``GET /guilds/{id}``."""
        if not self._guild_or_none(ctx):
            return err(UNKNOWN_GUILD)
        guild = self.fake.world.guild_payload()
        gateway_only = ("members", "channels", "threads", "presences", "voice_states", "joined_at", "large")
        for key in (*gateway_only, "member_count"):
            guild.pop(key, None)
        guild["approximate_member_count"] = len(self.fake.world.guild_members())
        return ok(guild)

    async def get_guild_channels(self, ctx: Ctx) -> Reply:
        """``GET /guilds/{id}/channels``."""
        if not self._guild_or_none(ctx):
            return err(UNKNOWN_GUILD)
        return ok([c for c in self.fake.world.channels.values() if c["type"] != 11])

    async def get_guild_roles(self, ctx: Ctx) -> Reply:
        """``GET /guilds/{id}/roles``."""
        if not self._guild_or_none(ctx):
            return err(UNKNOWN_GUILD)
        return ok(list(self.fake.world.roles.values()))

    async def get_member(self, ctx: Ctx) -> Reply:
        """``GET /guilds/{id}/members/{user}``."""
        if not self._guild_or_none(ctx):
            return err(UNKNOWN_GUILD)
        user = self.fake.world.users.get(ctx.id("user_id"))
        if user is None or not user.in_guild:
            return err(UNKNOWN_MEMBER)
        return ok(self.fake.world.member_payload(user.id))

    async def get_channel(self, ctx: Ctx) -> Reply:
        """``GET /channels/{id}``."""
        channel = self.fake.world.channel(ctx.id("channel_id"))
        return ok(channel) if channel is not None else err(UNKNOWN_CHANNEL)

    async def typing(self, ctx: Ctx) -> Reply:
        """``POST /channels/{id}/typing``."""
        if self.fake.world.channel(ctx.id("channel_id")) is None:
            return err(UNKNOWN_CHANNEL)
        return no_content()

    # ------------------------------------------------------------- messages
    def _channel_messages(self, channel_id: int) -> list[JSON]:
        return sorted(
            (
                m
                for m in self.fake.world.messages.values()
                if int(m["channel_id"]) == channel_id and not int(m.get("flags") or 0) & EPHEMERAL
            ),
            key=lambda m: int(m["id"]),
            reverse=True,
        )

    async def list_messages(self, ctx: Ctx) -> Reply:
        """``GET /channels/{id}/messages`` (newest first; before/after/limit)."""
        channel_id = ctx.id("channel_id")
        if self.fake.world.channel(channel_id) is None:
            return err(UNKNOWN_CHANNEL)
        messages = self._channel_messages(channel_id)
        if "before" in ctx.query:
            messages = [m for m in messages if int(m["id"]) < int(ctx.query["before"])]
        if "after" in ctx.query:
            messages = [m for m in messages if int(m["id"]) > int(ctx.query["after"])]
        limit = min(int(ctx.query.get("limit", 50)), 100)
        return ok(messages[:limit])

    async def create_message(self, ctx: Ctx) -> Reply:
        """``POST /channels/{id}/messages``: limits, empty check, reply resolution, gateway echo."""
        world = self.fake.world
        channel_id = ctx.id("channel_id")
        if world.channel(channel_id) is None:
            return err(UNKNOWN_CHANNEL)
        dm_user = world.dm_user_for(channel_id)
        if dm_user is not None and (dm_user in self.fake.dm_closed_users or world.user(dm_user).bot):
            return err(CANNOT_DM)
        body = ctx.body
        errors = FormErrors()
        validate_message(body, errors)
        reference = body.get("message_reference")
        referenced: JSON | None = None
        if isinstance(reference, dict) and reference.get("message_id") is not None:
            referenced = world.messages.get(int(reference["message_id"]))
            if referenced is None and reference.get("fail_if_not_exists", True):
                errors.add(("message_reference",), "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message")
        if errors:
            return Reply(400, errors.body())
        if is_empty_message(body, has_files=bool(ctx.record.files)):
            return err(EMPTY_MESSAGE)
        replied_user = int(referenced["author"]["id"]) if referenced is not None else None
        ref_payload: JSON | None = None
        if isinstance(reference, dict) and reference.get("message_id") is not None:
            ref_payload = {
                "type": int(reference.get("type", 0)),
                "message_id": sf(reference["message_id"]),
                "channel_id": sf(reference.get("channel_id") or channel_id),
            }
            if channel_id in world.channels:
                ref_payload["guild_id"] = sf(world.guild_id)
        extra: JSON = {}
        if body.get("nonce") is not None:
            extra["nonce"] = body["nonce"]
        message = world.message_payload(
            channel_id=channel_id,
            author_id=BOT_USER_ID,
            content=str(body.get("content") or ""),
            embeds=body.get("embeds"),
            components=body.get("components"),
            attachments=world.attachment_payloads(ctx.record.files, channel_id),
            mentions=world.resolve_mentions(body.get("content"), body.get("allowed_mentions"), replied_user),
            flags=int(body.get("flags") or 0) & MESSAGE_CREATE_FLAGS,
            message_type=19 if ref_payload is not None else 0,
            reference=ref_payload,
            referenced=referenced,
            extra=extra,
        )
        world.store_message(message)
        self.fake.publish_message("MESSAGE_CREATE", message)
        return ok(message)

    def _find_message(self, ctx: Ctx) -> JSON | Reply:
        world = self.fake.world
        channel_id = ctx.id("channel_id")
        if world.channel(channel_id) is None:
            return err(UNKNOWN_CHANNEL)
        message = world.messages.get(ctx.id("message_id"))
        if message is None or int(message["channel_id"]) != channel_id or int(message["flags"]) & EPHEMERAL:
            return err(UNKNOWN_MESSAGE)
        return message

    async def get_message(self, ctx: Ctx) -> Reply:
        """``GET /channels/{id}/messages/{id}``."""
        found = self._find_message(ctx)
        return found if isinstance(found, Reply) else ok(found)

    async def edit_message(self, ctx: Ctx) -> Reply:
        """``PATCH /channels/{id}/messages/{id}`` (only the bot's own messages)."""
        found = self._find_message(ctx)
        if isinstance(found, Reply):
            return found
        if int(found["author"]["id"]) != BOT_USER_ID:
            return error(403, 50005, "Cannot edit a message authored by another user")
        errors = FormErrors()
        validate_message(ctx.body, errors)
        if errors:
            return Reply(400, errors.body())
        self.fake.world.apply_edit(found, ctx.body, ctx.record.files)
        self.fake.publish_message("MESSAGE_UPDATE", found)
        return ok(found)

    async def delete_message(self, ctx: Ctx) -> Reply:
        """``DELETE /channels/{id}/messages/{id}``."""
        found = self._find_message(ctx)
        if isinstance(found, Reply):
            return found
        self.fake.delete_stored_message(int(found["id"]))
        return no_content()

    async def start_thread(self, ctx: Ctx) -> Reply:
        """``POST /channels/{id}/messages/{id}/threads``: a public thread from a message (one per message)."""
        found = self._find_message(ctx)
        if isinstance(found, Reply):
            return found
        world = self.fake.world
        message_id = int(found["id"])
        name = str(ctx.body.get("name") or "")
        if not 1 <= len(name) <= 100:
            errors = FormErrors()
            errors.add(("name",), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
            return Reply(400, errors.body())
        if message_id in world.channels:
            return error(400, 160004, "A thread has already been created for this message")
        thread = world.add_thread(ctx.id("channel_id"), name, starter_message_id=message_id,
                                  auto_archive=int(ctx.body.get("auto_archive_duration") or 1440))
        found["thread"] = thread
        self.fake.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
        return Reply(201, thread)

    async def add_reaction(self, ctx: Ctx) -> Reply:
        """``PUT .../reactions/{emoji}/@me``."""
        found = self._find_message(ctx)
        if isinstance(found, Reply):
            return found
        self.fake.world.reactions.append((ctx.id("channel_id"), int(found["id"]), ctx.params["emoji"], "add"))
        return no_content()

    async def remove_reaction(self, ctx: Ctx) -> Reply:
        """``DELETE .../reactions/{emoji}/@me``."""
        found = self._find_message(ctx)
        if isinstance(found, Reply):
            return found
        self.fake.world.reactions.append((ctx.id("channel_id"), int(found["id"]), ctx.params["emoji"], "remove"))
        return no_content()

    # ------------------------------------------------------------- commands
    def _command_scope(self, ctx: Ctx) -> int | Reply | None:
        if ctx.params["app_id"] != sf(APPLICATION_ID):
            return err(UNKNOWN_APPLICATION)
        if "guild_id" not in ctx.params:
            return None
        if ctx.id("guild_id") != self.fake.world.guild_id:
            return error(403, 50001, "Missing Access")
        return ctx.id("guild_id")

    async def list_commands(self, ctx: Ctx) -> Reply:
        """``GET /applications/{app}/[guilds/{guild}/]commands``."""
        scope = self._command_scope(ctx)
        if isinstance(scope, Reply):
            return scope
        return ok(self.fake.commands.commands(scope))

    async def put_commands(self, ctx: Ctx) -> Reply:
        """``PUT /applications/{app}/[guilds/{guild}/]commands`` (bulk overwrite)."""
        scope = self._command_scope(ctx)
        if isinstance(scope, Reply):
            return scope
        errors = FormErrors()
        validate_commands(ctx.json, errors)
        if errors:
            return Reply(400, errors.body())
        return ok(self.fake.commands.bulk_overwrite(scope, ctx.json))

    async def post_command(self, ctx: Ctx) -> Reply:
        """``POST /applications/{app}/[guilds/{guild}/]commands`` (upsert one)."""
        scope = self._command_scope(ctx)
        if isinstance(scope, Reply):
            return scope
        errors = FormErrors()
        validate_commands([ctx.body], errors)
        if errors:
            return Reply(400, errors.body())
        command, created = self.fake.commands.upsert(scope, ctx.body)
        return Reply(201 if created else 200, command)

    async def get_command(self, ctx: Ctx) -> Reply:
        """``GET .../commands/{id}``."""
        scope = self._command_scope(ctx)
        if isinstance(scope, Reply):
            return scope
        command = self.fake.commands.get(scope, ctx.id("command_id"))
        return ok(command) if command is not None else err(UNKNOWN_COMMAND)

    async def delete_command(self, ctx: Ctx) -> Reply:
        """``DELETE .../commands/{id}``."""
        scope = self._command_scope(ctx)
        if isinstance(scope, Reply):
            return scope
        return no_content() if self.fake.commands.delete(scope, ctx.id("command_id")) else err(UNKNOWN_COMMAND)
