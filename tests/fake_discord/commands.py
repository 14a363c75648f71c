"""Registered application commands and typed interaction options built from them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .models import APPLICATION_ID, JSON
from .world import World, sf

STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = 3, 4, 5, 6, 7, 8, 9, 10, 11
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2

OptionValues = Mapping[str, Any] | list[JSON] | None


class CommandRegistry:
    """Stores what the bot registered (global and per guild) and assigns ids like Discord."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.global_commands: list[JSON] = []
        self.guild_commands: dict[int, list[JSON]] = {}
        self.sync_count = 0

    def commands(self, guild_id: int | None) -> list[JSON]:
        """Commands in a scope (``None`` = global)."""
        if guild_id is None:
            return self.global_commands
        return self.guild_commands.setdefault(guild_id, [])

    def any_registered(self) -> bool:
        """Whether anything was ever registered."""
        return bool(self.global_commands) or any(self.guild_commands.values())

    def _finalize(self, data: JSON, guild_id: int | None, existing: list[JSON]) -> JSON:
        ctype = int(data.get("type", 1))
        previous = next((c for c in existing if c["name"] == data.get("name") and c["type"] == ctype), None)
        command: JSON = {
            "description": "",
            "options": [],
            "default_member_permissions": None,
            "dm_permission": True,
            "nsfw": False,
            "contexts": None,
            "integration_types": [0],
            "name_localizations": None,
            "description_localizations": None,
            **data,
            "type": ctype,
            "id": previous["id"] if previous else sf(self.world.snowflakes.next()),
            "application_id": sf(APPLICATION_ID),
            "version": sf(self.world.snowflakes.next()),
        }
        if command["default_member_permissions"] is not None:  # Discord answers with a string, whatever was sent
            command["default_member_permissions"] = str(int(command["default_member_permissions"]))
        if guild_id is not None:
            command["guild_id"] = sf(guild_id)
        return command

    def bulk_overwrite(self, guild_id: int | None, payload: list[JSON]) -> list[JSON]:
        """PUT semantics: replace the scope, keeping ids of same-named commands."""
        existing = self.commands(guild_id)
        result = [self._finalize(c, guild_id, existing) for c in payload]
        existing[:] = result
        self.sync_count += 1
        return result

    def upsert(self, guild_id: int | None, data: JSON) -> tuple[JSON, bool]:
        """POST semantics: create or replace one command; returns (command, created)."""
        existing = self.commands(guild_id)
        command = self._finalize(data, guild_id, existing)
        for i, cmd in enumerate(existing):
            if cmd["id"] == command["id"]:
                existing[i] = command
                return command, False
        existing.append(command)
        return command, True

    def get(self, guild_id: int | None, command_id: int) -> JSON | None:
        """One command by id."""
        return next((c for c in self.commands(guild_id) if int(c["id"]) == command_id), None)

    def delete(self, guild_id: int | None, command_id: int) -> bool:
        """Delete a command; False if unknown."""
        existing = self.commands(guild_id)
        for i, cmd in enumerate(existing):
            if int(cmd["id"]) == command_id:
                del existing[i]
                return True
        return False

    def find(self, name: str, guild_id: int | None, ctype: int = 1) -> JSON | None:
        """The command a user in ``guild_id`` would invoke (guild scope wins over global)."""
        scopes: list[int | None] = [guild_id, None] if guild_id is not None else [None]
        for scope in scopes:
            for cmd in self.commands(scope):
                if cmd["name"] == name and cmd["type"] == ctype:
                    return cmd
        return None


def _leaf_schema(command: JSON | None, path: list[str]) -> list[JSON] | None:
    """The option schema below the (sub)command path, or None when unknown."""
    if command is None:
        return None
    options: list[JSON] = command.get("options") or []
    for part in path:
        nested = (SUB_COMMAND, SUB_COMMAND_GROUP)
        sub = next((o for o in options if o.get("name") == part and o.get("type") in nested), None)
        if sub is None:
            raise ValueError(f"command {command['name']!r} has no subcommand {part!r}")
        options = sub.get("options") or []
    return options


def _infer_type(value: Any) -> int:
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, int):
        return INTEGER
    if isinstance(value, float):
        return NUMBER
    return STRING


