"""Per-user cooldown: `rate` questions per `per` seconds, shared by `/ask` and mentions."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import discord
from discord import app_commands

if TYPE_CHECKING:
    from .client import SummitBot

Clock = Callable[[], float]
T = TypeVar("T")


class UserCooldown:
    """One `app_commands.Cooldown` bucket per user; buckets that have fully refilled are dropped."""

    PRUNE_AT = 1024

    def __init__(self, rate: int, per: float, clock: Clock = time.monotonic) -> None:
        self.cooldown = app_commands.Cooldown(rate, per)
        self._clock = clock
        self._buckets: dict[int, app_commands.Cooldown] = {}

    def __len__(self) -> int:
        """How many users the limiter remembers (those with a recent question, until pruned)."""
        return len(self._buckets)

    def hit(self, user_id: int) -> float | None:
        """Take one question from `user_id`'s budget; None if allowed, else seconds until it is."""
        now = self._clock()
        if len(self._buckets) >= self.PRUNE_AT:
            self._prune(now)
        bucket = self._buckets.setdefault(user_id, self.cooldown.copy())
        return bucket.update_rate_limit(now)

    def reset(self, user_id: int | None = None) -> None:
        """Forget one user's (or everyone's) recent questions."""
        if user_id is None:
            self._buckets.clear()
        else:
            self._buckets.pop(user_id, None)

    def _prune(self, now: float) -> None:
        full = self.cooldown.rate
        for user_id in [u for u, b in self._buckets.items() if b.get_tokens(now) >= full]:
            del self._buckets[user_id]


def per_user_cooldown() -> Callable[[T], T]:
    """App-command check: raises `CommandOnCooldown` when the user's budget is spent."""

    async def predicate(interaction: discord.Interaction[SummitBot]) -> bool:
        limiter = interaction.client.limiter
        retry_after = limiter.hit(interaction.user.id)
        if retry_after is not None:
            raise app_commands.CommandOnCooldown(limiter.cooldown, retry_after)
        return True

    return app_commands.check(predicate)
