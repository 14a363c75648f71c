"""The saved passages, one JSON record a line, read a record at a time: a start maps the file, it does not
decode a million records (a question reads the few passages it cites)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import overload

import numpy as np

from bot.corpus.passages import Passage

_NEWLINE = ord("\n")


def write_passages(path: Path, passages: Sequence[Passage]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for passage in passages:
            handle.write(json.dumps(passage.to_record(), ensure_ascii=False) + "\n")


class PassageFile(Sequence[Passage]):
    """The passages of a `write_passages` file, memory-mapped (shared by every process that maps it).

    Records are decoded when asked for; the first and last are decoded on opening, so a file of
    another layout is refused then (`ValueError`, `KeyError`, `TypeError`), not at a question.
    """

    def __init__(self, path: Path) -> None:
        size = path.stat().st_size
        self._data = np.memmap(path, dtype=np.uint8, mode="r") if size else np.zeros(0, np.uint8)
        ends = _line_ends(path)
        if size and (not ends.size or ends[-1] != size - 1):  # a last record without its newline
            ends = np.append(ends, size)
        self._starts = np.concatenate([[0], ends[:-1] + 1]).astype(np.int64) if ends.size else np.zeros(0, np.int64)
        self._ends = ends.astype(np.int64)
        if len(self):
            self[0], self[-1]  # decoded to check the layout (see the class docstring)

    def __len__(self) -> int:
        return int(self._ends.shape[0])

    @overload
    def __getitem__(self, i: int) -> Passage: ...
    @overload
    def __getitem__(self, i: slice) -> list[Passage]: ...

    def __getitem__(self, i: int | slice) -> Passage | list[Passage]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if not -len(self) <= i < len(self):
            raise IndexError(f"passage {i} of {len(self)}")
        i %= len(self)
        record = json.loads(self._data[self._starts[i]:self._ends[i]].tobytes())
        return Passage.from_record(record)

    def __iter__(self) -> Iterator[Passage]:
        for i in range(len(self)):
            yield self[i]


def _line_ends(path: Path, chunk: int = 1 << 26) -> np.ndarray:
    """Where every newline of the file is, read in chunks: scanning the map instead would map the whole file into
    the process (hundreds of megabytes at a million passages) for the few records a question reads."""
    found, at = [], 0
    with path.open("rb") as handle:
        while block := handle.read(chunk):
            found.append(np.flatnonzero(np.frombuffer(block, dtype=np.uint8) == _NEWLINE) + at)
            at += len(block)
    return np.concatenate(found) if found else np.zeros(0, np.int64)
