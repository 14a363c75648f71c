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

from __future__ import annotations

import concurrent.futures
import contextlib
import datetime as dt
import hashlib
import hmac
import json
import logging
import os
import queue
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bot.atomic import atomic_file
from bot.settings import Settings

log = logging.getLogger(__name__)

T = TypeVar("T")

SCHEMA_VERSION = 2
SECRET_FILE = "store-secret"
DATABASE_FILE = "questions.sqlite3"
MIGRATION_LOCK = 0x5E_B0_7A  # the PostgreSQL advisory lock key held while migrating
QUEUE_SIZE = 10_000
PRUNE_EVERY = dt.timedelta(hours=1)

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


# -- the secret ----------------------------------------------------------------------------------


def load_secret(state_dir: Path) -> bytes:
    """The installation's hashing secret, created (mode 0600) on first use; OSError if it cannot be."""
    path = state_dir / SECRET_FILE
    try:
        text = path.read_text(encoding="ascii").strip()
        if len(text) >= 32:
            return bytes.fromhex(text)
    except FileNotFoundError:
        pass
    except ValueError as exc:
        raise StoreError(f"{path} is not a hex secret; delete it to make a new one") from exc
    secret = secrets.token_hex(32)
    try:  # whole or not at all (a crash mid-write must not leave a short secret), and never replaced
        with atomic_file(path, "w", encoding="ascii", permissions=0o600, exclusive=True) as handle:
            handle.write(secret + "\n")
    except FileExistsError:  # another process created it meanwhile: use theirs
        return load_secret(state_dir)
    return bytes.fromhex(secret)


def database_url(settings: Settings) -> str:
    """`SUMMIT_BOT_DATABASE_URL`, or the SQLite file under the state directory.

    A plain `postgresql://` URL is given the psycopg (3) driver, the one installed.
    """
    if settings.database_url:
        url = settings.database_url
        for plain in ("postgresql://", "postgres://"):
            if url.startswith(plain):
                return "postgresql+psycopg://" + url.removeprefix(plain)
        return url
    return f"sqlite:///{settings.state_dir / DATABASE_FILE}"


CONNECT_TIMEOUT = 5  # seconds to connect to PostgreSQL (the handshake included) or wait for a pooled connection
STATEMENT_TIMEOUT_MS = 10_000  # PostgreSQL cancels a statement running longer
READ_TIMEOUT = 20.0  # seconds a report read (/stats) may take before the asker is told to try later


def open_engine(url: str) -> Engine:
    """A SQLAlchemy engine; SQLite gets WAL, a 2 s busy timeout and foreign-key checks; PostgreSQL connect and
    statement timeouts, so a server that accepts connections but never answers cannot hold a thread forever."""
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": 2.0, "check_same_thread": False})

        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
                cursor.execute("PRAGMA busy_timeout=2000")
            finally:
                cursor.close()

        return engine
    return sa.create_engine(url, pool_pre_ping=True, pool_timeout=CONNECT_TIMEOUT, connect_args={
        "connect_timeout": CONNECT_TIMEOUT, "options": f"-c statement_timeout={STATEMENT_TIMEOUT_MS}",
        "keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 5, "keepalives_count": 3,
        "tcp_user_timeout": STATEMENT_TIMEOUT_MS,
    })


# -- the store -----------------------------------------------------------------------------------


