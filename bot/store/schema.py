"""The store's tables and the migrations that bring an older schema forward (never edit a past one)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bot.store.records import StoreError

log = logging.getLogger(__name__)

SCHEMA_VERSION = 2
MIGRATION_LOCK = 0x5E_B0_7A  # the PostgreSQL advisory lock key held while migrating

# -- schema --------------------------------------------------------------------------------------
# The current tables. Migrations below say how each version was reached; never edit a past one.

metadata = sa.MetaData()

schema_version = sa.Table(
    "schema_version", metadata,
    sa.Column("version", sa.Integer, nullable=False),
)

questions = sa.Table(
    "questions", metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("asked_at", sa.DateTime, nullable=False, index=True),  # UTC, naive
    sa.Column("source", sa.String(16), nullable=False),  # "slash", "mention", "thread"
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("searched_for", sa.Text),  # the query after typo repair or follow-up context, when different
    sa.Column("confidence", sa.String(8), nullable=False),
    sa.Column("passage_ids", sa.Text, nullable=False),  # JSON list, in the order shown
    sa.Column("latency_ms", sa.Float, nullable=False),
    sa.Column("guild_id", sa.BigInteger),
    sa.Column("channel_id", sa.BigInteger),
    sa.Column("message_id", sa.BigInteger, index=True),  # the bot's answer message (what votes refer to)
    sa.Column("asker", sa.String(64), nullable=False),  # keyed hash, never the user id
    sa.Column("followup_of", sa.BigInteger),  # v2: the answer message this question followed up
)

votes = sa.Table(
    "votes", metadata,
    sa.Column("message_id", sa.BigInteger, primary_key=True),
    sa.Column("voter", sa.String(64), primary_key=True),  # keyed hash
    sa.Column("value", sa.SmallInteger, nullable=False),  # +1 or -1
    sa.Column("voted_at", sa.DateTime, nullable=False, index=True),
    sa.Column("comment", sa.Text),  # v2: the optional "what was wrong?"
)


def _v1_metadata() -> sa.MetaData:
    """Version 1 as it shipped: questions without `followup_of`, votes without `comment`."""
    old = sa.MetaData()
    sa.Table("schema_version", old, sa.Column("version", sa.Integer, nullable=False))
    sa.Table(
        "questions", old,
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("asked_at", sa.DateTime, nullable=False, index=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("searched_for", sa.Text),
        sa.Column("confidence", sa.String(8), nullable=False),
        sa.Column("passage_ids", sa.Text, nullable=False),
        sa.Column("latency_ms", sa.Float, nullable=False),
        sa.Column("guild_id", sa.BigInteger),
        sa.Column("channel_id", sa.BigInteger),
        sa.Column("message_id", sa.BigInteger, index=True),
        sa.Column("asker", sa.String(64), nullable=False),
    )
    sa.Table(
        "votes", old,
        sa.Column("message_id", sa.BigInteger, primary_key=True),
        sa.Column("voter", sa.String(64), primary_key=True),
        sa.Column("value", sa.SmallInteger, nullable=False),
        sa.Column("voted_at", sa.DateTime, nullable=False, index=True),
    )
    return old


def _add_column(conn: Connection, table: str, column: str, type_: sa.types.TypeEngine[Any]) -> None:
    compiled = type_.compile(dialect=conn.dialect)
    conn.execute(sa.text(f"ALTER TABLE {table} ADD COLUMN {column} {compiled}"))


def _to_v1(conn: Connection) -> None:
    _v1_metadata().create_all(conn)


def _to_v2(conn: Connection) -> None:
    _add_column(conn, "questions", "followup_of", sa.BigInteger())
    _add_column(conn, "votes", "comment", sa.Text())


MIGRATIONS: dict[int, Callable[[Connection], None]] = {1: _to_v1, 2: _to_v2}


def current_version(conn: Connection) -> int:
    """The schema version of the database (0 when it is empty)."""
    if not sa.inspect(conn).has_table("schema_version"):
        return 0
    return int(conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar() or 0)


def migrate(engine: Engine, target: int = SCHEMA_VERSION) -> int:
    """Bring the schema forward to `target`, one version per transaction; the version reached."""
    with engine.begin() as conn:
        version = current_version(conn)
    if version > SCHEMA_VERSION:
        raise StoreError(f"the question store has schema version {version}, newer than this bot ({SCHEMA_VERSION})")
    while version < target:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":  # processes starting together migrate one at a time
                conn.execute(sa.select(sa.func.pg_advisory_xact_lock(MIGRATION_LOCK)))
            if current_version(conn) != version:  # another process migrated meanwhile
                version = current_version(conn)
                continue
            MIGRATIONS[version + 1](conn)
            version += 1
            conn.execute(sa.delete(schema_version))
            conn.execute(sa.insert(schema_version).values(version=version))
        log.info("question store: schema at version %d", version)
    return version