class OptionBuilder:
    """Turns ``{"name": value}`` into typed interaction options plus ``resolved`` data."""

    def __init__(self, world: World, *, guild: bool, user_id: int) -> None:
        self.world = world
        self.guild = guild
        self.user_id = user_id
        self.resolved: JSON = {}

    def _resolve_user(self, user_id: int) -> None:
        self.resolved.setdefault("users", {})[sf(user_id)] = self.world.user_payload(user_id)
        if self.guild and self.world.user(user_id).in_guild:
            member = self.world.member_payload(user_id, with_user=False, permissions=True)
            self.resolved.setdefault("members", {})[sf(user_id)] = member

    def _resolve_channel(self, channel_id: int) -> None:
        channel = self.world.channel(channel_id)
        if channel is None:
            raise ValueError(f"unknown channel {channel_id}")
        entry = {**channel, "permissions": sf(self.world.permissions_of(self.user_id))}
        self.resolved.setdefault("channels", {})[sf(channel_id)] = entry

    def _resolve_role(self, role_id: int) -> None:
        role = self.world.roles.get(role_id)
        if role is None:
            raise ValueError(f"unknown role {role_id}")
        self.resolved.setdefault("roles", {})[sf(role_id)] = role

    def coerce(self, otype: int, value: Any, *, focused: bool) -> Any:
        """The wire value for one option (focused autocomplete values stay raw strings)."""
        if focused:
            return str(value)
        if otype == STRING:
            return str(value)
        if otype == INTEGER:
            return int(value)
        if otype == BOOLEAN:
            return bool(value)
        if otype == NUMBER:
            return float(value)
        if otype == ATTACHMENT:
            attachment = value if isinstance(value, dict) else {"filename": str(value)}
            att_id = sf(attachment.get("id") or self.world.snowflakes.next())
            full = {
                "id": att_id,
                "filename": attachment.get("filename", "file.txt"),
                "size": int(attachment.get("size", 1)),
                "url": f"https://cdn.discordapp.com/attachments/0/{att_id}/{attachment.get('filename', 'file.txt')}",
                "proxy_url": f"https://media.discordapp.net/attachments/0/{att_id}/file",
                "content_type": attachment.get("content_type", "text/plain"),
            }
            self.resolved.setdefault("attachments", {})[att_id] = full
            return att_id
        snowflake = int(getattr(value, "id", value))
        if otype == USER:
            self._resolve_user(snowflake)
        elif otype == CHANNEL:
            self._resolve_channel(snowflake)
        elif otype == ROLE:
            self._resolve_role(snowflake)
        elif otype == MENTIONABLE:
            if snowflake in self.world.roles:
                self._resolve_role(snowflake)
            else:
                self._resolve_user(snowflake)
        return sf(snowflake)

    def build(
        self,
        command: JSON | None,
        subcommand: str | None,
        values: OptionValues,
        *,
        focused: str | None = None,
        strict: bool = False,
    ) -> list[JSON]:
        """Typed options (nested under subcommand/group options when given)."""
        path = subcommand.split() if subcommand else []
        schema = _leaf_schema(command, path)
        leaf: list[JSON]
        if isinstance(values, list):
            leaf = [dict(v) for v in values]
        else:
            leaf = []
            for name, value in (values or {}).items():
                spec = None if schema is None else next((o for o in schema if o.get("name") == name), None)
                if spec is None and schema is not None and strict:
                    raise ValueError(f"option {name!r} is not registered for {command and command['name']!r}")
                otype = int(spec["type"]) if spec is not None else _infer_type(value)
                entry: JSON = {"name": name, "type": otype, "value": self.coerce(otype, value, focused=name == focused)}
                if name == focused:
                    entry["focused"] = True
                leaf.append(entry)
        if strict and schema is not None and focused is None:
            given = {o["name"] for o in leaf}
            missing = [o["name"] for o in schema if o.get("required") and o["name"] not in given]
            if missing:
                raise ValueError(f"required options missing for {command and command['name']!r}: {missing}")
        options = leaf
        for depth in range(len(path) - 1, -1, -1):
            otype = SUB_COMMAND if depth == len(path) - 1 else SUB_COMMAND_GROUP
            options = [{"name": path[depth], "type": otype, "options": options}]
        return options
