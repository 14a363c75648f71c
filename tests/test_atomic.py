"""Atomic writes (`bot.atomic`): whole or nothing, and leftovers of killed writers swept, live writers left alone."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bot import atomic
from bot.atomic import atomic_directory, atomic_file, sweep_leftovers, write_text

ROOT = Path(__file__).resolve().parent.parent


def test_atomic_file_replaces_the_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "state.json"
    write_text(target, "old")
    write_text(target, "new")
    assert target.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json"]
    assert oct(target.stat().st_mode & 0o777) == oct(0o644)


def test_a_failed_file_write_keeps_the_old_content_and_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "state.json"
    write_text(target, "old")
    with pytest.raises(RuntimeError, match="midway"), atomic_file(target, "w", encoding="utf-8") as handle:
        handle.write("half of the new")
        raise RuntimeError("midway")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json"]


def test_atomic_directory_replaces_a_folder_and_leaves_nothing_beside_it(tmp_path: Path) -> None:
    target = tmp_path / "index"
    with atomic_directory(target) as staging:
        (staging / "a").write_text("1")
    with atomic_directory(target) as staging:
        (staging / "b").write_text("2")
    assert sorted(p.name for p in target.iterdir()) == ["b"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index"]


def test_a_failed_folder_write_keeps_the_old_folder_and_no_temp_folder(tmp_path: Path) -> None:
    target = tmp_path / "index"
    with atomic_directory(target) as staging:
        (staging / "a").write_text("1")
    with pytest.raises(RuntimeError), atomic_directory(target) as staging:
        (staging / "b").write_text("2")
        raise RuntimeError("midway")
    assert sorted(p.name for p in target.iterdir()) == ["a"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index"]


def test_a_file_where_the_folder_should_be_is_not_replaced(tmp_path: Path) -> None:
    (tmp_path / "index").write_text("someone's file")
    with pytest.raises(NotADirectoryError), atomic_directory(tmp_path / "index") as staging:
        (staging / "a").write_text("1")
    assert (tmp_path / "index").read_text() == "someone's file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index"]


def test_a_read_only_folder_inside_the_replaced_one_is_deleted_too(tmp_path: Path) -> None:
    target = tmp_path / "index"
    with atomic_directory(target) as staging:
        (staging / "sub").mkdir()
        (staging / "sub" / "f").write_text("x")
    (target / "sub").chmod(0o555)
    with atomic_directory(target) as staging:
        (staging / "new").write_text("y")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index"]


_WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from bot.atomic import atomic_directory
    with atomic_directory(Path(sys.argv[1])) as staging:
        (staging / "part").write_text("half a build")
        print("building", flush=True)
        sys.stdin.readline()  # until told to finish (or killed)
    """
)


def _writer(target: Path) -> subprocess.Popen[str]:
    process = subprocess.Popen([sys.executable, "-c", _WRITER, str(target)], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert process.stdout is not None and process.stdout.readline() == "building\n"
    return process


def test_sweep_removes_a_killed_build_and_leaves_a_running_one(tmp_path: Path) -> None:
    target = tmp_path / "index"
    killed, running = _writer(target), _writer(target)
    killed.send_signal(signal.SIGKILL)
    killed.wait(timeout=30)
    assert len(list(tmp_path.glob(".index.tmp-*"))) == 2
    removed = sweep_leftovers(tmp_path, "index", min_age=0)
    assert len(removed) == 1 and not removed[0].exists()
    assert running.communicate("\n", timeout=30) == ("", None) and running.returncode == 0
    assert (target / "part").read_text() == "half a build"  # the running build completed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index"]


def test_sweep_leaves_young_leftovers_and_names_not_of_our_pattern(tmp_path: Path) -> None:
    kept = [".index.tmp-young", "index.tmp-abc", ".index.tmp", "notes.old-1", ".other.tmp-abc"]
    for name in kept:
        (tmp_path / name).mkdir()
    assert sweep_leftovers(tmp_path, "index") == []  # the first is too young (another writer may be starting)
    assert sweep_leftovers(tmp_path, "index", min_age=0) == [tmp_path / ".index.tmp-young"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(kept[1:])


def test_the_engine_sweeps_leftovers_of_killed_builds_on_start(
    engine: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.corpus.catalog import Catalog
    from bot.provision import ensure_index, onnx_dir
    from tests.reliability.conftest import index_copy

    settings = index_copy(engine, tmp_path)  # type: ignore[arg-type]
    leftovers = [tmp_path / ".index.tmp-k1ll3d", tmp_path / ".index.old-k1ll3d",
                 tmp_path / "embedding-cache" / ".x.npz.tmp-k1ll3d",
                 onnx_dir(settings, Catalog.from_settings(settings)).parent / ".abc.tmp-k1ll3d"]
    for path in leftovers:
        path.mkdir()
        (path / "model.onnx").write_bytes(b"\0" * 1000)
    monkeypatch.setattr(atomic, "LEFTOVER_MIN_AGE", 0.0)
    try:
        ensure_index(settings, Catalog.from_settings(settings))
        assert [path for path in leftovers if path.exists()] == []
    finally:
        for path in leftovers:  # the onnx folder is the session's (linked)
            if path.exists():
                atomic.remove_tree(path)


def test_an_exclusive_write_creates_the_file_whole_once_and_never_replaces_it(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    with atomic_file(secret, "w", encoding="ascii", permissions=0o600, exclusive=True) as handle:
        handle.write("first")
    with pytest.raises(FileExistsError), atomic_file(secret, "w", encoding="ascii", exclusive=True) as handle:
        handle.write("second")
    assert secret.read_text() == "first" and secret.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["secret"]
