"""The question store: what people asked and how they voted, through SQLAlchemy 2 Core.

SQLite by default (a file under the state directory, WAL mode), any SQLAlchemy URL otherwise
(`SUMMIT_BOT_DATABASE_URL`, e.g. PostgreSQL when several bot processes share one store). The
schema carries a version number and is brought forward by `migrate` when the bot starts.

Users are never stored by id or name: `Store.user_key` is a keyed hash (HMAC-SHA256) with a
secret made for this installation on first use (`store-secret` in the state directory, mode 0600).

Writes go through one worker thread and a bounded queue, so the asyncio event loop never waits on
the database, and a failing database never costs an answer: the row is dropped, and the log says
why once per kind of failure (and once more when writes work again).
"""

from bot.store.connection import CONNECT_TIMEOUT, DATABASE_FILE, READ_TIMEOUT, SECRET_FILE, database_url, load_secret
from bot.store.records import QuestionRecord, StoreError, VoteCounts, VoteResult, parse_passage_ids, utcnow
from bot.store.schema import SCHEMA_VERSION, metadata, migrate, questions, votes
from bot.store.store import Store

__all__ = ["CONNECT_TIMEOUT", "DATABASE_FILE", "READ_TIMEOUT", "SCHEMA_VERSION", "SECRET_FILE", "QuestionRecord",
           "Store", "StoreError", "VoteCounts", "VoteResult", "database_url", "load_secret", "metadata", "migrate",
           "parse_passage_ids", "questions", "utcnow", "votes"]
