"""The question store: what it keeps, votes, retention and migrations on SQLite and on a real PostgreSQL
server the tests start (tests/postgres.py); several processes sharing PostgreSQL; and the faults SQLite
survives (a locked or full database, a read-only state directory, a process killed mid-write)."""

from __future__ import annotations

import datetime as dt
import logging
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.settings import Settings
from bot.store import QuestionRecord, Store, StoreError
from bot.store.connection import DATABASE_FILE, SECRET_FILE, database_url, open_engine
from bot.store.schema import SCHEMA_VERSION, current_version, migrate, questions, votes
from tests.conftest import make_settings
from tests.postgres import Cluster

BACKENDS = pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)

USER_ID = 271828182845904523


def record(store: Store, question: str = "What did Maduro propose?", **overrides: object) -> QuestionRecord:
    values: dict[str, object] = {
        "question": question, "searched_for": None, "confidence": "high", "passage_ids": ("a#p9", "a#p8"),
        "latency_ms": 12.5, "asker": store.user_key(USER_ID), "guild_id": 1, "channel_id": 2, "message_id": 3}
    values.update(overrides)
    return QuestionRecord(**values)  # type: ignore[arg-type]


def rows(store: Store, table: sa.Table) -> list[dict[str, object]]:
    return store.read(lambda conn: [dict(r._mapping) for r in conn.execute(sa.select(table))])


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """"sqlite" unless a test is parametrised with BACKENDS."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture
def config(tmp_path: Path, backend: str, request: pytest.FixtureRequest) -> Settings:
    if backend == "postgresql":
        server: Cluster = request.getfixturevalue("postgres")
        return make_settings(tmp_path, database_url=server.new_database())
    return make_settings(tmp_path)


@pytest.fixture
def store(config: Settings) -> Store:
    opened = Store.open(config)
    yield opened
    opened.close()


@BACKENDS
def test_a_question_is_recorded_with_a_keyed_hash_and_never_the_user_id(
    store: Store, config: Settings, backend: str
) -> None:
    store.record(record(store))
    store.flush()
    [row] = rows(store, questions)
    assert row["question"] == "What did Maduro propose?" and row["passage_ids"] == '["a#p9", "a#p8"]'
    assert (row["confidence"], row["latency_ms"], row["guild_id"], row["channel_id"]) == ("high", 12.5, 1, 2)
    assert row["asker"] == store.user_key(USER_ID) and str(USER_ID) not in str(row["asker"])
    secret = config.state_dir / SECRET_FILE
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert Store.open(config).user_key(USER_ID) == store.user_key(USER_ID)  # same secret: same key
    assert database_url(config).startswith("sqlite:///" if backend == "sqlite" else "postgresql+psycopg://")
    if backend != "sqlite":
        return
    database = (config.state_dir / DATABASE_FILE).read_bytes()
    assert str(USER_ID).encode() not in database
    with sqlite3.connect(config.state_dir / DATABASE_FILE) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_another_installation_hashes_the_same_user_differently(store: Store, tmp_path: Path) -> None:
    other = Store.open(make_settings(tmp_path / "other"))
    assert other.user_key(USER_ID) != store.user_key(USER_ID)
    other.close()


@BACKENDS
def test_one_vote_per_person_per_answer_that_can_be_changed(store: Store) -> None:
    alice, bob = store.user_key(1), store.user_key(2)
    first = store.vote(3, alice, 1).result(5)
    assert (first.previous, first.counts.up, first.counts.down) == (None, 1, 0)
    assert store.vote(3, bob, 1).result(5).counts.up == 2
    again = store.vote(3, alice, 1).result(5)
    assert not again.changed and again.counts.up == 2  # the same vote twice counts once
    changed = store.vote(3, alice, -1).result(5)
    assert changed.previous == 1 and (changed.counts.up, changed.counts.down) == (1, 1)
    store.comment(3, alice, "wrong leader").result(5)
    assert {r["voter"]: (r["value"], r["comment"]) for r in rows(store, votes)} == {
        alice: (-1, "wrong leader"), bob: (1, None)}


def test_question_log_off_records_nothing(tmp_path: Path) -> None:
    config = make_settings(tmp_path, question_log=False)
    store = Store.open(config)
    assert not store.enabled
    store.record(record(store))
    with pytest.raises(StoreError):
        store.vote(3, store.user_key(1), 1).result(1)
    store.close()
    assert not (config.state_dir / DATABASE_FILE).exists()


@BACKENDS
def test_rows_older_than_the_retention_period_are_pruned_on_open(config: Settings) -> None:
    store = Store.open(config)
    old = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(days=config.retention_days + 1)
    store.record(record(store, "old question", asked_at=old))
    store.record(record(store, "new question"))
    store.flush()
    store.close()
    reopened = Store.open(config)
    reopened.flush()
    assert [r["question"] for r in rows(reopened, questions)] == ["new question"]
    reopened.close()


@BACKENDS
def test_a_schema_from_the_previous_version_is_migrated_with_its_rows(config: Settings) -> None:
    config.state_dir.mkdir(parents=True)
    engine = open_engine(database_url(config))
    assert migrate(engine, target=SCHEMA_VERSION - 1) == SCHEMA_VERSION - 1
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO questions (asked_at, source, question, confidence, passage_ids, latency_ms, asker) "
            "VALUES (:at, 'slash', 'kept from v1', 'high', '[]', 1.0, 'h')"), {"at": dt.datetime(2030, 1, 1)})
        conn.execute(sa.text("INSERT INTO votes (message_id, voter, value, voted_at) VALUES (7, 'v', 1, :at)"),
                     {"at": dt.datetime(2030, 1, 1)})
    engine.dispose()
    store = Store.open(config)
    assert store.read(current_version) == SCHEMA_VERSION
    store.comment(7, "v", "now possible").result(5)
    store.record(record(store, followup_of=99))
    store.flush()
    assert [(r["question"], r["followup_of"]) for r in rows(store, questions)] == [
        ("kept from v1", None), ("What did Maduro propose?", 99)]
    assert [r["comment"] for r in rows(store, votes)] == ["now possible"]
    store.close()


def test_processes_sharing_postgresql_migrate_once_and_record_into_one_table(
    postgres: Cluster, tmp_path: Path
) -> None:
    url = postgres.new_database()
    script = textwrap.dedent("""
        import sys
        from pathlib import Path
        from bot.store import QuestionRecord, Store
        from tests.conftest import make_settings
        store = Store.open(make_settings(Path(sys.argv[1]), database_url=sys.argv[2]))
        assert store.enabled, "store disabled"
        store.record(QuestionRecord(question=sys.argv[3], searched_for=None, confidence="high", passage_ids=(),
                                    latency_ms=1.0, asker=store.user_key(1)))
        store.flush()
        store.close()
    """)
    # Four processes, one state directory (one secret, as shards on one machine share it), started together.
    state = tmp_path / "shared"
    runs = [subprocess.Popen([sys.executable, "-c", script, str(state), url, f"from process {i}"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(4)]
    for run in runs:
        _, err = run.communicate(timeout=120)
        assert run.returncode == 0, err
    store = Store.open(make_settings(state, database_url=url))
    assert store.read(current_version) == SCHEMA_VERSION
    recorded = rows(store, questions)
    assert sorted(r["question"] for r in recorded) == [f"from process {i}" for i in range(4)]
    assert {r["asker"] for r in recorded} == {store.user_key(1)}  # one secret: one key per person
    store.close()


def test_a_plain_postgresql_url_gets_the_installed_driver(tmp_path: Path) -> None:
    config = make_settings(tmp_path, database_url="postgresql://bot:pw@db:5432/summit")
    assert database_url(config) == "postgresql+psycopg://bot:pw@db:5432/summit"


def test_a_locked_database_costs_the_rows_not_the_bot_and_is_logged_once(
    store: Store, config: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    store.flush()
    locker = sqlite3.connect(config.state_dir / DATABASE_FILE, timeout=5)
    locker.execute("BEGIN EXCLUSIVE")
    with caplog.at_level(logging.DEBUG, logger="bot.store"):
        for i in range(3):
            store.record(record(store, f"lost {i}"))
        with pytest.raises(StoreError, match="locked"):
            store.vote(3, store.user_key(1), 1).result(30)
        store.flush(30)
        locker.rollback()
        locker.close()
        store.record(record(store, "after the lock"))
        store.flush()
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len([w for w in warnings if "locked" in w and "failed" in w]) == 1, warnings
    assert any("work again" in w for w in warnings), warnings
    assert [r["question"] for r in rows(store, questions)] == ["after the lock"]


def test_a_full_database_costs_the_rows_not_the_bot(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'tiny.sqlite3'}")
    migrate(engine)

    @sa.event.listens_for(engine, "connect")
    def _tiny(dbapi_connection: object, _record: object) -> None:
        dbapi_connection.execute("PRAGMA max_page_count=12")  # type: ignore[attr-defined]

    engine.dispose()
    store = Store(engine, b"k" * 32)
    store.start()
    with caplog.at_level(logging.WARNING, logger="bot.store"):
        for i in range(200):
            store.record(record(store, f"question {i} " + "x" * 400))
        store.flush(30)
    full = [r for r in caplog.records if "full" in r.getMessage() and "failed" in r.getMessage()]
    assert len(full) == 1, [r.getMessage() for r in caplog.records]
    kept = len(rows(store, questions))
    assert 0 < kept < 200
    store.close()


def test_a_read_only_state_directory_disables_recording_with_one_clear_line(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    os.chmod(tmp_path, 0o755)
    state.chmod(0o555)  # read-only for everyone but root: the check runs as an unprivileged user if we are root
    script = textwrap.dedent(f"""
        import logging, sys
        logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(levelname)s %(message)s")
        from bot.store import Store
        from tests.conftest import make_settings
        store = Store.open(make_settings(__import__("pathlib").Path({str(tmp_path)!r}), state_dir={str(state)!r}))
        print("enabled", store.enabled)
    """)
    command = [sys.executable, "-c", script]
    if os.geteuid() == 0:
        command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=Path.cwd(),
                            env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)})
    assert result.returncode == 0, result.stderr
    assert "enabled False" in result.stdout
    assert result.stdout.count("question store unavailable") == 1, result.stdout
    assert "Permission denied" in result.stdout or "permission" in result.stdout.lower(), result.stdout


WRITER = """
import sys, time
from pathlib import Path
from bot.store import QuestionRecord, Store
from tests.conftest import make_settings
store = Store.open(make_settings(Path(sys.argv[1])))
i = 0
while True:
    store.record(QuestionRecord(f"question {i}", None, "high", ("a#p1",), 1.0, store.user_key(i)))
    i += 1
    if i % 50 == 0:
        store.flush()
        print(i, flush=True)
