"""The fake guild, its users/channels/messages, and Discord-shaped payload builders."""

from __future__ import annotations

import datetime
import re
import secrets
import time
from typing import Any

from .models import (
    ADMIN_ROLE_ID,
    ADMIN_USER_ID,
    APPLICATION_ID,
    BOT_ROLE_ID,
    BOT_USER_ID,
    CHANNEL_ID,
    EVERYONE_ROLE_ID,
    GUILD_ID,
    JSON,
    OTHER_BOT_ID,
    OTHER_USER_ID,
    USER_ID,
    FakeUser,
    RecordedFile,
)

DISCORD_EPOCH_MS = 1420070400000

# Permission bits used by the fake guild.
ADMINISTRATOR = 1 << 3
ALL_PERMISSIONS = (1 << 51) - 1
DEFAULT_PERMISSIONS = (
    (1 << 0)  # create instant invite
    | (1 << 6)  # add reactions
    | (1 << 10)  # view channel
    | (1 << 11)  # send messages
    | (1 << 14)  # embed links
    | (1 << 15)  # attach files
    | (1 << 16)  # read message history
    | (1 << 18)  # use external emojis
    | (1 << 20)  # connect
    | (1 << 21)  # speak
    | (1 << 26)  # change nickname
    | (1 << 31)  # use application commands
    | (1 << 35)  # create public threads
    | (1 << 38)  # send messages in threads
)
BOT_PERMISSIONS = DEFAULT_PERMISSIONS | (1 << 13) | (1 << 28)  # + manage messages, manage roles

PUBLIC_THREAD = 11

_MENTION_RE = re.compile(r"<@!?(\d+)>")


def sf(value: int | str) -> str:
    """Normalise a snowflake to its string form."""
    return str(int(value))


def iso_now() -> str:
    """The current time as a Discord ISO-8601 timestamp."""
    return datetime.datetime.now(datetime.UTC).isoformat()


class Snowflakes:
    """Generates increasing snowflakes carrying the current timestamp."""

    def __init__(self) -> None:
        self._last = 0

    def next(self) -> int:
        """Return a new unique snowflake."""
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        value = (ms << 22) | (1 << 17) | (1 << 12)
        self._last = max(value, self._last + 1)
        return self._last


def new_token(prefix: str = "aW50ZXJhY3Rpb24") -> str:
    """An interaction/webhook token (URL safe, Discord-ish length)."""
    return f"{prefix}{secrets.token_urlsafe(48)}"


