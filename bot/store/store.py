"""The store: records questions and votes through one worker thread; reads for reports and vote counts."""

from __future__ import annotations

import concurrent.futures
import contextlib
import datetime as dt
import hashlib
import hmac
import logging
import queue
import secrets
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bot.settings import Settings
from bot.store.connection import database_url, load_secret, open_engine, private_file
from bot.store.records import QuestionRecord, StoreError, VoteCounts, VoteResult, utcnow
from bot.store.schema import migrate, questions, votes

log = logging.getLogger(__name__)

T = TypeVar("T")

QUEUE_SIZE = 10_000
PRUNE_EVERY = dt.timedelta(hours=1)

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
                private_file(Path(url.removeprefix("sqlite:///")))
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
