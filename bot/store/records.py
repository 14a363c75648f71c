"""What the store keeps and gives back: question records, vote counts and results, and its error."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

# -- records -------------------------------------------------------------------------------------


class StoreError(Exception):
    """The store cannot be used (the answer is still given; only recording stops)."""


@dataclass(frozen=True)
class QuestionRecord:
    """One answered question, as recorded."""

    question: str
    searched_for: str | None
    confidence: str
    passage_ids: tuple[str, ...]
    latency_ms: float
    asker: str  # a keyed hash (`Store.user_key`)
    source: str = "slash"
    guild_id: int | None = None
    channel_id: int | None = None
    message_id: int | None = None
    followup_of: int | None = None
    asked_at: dt.datetime | None = None  # UTC; now when None

    def row(self) -> dict[str, Any]:
        return {
            "asked_at": self.asked_at or utcnow(), "source": self.source, "question": self.question,
            "searched_for": self.searched_for, "confidence": self.confidence,
            "passage_ids": json.dumps(list(self.passage_ids)), "latency_ms": float(self.latency_ms),
            "guild_id": self.guild_id, "channel_id": self.channel_id, "message_id": self.message_id,
            "asker": self.asker, "followup_of": self.followup_of,
        }


@dataclass(frozen=True)
class VoteCounts:
    up: int
    down: int


@dataclass(frozen=True)
class VoteResult:
    """The voter's vote before and after, and the answer's counts after."""

    previous: int | None
    value: int
    counts: VoteCounts

    @property
    def changed(self) -> bool:
        return self.previous != self.value


def utcnow() -> dt.datetime:
    """Now in UTC, naive (how the store keeps times on every dialect)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)



def parse_passage_ids(raw: str) -> list[str]:
    try:
        value = json.loads(raw)
    except (TypeError, ValueError):
        return []
    return [str(x) for x in value] if isinstance(value, list) else []