class World:
    """Mutable state of the single fake guild (users, roles, channels, messages)."""

    def __init__(self) -> None:
        self.snowflakes = Snowflakes()
        self.guild_id = GUILD_ID
        self.guild_name = "Fake Summit Guild"
        self.owner_id = ADMIN_USER_ID
        self.joined_at = iso_now()
        self.roles: dict[int, JSON] = {
            EVERYONE_ROLE_ID: self._role(EVERYONE_ROLE_ID, "@everyone", DEFAULT_PERMISSIONS, 0),
            BOT_ROLE_ID: self._role(BOT_ROLE_ID, "summit-bot", BOT_PERMISSIONS, 1, tags={"bot_id": sf(BOT_USER_ID)}),
            ADMIN_ROLE_ID: self._role(ADMIN_ROLE_ID, "Admin", ALL_PERMISSIONS | ADMINISTRATOR, 2),
        }
        self.users: dict[int, FakeUser] = {}
        for user in (
            FakeUser(BOT_USER_ID, "summit-bot", None, bot=True, roles=[BOT_ROLE_ID]),
            FakeUser(USER_ID, "alice", "Alice"),
            FakeUser(OTHER_USER_ID, "bob", "Bob"),
            FakeUser(ADMIN_USER_ID, "carol", "Carol", roles=[ADMIN_ROLE_ID]),
            FakeUser(OTHER_BOT_ID, "helper-bot", None, bot=True),
        ):
            self.users[user.id] = user
        self.channels: dict[int, JSON] = {}
        self.add_channel("general", channel_id=CHANNEL_ID)
        # Other guilds the bot is in (for sharding): guild id -> its one text channel (same members).
        self.other_guilds: dict[int, JSON] = {}
        self.dm_channels: dict[int, JSON] = {}  # user id -> DM channel payload
        self.messages: dict[int, JSON] = {}  # message id -> payload (REST shape)
        self.reactions: list[tuple[int, int, str, str]] = []  # (channel, message, emoji, action)

    # ------------------------------------------------------------------ setup
    @staticmethod
    def _role(role_id: int, name: str, permissions: int, position: int, **extra: Any) -> JSON:
        return {
            "id": sf(role_id),
            "name": name,
            "permissions": str(permissions),
            "position": position,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "managed": "tags" in extra,
            "mentionable": False,
            "icon": None,
            "unicode_emoji": None,
            "flags": 0,
            **extra,
        }

    def add_channel(self, name: str, *, channel_id: int | None = None, topic: str | None = None) -> JSON:
        """Add a text channel to the guild and return its payload."""
        cid = channel_id or self.snowflakes.next()
        payload: JSON = {
            "id": sf(cid),
            "type": 0,
            "guild_id": sf(self.guild_id),
            "name": name,
            "position": len(self.channels),
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "topic": topic,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "flags": 0,
        }
        self.channels[cid] = payload
        return payload

    def add_thread(self, parent_id: int, name: str, *, starter_message_id: int, auto_archive: int = 1440) -> JSON:
        """A public thread started from a message (its id is the message's, as on Discord)."""
        payload: JSON = {
            "id": sf(starter_message_id),
            "type": PUBLIC_THREAD,
            "guild_id": sf(self.guild_id),
            "parent_id": sf(parent_id),
            "owner_id": sf(BOT_USER_ID),
            "name": name,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "message_count": 0,
            "member_count": 1,
            "total_message_sent": 0,
            "flags": 0,
            "thread_metadata": {"archived": False, "auto_archive_duration": auto_archive,
                                "archive_timestamp": iso_now(), "locked": False, "create_timestamp": iso_now()},
        }
        self.channels[starter_message_id] = payload
        return payload

    def dm_channel(self, user_id: int) -> JSON:
        """The (created on demand) DM channel between the bot and a user."""
        channel = self.dm_channels.get(user_id)
        if channel is None:
            channel = {
                "id": sf(self.snowflakes.next()),
                "type": 1,
                "last_message_id": None,
                "flags": 0,
                "recipients": [self.user_payload(user_id)],
            }
            self.dm_channels[user_id] = channel
        return channel

    def channel(self, channel_id: int) -> JSON | None:
        """A guild or DM channel by id."""
        found = self.channels.get(channel_id)
        if found is not None:
            return found
        for dm in self.dm_channels.values():
            if int(dm["id"]) == channel_id:
                return dm
        return None

    def dm_user_for(self, channel_id: int) -> int | None:
        """The recipient of a DM channel, or None for guild channels."""
        for user_id, dm in self.dm_channels.items():
            if int(dm["id"]) == channel_id:
                return user_id
        return None

    def user(self, user_id: int) -> FakeUser:
        """A known user, or a generated placeholder for unknown ids."""
        found = self.users.get(user_id)
        if found is None:
            found = FakeUser(user_id, f"user{str(user_id)[-4:]}", None, in_guild=False)
            self.users[user_id] = found
        return found

    # --------------------------------------------------------------- payloads
    def user_payload(self, user_id: int) -> JSON:
        """A user object."""
        user = self.user(user_id)
        return {
            "id": sf(user.id),
            "username": user.username,
            "discriminator": "0",
            "global_name": user.global_name,
            "avatar": None,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
            "bot": user.bot,
            "system": False,
            "public_flags": 0,
        }

    def bot_user_payload(self) -> JSON:
        """The bot's own user object (as ``/users/@me`` and READY return it)."""
        return {
            **self.user_payload(BOT_USER_ID),
            "verified": True,
            "mfa_enabled": False,
            "flags": 0,
            "locale": "en-US",
            "email": None,
        }

    def permissions_of(self, user_id: int) -> int:
        """Guild-level permissions of a member."""
        if user_id == self.owner_id:
            return ALL_PERMISSIONS
        user = self.user(user_id)
        value = int(self.roles[EVERYONE_ROLE_ID]["permissions"])
        for role_id in user.roles:
            role = self.roles.get(role_id)
            if role is not None:
                value |= int(role["permissions"])
        return ALL_PERMISSIONS if value & ADMINISTRATOR else value

    def member_payload(self, user_id: int, *, with_user: bool = True, permissions: bool = False) -> JSON:
        """A guild member object (``roles`` and ``flags`` always present)."""
        user = self.user(user_id)
        payload: JSON = {
            "roles": [sf(r) for r in user.roles],
            "nick": user.nick,
            "avatar": None,
            "banner": None,
            "joined_at": self.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }
        if with_user:
            payload["user"] = self.user_payload(user_id)
        if permissions:
            payload["permissions"] = str(self.permissions_of(user_id))
        return payload

    def guild_members(self) -> list[JSON]:
        """Members of the fake guild."""
        return [self.member_payload(u.id) for u in self.users.values() if u.in_guild]

    @property
    def guild_ids(self) -> list[int]:
        return [self.guild_id, *self.other_guilds]

    def add_guild(self, name: str, *, guild_id: int | None = None) -> tuple[int, int]:
        """Another guild with one text channel and the same members; (guild id, channel id)."""
        gid = guild_id or self.snowflakes.next()
        if gid in self.guild_ids:
            raise ValueError(f"guild {gid} exists")
        cid = self.snowflakes.next()
        self.other_guilds[gid] = {
            "id": sf(cid), "type": 0, "guild_id": sf(gid), "name": f"{name}-general", "position": 0,
            "permission_overwrites": [], "nsfw": False, "parent_id": None, "topic": None,
            "last_message_id": None, "rate_limit_per_user": 0, "flags": 0,
        }
        return gid, cid

    def channel_of_guild(self, guild_id: int) -> JSON | None:
        return self.other_guilds.get(guild_id)

    def guild_payload(self, guild_id: int | None = None) -> JSON:
        """A full GUILD_CREATE payload (one text channel, bot member included); another guild's with its id."""
        if guild_id is not None and guild_id != self.guild_id:
            channel = self.other_guilds[guild_id]
            roles = [{**role, "id": sf(guild_id)} if int(role["id"]) == EVERYONE_ROLE_ID else role
                     for role in self.roles.values()]
            return {**self.guild_payload(), "id": sf(guild_id), "name": f"Guild {guild_id}", "roles": roles,
                    "channels": [channel], "threads": [], "system_channel_id": channel["id"]}
        members = self.guild_members()
        return {
            "id": sf(self.guild_id),
            "name": self.guild_name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": sf(self.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 1,
            "explicit_content_filter": 0,
            "roles": list(self.roles.values()),
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": sf(CHANNEL_ID),
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "max_members": 500000,
            "vanity_url_code": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": "en-US",
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "joined_at": self.joined_at,
            "large": False,
            "unavailable": False,
            "lazy": True,
            "member_count": len(members),
            "members": members,
            "channels": [c for c in self.channels.values() if c["type"] != PUBLIC_THREAD],
            "threads": [c for c in self.channels.values() if c["type"] == PUBLIC_THREAD],
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }

    def application_payload(self) -> JSON:
        """``GET /oauth2/applications/@me``."""
        return {
            "id": sf(APPLICATION_ID),
            "name": "summit-bot",
            "icon": None,
            "description": "Fake application",
            "rpc_origins": [],
            "bot_public": True,
            "bot_require_code_grant": False,
            "bot": self.user_payload(BOT_USER_ID),
            "owner": self.user_payload(ADMIN_USER_ID),
            "team": None,
            "verify_key": "0" * 64,
            "flags": 1 << 19 | 1 << 23,  # gateway_message_content_limited, application_command_badge
            "tags": [],
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "approximate_guild_count": 1,
            "integration_types_config": {"0": {}},
        }

    def mentions_in(self, content: str | None) -> list[int]:
        """User ids mentioned as ``<@id>`` in content."""
        return [int(m) for m in _MENTION_RE.findall(content or "")]

    def mention_payloads(self, user_ids: list[int], *, guild: bool) -> list[JSON]:
        """The ``mentions`` array of a message (with partial members in guilds)."""
        result: list[JSON] = []
        seen: set[int] = set()
        for uid in user_ids:
            if uid in seen:
                continue
            seen.add(uid)
            entry = self.user_payload(uid)
            if guild and self.user(uid).in_guild:
                entry["member"] = self.member_payload(uid, with_user=False)
            result.append(entry)
        return result

    def message_payload(
        self,
        *,
        channel_id: int,
        author_id: int,
        content: str = "",
        message_id: int | None = None,
        embeds: list[JSON] | None = None,
        components: list[JSON] | None = None,
        attachments: list[JSON] | None = None,
        mentions: list[int] | None = None,
        flags: int = 0,
        message_type: int = 0,
        reference: JSON | None = None,
        referenced: JSON | None = None,
        extra: JSON | None = None,
    ) -> JSON:
        """A message object in REST shape (gateway adds ``guild_id``/``member``)."""
        guild = channel_id in self.channels
        payload: JSON = {
            "id": sf(message_id or self.snowflakes.next()),
            "channel_id": sf(channel_id),
            "author": self.user_payload(author_id),
            "content": content,
            "timestamp": iso_now(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": self.mention_payloads(mentions or [], guild=guild),
            "mention_roles": [],
            "attachments": attachments or [],
            "embeds": embeds or [],
            "pinned": False,
            "type": message_type,
            "flags": flags,
            "components": components or [],
        }
        if reference is not None:
            payload["message_reference"] = reference
            if referenced is not None:  # Discord nests one level only
                referenced = {k: v for k, v in referenced.items() if k != "referenced_message"}
            payload["referenced_message"] = referenced
        if extra:
            payload.update(extra)
        return payload

    def gateway_message(self, message: JSON) -> JSON:
        """MESSAGE_CREATE/UPDATE shape: adds ``guild_id`` and ``member`` for guild channels."""
        data = dict(message)
        if int(message["channel_id"]) in self.channels:
            data["guild_id"] = sf(self.guild_id)
            author_id = int(message["author"]["id"])
            if self.user(author_id).in_guild and "webhook_id" not in message:
                data["member"] = self.member_payload(author_id, with_user=False)
        return data

    def store_message(self, message: JSON) -> None:
        """Remember a message (so replies/fetches can resolve it)."""
        self.messages[int(message["id"])] = message
        channel = self.channel(int(message["channel_id"]))
        if channel is not None and not int(message.get("flags") or 0) & (1 << 6):
            channel["last_message_id"] = message["id"]

    def resolve_mentions(self, content: str | None, allowed: Any, replied_user_id: int | None = None) -> list[int]:
        """Users pinged by a bot message, honouring ``allowed_mentions`` like Discord."""
        ids = self.mentions_in(content)
        if isinstance(allowed, dict):
            parse = allowed.get("parse") or []
            users = {int(u) for u in allowed.get("users") or []}
            ids = [i for i in ids if "users" in parse or i in users]
            reply_ping = bool(allowed.get("replied_user", False))
        else:
            reply_ping = True
        if replied_user_id is not None and reply_ping and replied_user_id not in ids:
            ids.append(replied_user_id)
        return ids

    def attachment_payloads(self, files: list[RecordedFile], channel_id: int) -> list[JSON]:
        """Attachment objects for uploaded files."""
        result: list[JSON] = []
        for f in files:
            att_id = sf(self.snowflakes.next())
            name = f.filename or "file"
            result.append(
                {
                    "id": att_id,
                    "filename": name,
                    "size": f.size,
                    "url": f"https://cdn.discordapp.com/attachments/{channel_id}/{att_id}/{name}",
                    "proxy_url": f"https://media.discordapp.net/attachments/{channel_id}/{att_id}/{name}",
                    "content_type": f.content_type,
                }
            )
        return result

    def apply_edit(self, message: JSON, body: JSON, files: list[RecordedFile], *, mark_edited: bool = True) -> JSON:
        """Apply a PATCH body to a stored message in place and return it."""
        if "content" in body:
            message["content"] = body["content"] or ""
            message["mentions"] = self.mention_payloads(
                self.resolve_mentions(message["content"], body.get("allowed_mentions")),
                guild=int(message["channel_id"]) in self.channels,
            )
        for key in ("embeds", "components"):
            if key in body:
                message[key] = body[key] or []
        if "attachments" in body or files:
            kept_ids = {str(a.get("id")) for a in body.get("attachments") or []}
            kept = [a for a in message["attachments"] if str(a["id"]) in kept_ids]
            message["attachments"] = kept + self.attachment_payloads(files, int(message["channel_id"]))
        if "flags" in body and body["flags"] is not None:
            keep = int(message.get("flags") or 0) & ~(1 << 2)
            message["flags"] = keep | (int(body["flags"]) & (1 << 2))  # only SUPPRESS_EMBEDS is editable
        if mark_edited:
            message["edited_timestamp"] = iso_now()
        return message
