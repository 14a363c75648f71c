"""Typo repair ("propsed" → "proposed", "skeritt" → "Skerrit", "artcle" → "article").

Only a word that is neither in the corpus nor an English word is touched, and only when a corpus
word or a common English word is within one edit (two for words of seven letters or more; a swap
of neighbours counts as one). The corpus's own words win ties. A misspelt word otherwise counts
as a word the corpus never uses, which both misses the passage and makes an answerable question
look off-topic.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping

from bot.index.wordfreqs import WordFrequencies
from bot.text import LETTERS_RE, fold, letter_runs

MIN_WORD = 4  # shorter words are left as they are: too many words are one edit from them
MAX_VOCABULARY = 50_000  # the most frequent corpus words kept for repair; bounds memory on huge corpora
MAX_WORD = 30  # longer "words" are not typos of anything, and their deletions would cost O(length²)
ENGLISH_ZIPF = 3.5  # English words at least this common are repair targets too (about 25,000 words)


def edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein distance (adjacent swaps count one), or `limit + 1` once it is exceeded."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))}


class _Neighbours:
    """Words indexed under themselves and their one-letter deletions: words within two edits share a key."""

    def __init__(self, words: Iterable[str]) -> None:
        self._keys: dict[str, list[str]] = {}
        for word in words:
            for key in _deletes(word) | {word}:
                self._keys.setdefault(key, []).append(word)

    def near(self, word: str, limit: int) -> list[tuple[int, str]]:
        candidates = {c for key in _deletes(word) | {word} for c in self._keys.get(key, ())}
        scored = [(edit_distance(word, c, limit), c) for c in candidates]
        return [(d, c) for d, c in scored if d <= limit]


def word_counts(texts: Iterable[str]) -> dict[str, int]:
    """How often `texts` use each word of four letters or more (folded): the `MAX_VOCABULARY` most frequent, the
    repair's corpus words. Counted as written, then folded once per distinct word (a large corpus's cost)."""
    written = Counter(w for text in texts for w in letter_runs(text, MIN_WORD))
    counts: Counter[str] = Counter()
    for word, n in written.items():  # in first-seen order, as folding every word would count them
        counts[fold(word)] += n
    return dict(counts.most_common(MAX_VOCABULARY))


class Speller:
    """Repairs misspelt words of a question (see the module docstring)."""

    def __init__(self, counts: Mapping[str, int], english: WordFrequencies) -> None:
        self._counts = dict(counts)  # folded corpus word -> how often the corpus uses it (`word_counts`)
        self._corpus = _Neighbours(self._counts)
        self._english = english
        self._english_neighbours: _Neighbours | None = None  # built on the first typo: most questions have none

    def prepare(self) -> _Neighbours:
        """Index the common English words (~0.2 s of pure Python, so a server does it before traffic)."""
        if self._english_neighbours is None:
            self._english_neighbours = _Neighbours(
                w for w in self._english.words() if len(w) >= 4 and self._english.zipf(w) >= ENGLISH_ZIPF
            )
        return self._english_neighbours

    @classmethod
    def from_texts(cls, texts: Iterable[str], english: WordFrequencies) -> Speller:
        return cls(word_counts(texts), english)

    def suggestion(self, word: str, *, english: bool = True) -> str | None:
        """The word `word` is a typo of, or None when it is fine or nothing is close enough.

        With `english=False` only corpus words are candidates: a capitalised word inside a sentence
        is more likely a name the corpus lacks ("Milei") than a typo of a common word ("Miles").
        """
        folded = fold(word)
        if not 4 <= len(folded) <= MAX_WORD or folded in self._counts or folded in self._english:
            return None
        limit = 1 if len(folded) < 7 else 2
        ranked: list[tuple[int, int, float, str]] = [(d, 0, -self._counts[c], c)
                                                     for d, c in self._corpus.near(folded, limit)]
        if english:
            ranked += [(d, 1, -self._english.zipf(c), c) for d, c in self.prepare().near(folded, limit)]
        return min(ranked)[3] if ranked else None

    def correct(self, text: str) -> str:
        """`text` with each misspelt word replaced (an upper-case first letter is kept)."""

        def repair(match: re.Match[str]) -> str:
            word = match.group(0)
            if len(word) < MIN_WORD:
                return word
            inside = bool(text[: match.start()].strip(" \t¿¡\"'“‘("))
            fixed = self.suggestion(word, english=not (inside and word[:1].isupper()))
            if fixed is None:
                return word
            return fixed[:1].upper() + fixed[1:] if word[:1].isupper() else fixed

        return LETTERS_RE.sub(repair, text)
