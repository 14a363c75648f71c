"""Small REST plumbing: replies, Discord error bodies, a regex router, request context."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from .models import RecordedRequest


@dataclass
class Reply:
    """A response to send: status, JSON body (None -> empty), extra headers."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)

    def to_response(self) -> web.Response:
        """Build the aiohttp response (``Content-Type`` exactly ``application/json``)."""
        if self.status == 204 or self.body is None:
            return web.Response(status=self.status, headers=self.headers)
        headers = {**self.headers, "Content-Type": "application/json"}
        return web.Response(status=self.status, body=json.dumps(self.body).encode(), headers=headers)


def ok(body: Any) -> Reply:
    """200 with a JSON body."""
    return Reply(200, body)


def no_content() -> Reply:
    """204."""
    return Reply(204)


def error(status: int, code: int, message: str) -> Reply:
    """A Discord JSON error (``{"message": ..., "code": ...}``)."""
    return Reply(status, {"message": message, "code": code})


UNAUTHORIZED = (401, 0, "401: Unauthorized")
NOT_FOUND = (404, 0, "404: Not Found")
METHOD_NOT_ALLOWED = (405, 0, "405: Method Not Allowed")
UNKNOWN_APPLICATION = (404, 10002, "Unknown Application")
UNKNOWN_CHANNEL = (404, 10003, "Unknown Channel")
UNKNOWN_GUILD = (404, 10004, "Unknown Guild")
UNKNOWN_MEMBER = (404, 10007, "Unknown Member")
UNKNOWN_MESSAGE = (404, 10008, "Unknown Message")
UNKNOWN_USER = (404, 10013, "Unknown User")
UNKNOWN_WEBHOOK = (404, 10015, "Unknown Webhook")
UNKNOWN_INTERACTION = (404, 10062, "Unknown interaction")
UNKNOWN_COMMAND = (404, 10063, "Unknown application command")
ALREADY_ACKNOWLEDGED = (400, 40060, "Interaction has already been acknowledged.")
EMPTY_MESSAGE = (400, 50006, "Cannot send an empty message")
CANNOT_DM = (403, 50007, "Cannot send messages to this user")
INVALID_WEBHOOK_TOKEN = (401, 50027, "Invalid Webhook Token")
INVALID_JSON = (400, 50109, "The request body contains invalid JSON.")


def err(spec: tuple[int, int, str]) -> Reply:
    """Reply for one of the error constants above."""
    return error(*spec)


@dataclass
class Ctx:
    """What a route handler gets."""

    request: web.Request
    record: RecordedRequest
    params: dict[str, str]

    @property
    def json(self) -> Any:
        """Parsed JSON body (or ``payload_json`` of a multipart body)."""
        return self.record.json

    @property
    def body(self) -> dict[str, Any]:
        """The JSON body if it is an object, else ``{}``."""
        return self.record.json if isinstance(self.record.json, dict) else {}

    @property
    def query(self) -> dict[str, str]:
        """Query parameters."""
        return self.record.query

    def id(self, name: str) -> int:
        """A numeric path parameter."""
        return int(self.params[name])


Handler = Callable[[Ctx], Awaitable[Reply]]


class Router:
    """Regex routes over the path relative to ``/api/v10``."""

    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Handler, bool]] = []

    def add(self, method: str, pattern: str, handler: Handler, *, auth: bool = True) -> None:
        """Register ``handler`` for ``method`` and a path pattern with ``{name}`` placeholders."""
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern)
        self._routes.append((method, re.compile(f"^{regex}$"), handler, auth))

    def match(self, method: str, path: str) -> tuple[Handler, dict[str, str], bool] | str | None:
        """The handler, its params and whether it needs auth; ``"method"`` if only the method is wrong."""
        method_mismatch = False
        for route_method, regex, handler, auth in self._routes:
            found = regex.match(path)
            if found is None:
                continue
            if route_method == method:
                return handler, found.groupdict(), auth
            method_mismatch = True
        return "method" if method_mismatch else None