"""


def test_a_bot_killed_mid_write_leaves_a_sound_database(tmp_path: Path) -> None:
    process = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path)], stdout=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)})
    assert process.stdout is not None
    flushed = 0
    deadline = time.monotonic() + 60
    while flushed < 300 and time.monotonic() < deadline:
        flushed = int(process.stdout.readline() or 0)
    process.send_signal(signal.SIGKILL)  # in the middle of writing: the loop never stops queueing
    process.wait(10)
    assert flushed >= 300
    path = tmp_path / "state" / DATABASE_FILE
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        ids = [row[0] for row in conn.execute("SELECT id FROM questions ORDER BY id")]
        texts = [row[0] for row in conn.execute("SELECT question FROM questions ORDER BY id")]
    assert len(ids) >= flushed and ids == list(range(1, len(ids) + 1))  # every flushed row, no gap, no torn row
    assert texts == [f"question {i}" for i in range(len(ids))]
    store = Store.open(make_settings(tmp_path))  # and it opens and takes writes again
    store.record(QuestionRecord("after the crash", None, "none", (), 1.0, "h"))
    store.flush()
    assert rows(store, questions)[-1]["question"] == "after the crash"
    store.close()


def test_a_new_sqlite_store_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    config = make_settings(tmp_path)
    store = Store.open(config)
    try:
        store.record(record(store))
        store.flush()
    finally:
        store.close()
    database = config.state_dir / DATABASE_FILE
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    for sidecar in database.parent.glob(f"{DATABASE_FILE}-*"):  # -wal and -shm, while they exist
        assert stat.S_IMODE(sidecar.stat().st_mode) & 0o077 == 0, sidecar


def test_a_database_server_that_accepts_connections_but_never_answers_is_given_up(tmp_path: Path) -> None:
    """The probe: a listener that takes the connection and says nothing. Opening gives up (connect timeout)
    instead of hanging; the caller gets None and answers go on unrecorded."""
    import socket
    import threading

    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])  # held open, never answered
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        port = listener.getsockname()[1]
        config = make_settings(tmp_path, database_url=f"postgresql://bot@127.0.0.1:{port}/questions")
        assert Store.try_open(config) is None
        assert accepted  # it did reach the silent server, and gave up on it
    finally:
        stop.set()
        thread.join(5)
        for conn in accepted:
            conn.close()
        listener.close()
