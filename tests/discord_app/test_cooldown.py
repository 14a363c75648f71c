"""The per-user cooldown shared by `/ask` and mentions."""

from __future__ import annotations

from bot.discord_app.cooldown import UserCooldown


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_each_user_gets_rate_questions_per_window() -> None:
    clock = Clock()
    limiter = UserCooldown(3, 30.0, clock)
    assert [limiter.hit(1) for _ in range(3)] == [None, None, None]
    retry = limiter.hit(1)
    assert retry is not None and 0 < retry <= 30
    assert limiter.hit(2) is None  # other users are not affected
    clock.now += 30.01
    assert limiter.hit(1) is None


def test_reset_and_pruning_forget_users() -> None:
    clock = Clock()
    limiter = UserCooldown(1, 10.0, clock)
    limiter.hit(1)
    assert limiter.hit(1) is not None
    limiter.reset(1)
    assert limiter.hit(1) is None
    for user in range(limiter.PRUNE_AT):
        limiter.hit(100 + user)
    clock.now += 11
    assert len(limiter) == limiter.PRUNE_AT + 1
    limiter.hit(5)  # triggers pruning: every refilled bucket is dropped
    assert len(limiter) == 1  # only user 5 is remembered
