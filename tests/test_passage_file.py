"""The saved passages read a record at a time: the same passages, in order, however they are asked for."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.corpus.passages import Passage
from bot.index.passage_file import PassageFile, write_passages

PASSAGES = [
    Passage("a#meta", "a", "Title: Á\nAuthor: “B”", None, None, kind="metadata"),
    Passage("a#p1", "a", "Díaz-Canel said {\"x\"}: ¿qué?", "Heading", 1),
    Passage("a#p2.2", "a", "Second part.\u2028odd separator", "Heading", 2, part=2),
]


def test_a_saved_file_gives_back_every_passage_in_order(tmp_path: Path) -> None:
    write_passages(tmp_path / "p.jsonl", PASSAGES)
    saved = PassageFile(tmp_path / "p.jsonl")
    assert len(saved) == 3
    assert list(saved) == PASSAGES
    assert saved[-1] == PASSAGES[-1]
    assert saved[1:] == PASSAGES[1:]
    assert PASSAGES[1] in saved
    with pytest.raises(IndexError):
        saved[3]


def test_an_empty_file_holds_no_passages(tmp_path: Path) -> None:
    write_passages(tmp_path / "p.jsonl", [])
    assert list(PassageFile(tmp_path / "p.jsonl")) == []


def test_a_file_of_another_layout_is_refused_on_opening(tmp_path: Path) -> None:
    (tmp_path / "p.jsonl").write_text('{"id": "a"}\n', encoding="utf-8")
    with pytest.raises(TypeError):
        PassageFile(tmp_path / "p.jsonl")