class Store:
    """Records questions and votes in a worker thread; reads for reports and vote counts.

    `record` never raises and never blocks; `vote`/`comment` return futures the caller may await
    (`asyncio.wrap_future`) with a timeout. A disabled store (`SUMMIT_BOT_QUESTION_LOG=off`, or one
    that could not be opened) accepts every call and keeps nothing.
    """

    def __init__(self, engine: Engine | None, secret: bytes, *, retention_days: int = 90,
                 queue_size: int = QUEUE_SIZE) -> None:
        self.engine = engine
        self._secret = secret
        self.retention = dt.timedelta(days=retention_days)
        self._queue: queue.Queue[tuple[Callable[[Connection], Any], concurrent.futures.Future[Any], bool] | None] = (
            queue.Queue(maxsize=queue_size)
        )
        self._reported: set[str] = set()
        self._report_lock = threading.Lock()
        self.failures = 0  # failed operations since start (the bot's metrics read it)
        self._thread: threading.Thread | None = None
        self._last_prune: dt.datetime | None = None
        # Reads (reports, /stats) on threads of their own: a slow or stuck database never takes the
        # threads that answer questions.
        self._reads = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="question-store-read")

    # -- opening ---------------------------------------------------------------------------

    @classmethod
    def disabled(cls) -> Store:
        return cls(None, secrets.token_bytes(32))

    @classmethod
    def open(cls, settings: Settings) -> Store:
        """The store the settings describe, migrated and pruned; disabled (with one log line) if it cannot be."""
        if not settings.question_log:
            log.info("question log is off (SUMMIT_BOT_QUESTION_LOG=off): nothing is recorded")
            return cls.disabled()
        store = cls.try_open(settings)
        if store is None:
            return cls.disabled()
        return store

    @classmethod
    def try_open(cls, settings: Settings) -> Store | None:
        """The store, migrated, its worker started; None (logged) when the database cannot be reached or used now.

        Bounded: a database that does not answer is given up after `CONNECT_TIMEOUT` seconds. A new SQLite
        file is made readable by its owner only (questions are users' words).
        """
        url = database_url(settings)
        engine: Engine | None = None
        try:
            secret = load_secret(settings.state_dir)
            if url.startswith("sqlite:///"):
                _private_file(Path(url.removeprefix("sqlite:///")))
            engine = open_engine(url)
            migrate(engine)
        except (OSError, sa.exc.SQLAlchemyError, StoreError) as exc:
            log.warning("question store unavailable, answering without recording: %s", _reason(exc))
            if engine is not None:
                engine.dispose()
            return None
        store = cls(engine, secret, retention_days=settings.retention_days)
        store.start()
        return store

    @property
    def enabled(self) -> bool:
        return self.engine is not None

    def start(self) -> None:
        if self.engine is None or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._work, name="question-store", daemon=True)
        self._thread.start()
        self.submit(self._prune)

    def close(self, timeout: float = 10.0) -> None:
        """Finish the queued writes (at most `timeout` seconds), then stop the worker."""
        if self._thread is not None:
            with contextlib.suppress(queue.Full):
                self._queue.put(None, timeout=timeout)
            self._thread.join(timeout)
            self._thread = None
        self._reads.shutdown(wait=False, cancel_futures=True)
        if self.engine is not None:
            self.engine.dispose()

    # -- identities ------------------------------------------------------------------------

    def user_key(self, user_id: int) -> str:
        """The keyed hash that stands for a user in the store (stable for this installation)."""
        return hmac.new(self._secret, f"user:{user_id}".encode(), hashlib.sha256).hexdigest()[:32]

    # -- writing ---------------------------------------------------------------------------

    def submit(self, job: Callable[[Connection], T], *, writes: bool = True) -> concurrent.futures.Future[T]:
        """Run `job` in a transaction on the worker thread; the future fails with StoreError if it cannot.

        Only a job that `writes` and succeeds tells that the database took writes again after a failure.
        """
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        if self.engine is None:
            future.set_exception(StoreError("the question store is off"))
            return future
        try:
            self._queue.put_nowait((job, future, writes))
        except queue.Full:
            self._report("full", "question store queue is full (the database is too slow); dropping writes")
            future.set_exception(StoreError("the question store is busy"))
        return future

    def record(self, record: QuestionRecord) -> None:
        """Queue a question for recording; never raises, never waits."""
        if self.engine is not None:
            self.submit(lambda conn: conn.execute(sa.insert(questions).values(**record.row())))

    def vote(self, message_id: int, voter: str, value: int) -> concurrent.futures.Future[VoteResult]:
        """Set `voter`'s vote on an answer (one per person, changeable); the result with the new counts."""
        if value not in (1, -1):
            raise ValueError("a vote is +1 or -1")

        def job(conn: Connection) -> VoteResult:
            key = (votes.c.message_id == message_id) & (votes.c.voter == voter)
            previous = conn.execute(sa.select(votes.c.value).where(key)).scalar()
            if previous is None:
                conn.execute(sa.insert(votes).values(message_id=message_id, voter=voter, value=value,
                                                     voted_at=utcnow()))
            elif previous != value:
                conn.execute(sa.update(votes).where(key).values(value=value, voted_at=utcnow()))
            return VoteResult(previous, value, _counts(conn, message_id))

        return self.submit(job)

    def comment(self, message_id: int, voter: str, text: str) -> concurrent.futures.Future[None]:
        """Attach "what was wrong?" to the voter's vote on an answer (a down-vote if they had none)."""

        def job(conn: Connection) -> None:
            key = (votes.c.message_id == message_id) & (votes.c.voter == voter)
            done = conn.execute(sa.update(votes).where(key).values(comment=text)).rowcount
            if not done:
                conn.execute(sa.insert(votes).values(message_id=message_id, voter=voter, value=-1,
                                                     voted_at=utcnow(), comment=text))

        return self.submit(job)

    def flush(self, timeout: float = 10.0) -> None:
        """Wait until everything queued so far is written (or failed)."""
        if self.engine is not None:
            with contextlib.suppress(Exception):
                self.submit(lambda conn: None, writes=False).result(timeout)

    # -- reading (reports) -----------------------------------------------------------------

    def read(self, job: Callable[[Connection], T]) -> T:
        """Run a read-only query on the calling thread (for `summit-bot report`)."""
        if self.engine is None:
            raise StoreError("the question store is off")
        try:
            with self.engine.connect() as conn:
                return job(conn)
        except (sa.exc.SQLAlchemyError, OSError) as exc:
            raise StoreError(_reason(exc)) from exc

    def read_later(self, job: Callable[[Connection], T]) -> concurrent.futures.Future[T]:
        """`read` on the store's own reading threads; await it with a timeout (`READ_TIMEOUT`)."""
        return self._reads.submit(self.read, job)

    # -- the worker ------------------------------------------------------------------------

    def _work(self) -> None:
        assert self.engine is not None
        while True:
            try:
                item = self._queue.get(timeout=PRUNE_EVERY.total_seconds())
            except queue.Empty:
                item = (self._prune, concurrent.futures.Future(), True)
            if item is None:
                return
            job, future, writes = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                with self.engine.begin() as conn:
                    result = job(conn)
            except (sa.exc.SQLAlchemyError, OSError) as exc:
                self._report(_kind(exc), f"question store write failed, answers go on unrecorded: {_reason(exc)}")
                future.set_exception(StoreError(_reason(exc)))
            except Exception as exc:  # a bug in a job must not kill the worker
                log.exception("question store job failed")
                future.set_exception(exc)
            else:
                if writes:
                    self._recovered()
                future.set_result(result)
            if self._last_prune is None or utcnow() - self._last_prune > PRUNE_EVERY:
                self._prune_now()

    def _prune(self, conn: Connection) -> int:
        """Delete questions and votes older than the retention period; the number of rows deleted."""
        cutoff = utcnow() - self.retention
        self._last_prune = utcnow()
        deleted = conn.execute(sa.delete(questions).where(questions.c.asked_at < cutoff)).rowcount
        deleted += conn.execute(sa.delete(votes).where(votes.c.voted_at < cutoff)).rowcount
        if deleted:
            log.info("question store: pruned %d row(s) older than %d days", deleted, self.retention.days)
        return deleted

    def _prune_now(self) -> None:
        assert self.engine is not None
        try:
            with self.engine.begin() as conn:
                self._prune(conn)
        except (sa.exc.SQLAlchemyError, OSError) as exc:
            self._last_prune = utcnow()
            self._report(_kind(exc), f"question store prune failed: {_reason(exc)}")

    def _report(self, kind: str, message: str) -> None:
        with self._report_lock:
            self.failures += 1
            first = kind not in self._reported
            self._reported.add(kind)
        if first:
            log.warning(message)
        else:
            log.debug(message)

    def _recovered(self) -> None:
        if self._reported:
            with self._report_lock:
                kinds, self._reported = sorted(self._reported), set()
            log.warning("question store writes work again (after: %s)", ", ".join(kinds))


