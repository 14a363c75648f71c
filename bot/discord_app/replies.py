"""The short texts the bot sends besides answers (help, channel pointers, cooldown, errors)."""

from __future__ import annotations

import math
from collections.abc import Iterable

from .render import CONTENT_MAX, escape, fit, plain

ERROR = "Sorry, something went wrong while handling that. It has been logged; please try again in a moment."


def help_text(bot_name: str) -> str:
    """The reply to a bare mention."""
    name = escape(bot_name)
    return (
        f"Hi! Ask me about the ALBA-TCP summit of 3 February 2025: mention me with a question, e.g. "
        f"“@{name} What did Maduro propose?”, or use `/ask`. `/leaders` lists who spoke, `/leader` shows "
        "what one of them said, `/sources` lists the articles I quote and `/about` says how I work."
    )


def channel_list(channel_ids: Iterable[int]) -> str:
    """`<#1>, <#2>` (channel mentions never ping)."""
    return ", ".join(f"<#{cid}>" for cid in sorted(channel_ids))


def private_here(channel_ids: Iterable[int]) -> str:
    """Content of an ephemeral answer given outside the allowed channels."""
    return fit(f"I answer publicly in {channel_list(channel_ids)}; here, only you can see this.", CONTENT_MAX, plain)


def ask_there(channel_ids: Iterable[int]) -> str:
    """Reply to a mention outside the allowed channels."""
    return fit(
        f"I answer questions in {channel_list(channel_ids)}: ask me there, or use `/ask` here "
        "(only you will see the answer).",
        CONTENT_MAX,
        plain,
    )


def slow_down(retry_after: float) -> str:
    """The cooldown message."""
    seconds = max(1, math.ceil(retry_after))
    return f"You're asking faster than I can keep up; please try again in {seconds} s."
