"""Shared fixtures: real settings pointing at temp dirs, and one real engine (real model, real index)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from bot.answering.engine import Engine
from bot.index.embeddings import Embedder
from bot.settings import PROJECT_ROOT, Settings
from tests.postgres import Cluster, cluster, server_bin

# Property tests in CI are reproducible: the same examples on every run (derandomize), nothing
# carried over from a local example database. Locally they keep exploring new examples.
hypothesis_settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
    hypothesis_settings.load_profile("ci")

CORPUS_DIR = PROJECT_ROOT / "corpus"
SLUG = "alba-summit-2025-02-06"


def make_settings(root: Path, **overrides: object) -> Settings:
    """Settings isolated from the developer's `.env` and cache, rooted at `root`."""
    values: dict[str, object] = {
        "corpus_dir": CORPUS_DIR, "index_dir": root / "index", "state_dir": root / "state",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return make_settings(tmp_path_factory.mktemp("summit"))


@pytest.fixture(scope="session")
def engine(settings: Settings) -> Engine:
    """The real engine over the project corpus: built once per test session, model loaded."""
    built = Engine.open(settings)
    built.warm_up()
    return built


@pytest.fixture(scope="session")
def embedder(engine: Engine) -> Embedder:
    """The real sentence-transformers model, loaded once and shared (building indexes in tests)."""
    return engine.embedder()


@pytest.fixture(scope="session")
def postgres() -> Iterator[Cluster]:
    """A real PostgreSQL server for this test session (tests/postgres.py); started on first use.

    Its folder is made outside pytest's temp root, which only root may enter (the server runs as
    the `postgres` user when the tests run as root).
    """
    if server_bin() is None:
        if os.environ.get("CI"):
            raise RuntimeError("PostgreSQL is not installed: .ci/run installs Debian's postgresql")
        pytest.skip("PostgreSQL server binaries not installed (apt-get install postgresql)")
    root = Path(tempfile.mkdtemp(prefix="summit-bot-postgres-"))
    try:
        with cluster(root) as server:
            yield server
    finally:
        shutil.rmtree(root, ignore_errors=True)
