"""Reaching the database: its URL, an engine with its timeouts, the SQLite file's mode, and the installation's
hashing secret."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.atomic import atomic_file
from bot.settings import Settings
from bot.store.records import StoreError

SECRET_FILE = "store-secret"
DATABASE_FILE = "questions.sqlite3"

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


def private_file(path: Path) -> None:
    """Create the SQLite file readable and writable by its owner only (SQLite gives its -wal and -shm files
    the same mode); an existing one keeps its data and loses any access by group and others."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)
