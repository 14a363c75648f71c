"""Work in flight (questions being answered, clicks being handled), so that a stop can let it finish.

On SIGTERM the bot stops taking new work (each new piece is refused with `ShuttingDown`, which the
handlers turn into a polite "ask again in a minute"), waits a short grace period for what is in flight,
and apologises to whoever is still waiting after it, instead of leaving them on "thinking…" forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator

import discord


class ShuttingDown(Exception):
    """New work refused: the bot is stopping; what is in flight is still answered."""


class InFlight:
    """The pieces of work running now, each with the interaction it answers (None for a mention)."""

    def __init__(self) -> None:
        self.stopping = False
        self._running: dict[int, discord.Interaction | None] = {}
        self._ids = itertools.count()
        self._idle = asyncio.Event()
        self._idle.set()

    def __len__(self) -> int:
        return len(self._running)

    @contextlib.asynccontextmanager
    async def track(self, interaction: discord.Interaction | None = None) -> AsyncIterator[None]:
        """Around one piece of work; raises `ShuttingDown` (before starting it) once stopping."""
        if self.stopping:
            raise ShuttingDown
        key = next(self._ids)
        self._running[key] = interaction
        self._idle.clear()
        try:
            yield
        finally:
            del self._running[key]
            if not self._running:
                self._idle.set()

    async def stop(self, grace: float) -> list[discord.Interaction]:
        """Refuse new work, wait at most `grace` seconds for the rest; the interactions still unanswered."""
        self.stopping = True
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), grace)
        return [i for i in self._running.values() if i is not None and not i.is_expired()]
