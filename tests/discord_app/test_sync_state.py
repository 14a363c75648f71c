"""The command-sync fingerprint file: stable hashes, atomic writes, unreadable state means "sync"."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.discord_app import sync


def test_fingerprint_depends_on_commands_scope_and_application() -> None:
    commands = [{"name": "ask", "description": "d", "type": 1}]
    base = sync.fingerprint(commands, "global", 1)
    assert base == sync.fingerprint([dict(c) for c in commands], "global", 1)
    assert base != sync.fingerprint([{**commands[0], "description": "e"}], "global", 1)
    assert base != sync.fingerprint(commands, "guild 5", 1)
    assert base != sync.fingerprint(commands, "global", 2)


def test_written_fingerprint_reads_back_and_leaves_no_temp_file(tmp_path: Path) -> None:
    state = tmp_path / "new" / "state"
    assert sync.read_fingerprint(state) is None
    sync.write_fingerprint(state, "abc", "global")
    sync.write_fingerprint(state, "def", "global")
    assert sync.read_fingerprint(state) == "def"
    assert [p.name for p in state.iterdir()] == [sync.STATE_FILE]


@pytest.mark.parametrize("content", ["", "not json", "[1, 2]", '{"fingerprint": 3}'])
def test_a_damaged_state_file_means_unknown(tmp_path: Path, content: str) -> None:
    (tmp_path / sync.STATE_FILE).write_text(content, encoding="utf-8")
    assert sync.read_fingerprint(tmp_path) is None


def test_a_failed_write_keeps_the_previous_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sync.write_fingerprint(tmp_path, "old", "global")

    def broken_replace(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)  # the file system fails the final rename
    with pytest.raises(OSError):
        sync.write_fingerprint(tmp_path, "new", "global")
    assert sync.read_fingerprint(tmp_path) == "old"
    assert [p.name for p in tmp_path.iterdir()] == [sync.STATE_FILE]