def _private_file(path: Path) -> None:
    """Create the SQLite file readable and writable by its owner only (SQLite gives its -wal and -shm files
    the same mode); an existing one keeps its data and loses any access by group and others."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)


def _counts(conn: Connection, message_id: int) -> VoteCounts:
    rows = conn.execute(
        sa.select(votes.c.value, sa.func.count()).where(votes.c.message_id == message_id).group_by(votes.c.value)
    ).all()
    by_value = {int(value): int(count) for value, count in rows}
    return VoteCounts(by_value.get(1, 0), by_value.get(-1, 0))


def _reason(exc: BaseException) -> str:
    if isinstance(exc, sa.exc.DBAPIError) and exc.orig is not None:
        return f"{exc.orig.__class__.__name__}: {exc.orig}"
    if isinstance(exc, OSError):
        return f"{exc.strerror or exc.__class__.__name__}: {exc.filename or ''}".rstrip(": ")
    return f"{exc.__class__.__name__}: {exc}"


def _kind(exc: BaseException) -> str:
    """A short name for the kind of failure, so each is logged once ("locked", "full", "read-only", ...)."""
    text = _reason(exc).lower()
    for kind in ("locked", "full", "readonly", "read-only", "malformed", "not a database", "disk i/o"):
        if kind in text:
            return kind
    return exc.__class__.__name__


def parse_passage_ids(raw: str) -> list[str]:
    try:
        value = json.loads(raw)
    except (TypeError, ValueError):
        return []
    return [str(x) for x in value] if isinstance(value, list) else []

