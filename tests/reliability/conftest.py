"""Reliability tests: each starts its own fake Discord and bot (see `load.serving`), so that it measures
its own connection, heartbeats and requests; tests that damage or rebuild an index get a private copy."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.answering.engine import Engine
from bot.settings import Settings
from tests.conftest import make_settings

from .load import Report

USERS, ASKS, MENTIONS = 20, 60, 20  # the CI load (bench/discord_load.py runs 200 from 50 users)
WINDOW = 0.6  # 100 questions a second, the rate of 200 in 2 s


def assert_healthy(report: Report, settings: Settings, *, resumes: int = 0) -> None:
    """Nothing lost, late or doubled; the session never dropped; at most the cap ran at once.

    Counted in events, not milliseconds of a busy machine: acknowledgements past Discord's 3 s deadline, and
    sessions the gateway dropped for missing heartbeats (the fake, like Discord, closes a connection that
    stays silent too long: the bot would resume or identify again). Loop lag, heartbeat gaps and skipped
    beats are in the figures, for reading."""
    figures = report.figures()
    assert report.acked == report.asks and report.late_acks == 0, figures
    assert report.answered == report.asks + report.mentions and report.lost == 0, (figures, report.lost_ids)
    assert report.duplicated == 0, figures
    assert report.identifies == 0 and report.resumes == resumes, figures  # never a new session
    assert 1 <= report.peak_answers <= settings.max_concurrent_answers, figures
    assert report.heartbeats >= 2, figures


def bot_settings(settings: Settings, root: Path, **overrides: object) -> Settings:
    """The session's index, fresh state under `root`, no channel restriction, plus `overrides`."""
    return make_settings(root, index_dir=settings.index_dir, **overrides)


def index_copy(engine: Engine, root: Path, **overrides: object) -> Settings:
    """Settings over a private copy of the (session) engine's index and embedding cache (so no model is
    needed to rebuild it); the ONNX export is linked, not copied."""
    shared = engine.settings.index_dir.parent
    shutil.copytree(engine.settings.index_dir, root / "index")
    shutil.copytree(shared / "embedding-cache", root / "embedding-cache")
    (root / "onnx").symlink_to(shared / "onnx", target_is_directory=True)
    return make_settings(root, **overrides)


@pytest.fixture
def private_index(engine: Engine, tmp_path: Path) -> Settings:
    """Settings over a private copy of the index, in `tmp_path`."""
    return index_copy(engine, tmp_path)


@pytest.fixture
def restored_logging() -> Iterator[None]:
    """Undo what `run_bot`'s logging set-up changes: the bot and discord logger levels, the root's filters."""
    loggers = [logging.getLogger(name) for name in ("bot", "discord")]
    levels = [logger.level for logger in loggers]
    root = logging.getLogger()
    filters = {handler: list(handler.filters) for handler in root.handlers}
    yield
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)
    for handler, kept in filters.items():
        handler.filters[:] = kept
