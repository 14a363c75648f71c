"""How common words are in general English and Spanish: ordinary words say little about a question's topic.

The tables come from `wordfreq` (Zipf scale: 7 is "the", 3 is once per million words, 0 unknown). They
are taken once, at index time, and saved with the index: looking words up through wordfreq itself
costs about 0.15 s per language on every cold start.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

import numpy as np

Language = Literal["en", "es"]
LANGUAGES: tuple[Language, ...] = ("en", "es")
_FILES = {"en": "english", "es": "spanish"}  # <name>_words.txt: one word per line; <name>_zipf.npy: uint16 Zipf × 100
DEFAULT_WORDS = 80_000  # down to Zipf ≈ 2: rarer words are treated as unseen, which is what they are here


class WordFrequencies:
    """Zipf frequency of lower-case words per language; 0.0 for a word not in the table."""

    def __init__(self, zipf: dict[str, float], spanish: dict[str, float] | None = None) -> None:
        self._tables: dict[str, dict[str, float]] = {"en": zipf, "es": spanish or {}}

    def __len__(self) -> int:
        return len(self._tables["en"])

    def __contains__(self, word: object) -> bool:
        return word in self._tables["en"]

    def zipf(self, word: str, language: Language = "en") -> float:
        return self._tables[language].get(word.lower(), 0.0)

    def words(self, language: Language = "en") -> Iterable[str]:
        return self._tables[language].keys()

    @classmethod
    def build(cls, words: int = DEFAULT_WORDS) -> WordFrequencies:
        """The `words` most frequent words of each language and their Zipf frequencies, from wordfreq.

        Read from wordfreq's frequency table in one go (what `zipf_frequency` gives for these words,
        rounded the same way): ~0.7 s a language, against ~4 s a word at a time.
        """
        from wordfreq import get_frequency_dict, top_n_list

        tables = []
        for language in LANGUAGES:
            frequency = get_frequency_dict(language)
            tables.append({w: round(math.log10(frequency[w]) + 9, 2) for w in top_n_list(language, words)
                           if w.isalpha() and frequency.get(w, 0) > 0})
        return cls(*tables)

    def save(self, directory: Path) -> None:
        """Write the tables into `directory` (words as text, frequencies as a small array: fast to load)."""
        for language, name in _FILES.items():
            table = self._tables[language]
            (directory / f"{name}_words.txt").write_text("\n".join(table), encoding="utf-8")
            values = np.fromiter(table.values(), np.float64, count=len(table))
            np.save(directory / f"{name}_zipf.npy", np.round(values * 100).astype(np.uint16))

    @classmethod
    def load(cls, directory: Path) -> WordFrequencies:
        """Read saved tables (raises OSError/ValueError when one is missing or damaged)."""
        tables = []
        for name in _FILES.values():
            words = (directory / f"{name}_words.txt").read_text(encoding="utf-8").split("\n")
            zipf = np.load(directory / f"{name}_zipf.npy", allow_pickle=False)
            if zipf.dtype != np.uint16 or zipf.shape != (len(words),):
                raise ValueError(f"{directory}: {len(words)} {name} words but frequencies of shape {zipf.shape}")
            tables.append(dict(zip(words, (zipf / 100).tolist(), strict=True)))
        return cls(*tables)

    @staticmethod
    def saved_in(directory: Path) -> bool:
        return all((directory / f"{name}_words.txt").is_file() for name in _FILES.values())
