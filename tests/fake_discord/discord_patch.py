"""Point the real (unpatched) discord.py client at a ``FakeDiscord`` and run a bot against it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, TypeVar

import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

if TYPE_CHECKING:
    from .server import FakeDiscord

ClientT = TypeVar("ClientT", bound=discord.Client)


@contextlib.contextmanager
def patch_discord(fake: FakeDiscord) -> Iterator[None]:
    """Set ``Route.BASE`` and ``DiscordWebSocket.DEFAULT_GATEWAY`` to the fake; restore on exit."""
    old_base = Route.BASE
    old_gateway = DiscordWebSocket.DEFAULT_GATEWAY
    Route.BASE = fake.api_base
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    try:
        yield
    finally:
        Route.BASE = old_base
        DiscordWebSocket.DEFAULT_GATEWAY = old_gateway


@contextlib.asynccontextmanager
async def running_bot(
    fake: FakeDiscord, client: ClientT, *, token: str | None = None, ready_timeout: float = 10.0
) -> AsyncIterator[ClientT]:
    """Start ``client`` against ``fake``, wait for ``on_ready``, and close it afterwards.

    Login errors (e.g. ``discord.LoginFailure`` with ``fake.reject_token``) propagate from here.
    A client can only be started once: build a fresh one per test.
    """
    with patch_discord(fake):
        async with client:
            runner = asyncio.create_task(client.start(token or fake.token), name="fake-discord-client")
            ready = asyncio.create_task(client.wait_until_ready(), name="fake-discord-ready")
            try:
                done, _ = await asyncio.wait(
                    {runner, ready}, timeout=ready_timeout, return_when=asyncio.FIRST_COMPLETED
                )
                if ready not in done:
                    if runner in done:
                        runner.result()  # re-raise the start() failure
                        raise RuntimeError("client.start() returned before the client became ready")
                    raise TimeoutError(f"client not ready within {ready_timeout}s")
                yield client
            finally:
                ready.cancel()
                await client.close()
                with contextlib.suppress(Exception, asyncio.CancelledError):
                    await asyncio.wait_for(runner, timeout=5.0)
