"""How common words are in general English, so rare words can count for more than "get" or "thing".

The table comes from `wordfreq` (Zipf scale: 7 is "the", 3 is once per million words, 0 unknown). It
is taken once, at index time, and saved with the index: looking words up through wordfreq itself
costs about 0.15 s per language on every cold start.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np

WORDS_FILE = "english_words.txt"  # one word per line
ZIPF_FILE = "english_zipf.npy"  # uint16, Zipf × 100, in the same order
DEFAULT_WORDS = 80_000  # down to Zipf ≈ 2: rarer words are treated as unseen, which is what they are here


class WordFrequencies:
    """Zipf frequency of lower-case English words; 0.0 for a word not in the table."""

    def __init__(self, zipf: dict[str, float]) -> None:
        self._zipf = zipf

    def __len__(self) -> int:
        return len(self._zipf)

    def __contains__(self, word: object) -> bool:
        return word in self._zipf

    def zipf(self, word: str) -> float:
        return self._zipf.get(word.lower(), 0.0)

    def words(self) -> Iterable[str]:
        return self._zipf.keys()

    @classmethod
    def build(cls, words: int = DEFAULT_WORDS) -> WordFrequencies:
        """The `words` most frequent English words and their Zipf frequencies, from wordfreq."""
        from wordfreq import top_n_list, zipf_frequency

        return cls({word: zipf_frequency(word, "en") for word in top_n_list("en", words) if word.isalpha()})

    def save(self, directory: Path) -> None:
        """Write the table into `directory` (words as text, frequencies as a small array: fast to load)."""
        (directory / WORDS_FILE).write_text("\n".join(self._zipf), encoding="utf-8")
        np.save(directory / ZIPF_FILE, np.round(np.fromiter(self._zipf.values(), np.float64) * 100).astype(np.uint16))

    @classmethod
    def load(cls, directory: Path) -> WordFrequencies:
        """Read a saved table (raises OSError/ValueError when it is missing or damaged)."""
        words = (directory / WORDS_FILE).read_text(encoding="utf-8").split("\n")
        zipf = np.load(directory / ZIPF_FILE, allow_pickle=False)
        if zipf.dtype != np.uint16 or zipf.shape != (len(words),):
            raise ValueError(f"{directory}: {len(words)} words but frequencies of shape {zipf.shape}")
        return cls(dict(zip(words, (zipf / 100).tolist(), strict=True)))

    @staticmethod
    def saved_in(directory: Path) -> bool:
        return (directory / WORDS_FILE).is_file()
