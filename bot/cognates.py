"""Spanish words to the English corpus words they are cognates of ("migrantes" → "migrants").

Spanish and English share many Latin roots: "reintegración"/"reintegration", "deportados"/
"deportations", "extraordinaria"/"extraordinary". A Spanish question's BM25 query gains, for each
word of six letters or more, the corpus words that begin with the same six letters, keeping only
those closest to it (longest common beginning). Measured on the dev set's Spanish slice: R@3
0.900 → 1.000 (eval/README.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.corpus import fold

PREFIX = 6
_WORD_RE = re.compile(rf"[^\W\d_]{{{PREFIX},}}")


class Cognates:
    """The corpus words indexed by their first `PREFIX` letters (accents and case folded)."""

    def __init__(self, corpus_words: Iterable[str]) -> None:
        self._by_prefix: dict[str, set[str]] = {}
        for word in corpus_words:
            if len(word) >= PREFIX and word.isalpha():
                self._by_prefix.setdefault(word[:PREFIX], set()).add(word)

    def of(self, text: str) -> list[str]:
        """For each long word of `text`, the corpus words it most resembles (none when no word shares its start)."""
        found: list[str] = []
        for word in _WORD_RE.findall(text):
            folded = fold(word)
            candidates = self._by_prefix.get(folded[:PREFIX])
            if not candidates:
                continue
            shared = {c: _common_start(c, folded) for c in candidates}
            best = max(shared.values())
            found += sorted(c for c, n in shared.items() if n == best)
        return found


def _common_start(a: str, b: str) -> int:
    """How many leading letters `a` and `b` share."""
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n
