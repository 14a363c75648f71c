"""Plain data records exposed by the fake Discord server."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any, Literal

JSON = dict[str, Any]

# Well-known ids (ints on the Python side; payloads carry them as strings).
BOT_USER_ID = 1178004000000000001
APPLICATION_ID = 1178004000000000002
GUILD_ID = 1178004000000000100
CHANNEL_ID = 1178004000000000200
USER_ID = 1178004000000000301
OTHER_USER_ID = 1178004000000000302
ADMIN_USER_ID = 1178004000000000303
OTHER_BOT_ID = 1178004000000000304
EVERYONE_ROLE_ID = GUILD_ID
ADMIN_ROLE_ID = 1178004000000000401
BOT_ROLE_ID = 1178004000000000402
FAKE_TOKEN = "ZmFrZS1ib3Q.fake.discord-token"

EPHEMERAL = 1 << 6
LOADING = 1 << 7

# Interaction types (what Discord sends) and callback types (what the bot answers).
APPLICATION_COMMAND = 2
COMPONENT = 3
AUTOCOMPLETE = 4
MODAL_SUBMIT = 5


@dataclass
class RecordedFile:
    """A file uploaded in a multipart request."""

    field: str
    filename: str | None
    size: int
    content_type: str | None


@dataclass
class RecordedRequest:
    """One REST request as the fake saw it (``path`` is relative to ``/api/v10``)."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    headers: dict[str, str]
    status: int = 0
    at: float = 0.0
    finished_at: float = 0.0
    response: Any = None
    files: list[RecordedFile] = field(default_factory=list)
    fault: Literal["rate_limit", "fail"] | None = None
    unknown: bool = False

    @property
    def ok(self) -> bool:
        """Whether the fake answered with a 2xx status."""
        return 200 <= self.status < 300

    @property
    def error_code(self) -> int | None:
        """The Discord JSON error ``code`` of the response, if any."""
        if isinstance(self.response, dict) and not self.ok:
            code = self.response.get("code")
            return code if isinstance(code, int) else None
        return None


@dataclass
class HeartbeatRecord:
    """A heartbeat (op 1) received from the client."""

    at: float
    seq: int | None
    connection_id: int


@dataclass
class GatewayConnectionRecord:
    """Bookkeeping for one gateway websocket connection."""

    id: int
    path: str
    query: dict[str, str]
    opened_at: float
    closed_at: float | None = None
    close_code: int | None = None
    closed_by_server: bool = False
    identified: bool = False
    resumed: bool = False
    received_ops: list[int] = field(default_factory=list)


@dataclass
class Rejection:
    """A request about an interaction that the fake refused."""

    action: str
    status: int
    code: int | None
    at: float


@dataclass
class FakeInteraction:
    """An interaction injected through the gateway."""

    id: int
    token: str
    type: int
    name: str
    payload: JSON = field(repr=False)
    created_at: float


@dataclass
class InteractionState:
    """Everything the bot did with one interaction (see ``FakeDiscord.interaction_state``).

    ``ack_type`` is the accepted callback type (4 message, 5 deferred, 6 deferred update, 7 update,
    8 autocomplete, 9 modal); ``ephemeral`` is the EPHEMERAL flag of that ack. ``original`` is the
    live @original message; ``followups`` holds a snapshot per accepted followup (the first followup
    after a type-5 defer is the edited loading message, so it shares ``original``'s id); ``edits`` the
    accepted PATCH bodies (with ``message_id``); ``rejections`` every refused call.
    """

    id: int
    token: str
    type: int
    name: str
    created_at: float
    deadline: float
    guild_id: int | None
    channel_id: int
    user_id: int
    source_message_id: int | None = None
    ack_type: int | None = None
    acked_at: float | None = None
    ephemeral: bool = False
    callback: JSON | None = field(default=None, repr=False)
    original: JSON | None = field(default=None, repr=False)
    original_loading: bool = False
    original_deleted: bool = False
    followups: list[JSON] = field(default_factory=list, repr=False)
    edits: list[JSON] = field(default_factory=list, repr=False)
    deleted_message_ids: list[int] = field(default_factory=list)
    autocomplete_choices: list[JSON] | None = None
    modal: JSON | None = field(default=None, repr=False)
    rejections: list[Rejection] = field(default_factory=list)

    @property
    def acked(self) -> bool:
        """Whether exactly one callback was accepted."""
        return self.ack_type is not None

    @property
    def ack_latency(self) -> float | None:
        """Seconds between injection and the accepted callback."""
        return None if self.acked_at is None else self.acked_at - self.created_at

    @property
    def message_ids(self) -> list[int]:
        """Ids of the original response and every followup message."""
        ids = [int(self.original["id"])] if self.original is not None else []
        for message in self.followups:
            if int(message["id"]) not in ids:
                ids.append(int(message["id"]))
        return ids


@dataclass
class FaultRule:
    """A REST fault: answer matching requests with 429 or an error status."""

    method: str
    pattern: re.Pattern[str]
    kind: Literal["rate_limit", "fail"]
    times: int | None
    until: float | None
    retry_after: float = 0.5
    global_: bool = False
    scope: str = "user"
    status: int = 500
    body: Any = None
    hits: int = 0

    def active(self) -> bool:
        """Whether the rule still applies."""
        if self.times is not None and self.hits >= self.times:
            return False
        return self.until is None or time.monotonic() < self.until

    def matches(self, method: str, path: str) -> bool:
        """Whether a request is affected (``path`` relative to ``/api/v10``)."""
        if self.method not in ("*", method.upper()):
            return False
        return self.pattern.search(path) is not None and self.active()


@dataclass
class FakeUser:
    """A user known to the fake (and a member of the fake guild)."""

    id: int
    username: str
    global_name: str | None = None
    bot: bool = False
    roles: list[int] = field(default_factory=list)
    nick: str | None = None
    in_guild: bool = True
