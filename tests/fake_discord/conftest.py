"""Fixtures for the fake Discord self-test (usable standalone, in strict or auto asyncio mode)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from . import FakeDiscord


@pytest_asyncio.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    """A started fake with a short callback deadline and fast heartbeats; fails on fake-internal errors."""
    fake = FakeDiscord(callback_deadline=0.5, heartbeat_interval=200)
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()
    assert not fake.internal_errors, f"fake discord internal errors: {fake.internal_errors!r}"
