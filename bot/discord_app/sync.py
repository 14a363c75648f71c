"""Slash-command sync: only when the command definitions changed since the last sync, or when forced.

The fingerprint of what was last synced (commands, scope and application) is kept in the state
directory and replaced atomically, so a crash never leaves a half-written file behind.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path

import discord
from discord import app_commands

from bot.atomic import write_json
from bot.settings import Settings

log = logging.getLogger(__name__)

STATE_FILE = "command-sync.json"


class SyncError(Exception):
    """Commands could not be synced; the message says why, in one line."""


@dataclass(frozen=True)
class SyncResult:
    """What `sync_commands` did."""

    synced: bool
    scope: str  # "global" or "guild <id>"
    fingerprint: str
    commands: int


def scope_of(settings: Settings) -> discord.Object | None:
    """The guild to sync to (`DISCORD_GUILD_ID`), or None for global commands."""
    return discord.Object(id=settings.discord_guild_id) if settings.discord_guild_id else None


async def command_payloads(
    tree: app_commands.CommandTree, guild: discord.abc.Snowflake | None
) -> list[dict[str, object]]:
    """The command definitions as Discord receives them (with their translations), sorted by name."""
    commands = tree.get_commands(guild=guild)
    translator = tree.translator
    if translator is None:
        payloads = [command.to_dict(tree) for command in commands]
    else:
        payloads = [await command.get_translated_payload(tree, translator) for command in commands]
    return sorted(payloads, key=lambda c: (str(c.get("type")), str(c["name"])))


def fingerprint(payloads: list[dict[str, object]], scope: str, application_id: int | None) -> str:
    """A stable hash of what a sync would send, and where."""
    blob = json.dumps({"scope": scope, "application": application_id, "commands": payloads},
                      sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


def read_state(state_dir: Path) -> dict[str, object]:
    """What the last successful sync recorded (empty if nothing usable)."""
    try:
        data = json.loads((state_dir / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def read_fingerprint(state_dir: Path) -> str | None:
    """The fingerprint of the last successful sync, or None if unknown."""
    value = read_state(state_dir).get("fingerprint")
    return value if isinstance(value, str) else None


def write_fingerprint(state_dir: Path, value: str, scope: str, guild_id: int | None = None) -> None:
    """Record a successful sync atomically (`bot.atomic`)."""
    write_json(state_dir / STATE_FILE, {"fingerprint": value, "scope": scope, "guild_id": guild_id}, indent=None)


async def sync_commands(tree: app_commands.CommandTree, settings: Settings, *, force: bool = False) -> SyncResult:
    """Sync the tree to `DISCORD_GUILD_ID` (commands copied there) or globally, if changed or forced."""
    guild = scope_of(settings)
    scope = f"guild {guild.id}" if guild else "global"
    if guild is not None:
        tree.copy_global_to(guild=guild)
    payloads = await command_payloads(tree, guild)
    current = fingerprint(payloads, scope, tree.client.application_id)
    previous = read_state(settings.state_dir)
    if not force and previous.get("fingerprint") == current:
        log.info("slash commands unchanged since the last sync (%s); not syncing", scope)
        return SyncResult(False, scope, current, len(payloads))
    try:
        synced = await tree.sync(guild=guild)
    except discord.Forbidden as exc:
        where = f"guild {guild.id} (DISCORD_GUILD_ID)" if guild else "Discord"
        raise SyncError(f"cannot sync slash commands to {where}: is the bot in it, invited with the "
                        f"applications.commands scope? ({exc.status} {exc.text or exc})") from exc
    except discord.HTTPException as exc:
        raise SyncError(f"cannot sync slash commands ({scope}): {exc.status} {exc.text or exc}") from exc
    log.info("synced %d slash commands (%s)", len(synced), scope)
    old_guild = previous.get("guild_id")
    if isinstance(old_guild, int) and old_guild != (guild.id if guild else None):
        await _clear_guild(tree, old_guild)
    try:
        write_fingerprint(settings.state_dir, current, scope, guild.id if guild else None)
    except OSError as exc:
        log.warning("could not record the command sync in %s (%s); the next start will sync again",
                    settings.state_dir, exc.strerror or exc)
    return SyncResult(True, scope, current, len(payloads))


async def _clear_guild(tree: app_commands.CommandTree, guild_id: int) -> None:
    """Remove the commands an earlier run synced to another guild, so none show up twice."""
    old = discord.Object(id=guild_id)
    tree.clear_commands(guild=old)
    try:
        await tree.sync(guild=old)
    except discord.HTTPException as exc:
        log.warning("could not remove the old slash commands from guild %s: %s %s", guild_id, exc.status, exc.text)
    else:
        log.info("removed the slash commands previously synced to guild %s", guild_id)
