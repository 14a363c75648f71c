"""How common words are in general English, so rare words can count for more than "get" or "thing".

The table comes from `wordfreq` (Zipf scale: 7 is "the", 3 is once per million words, 0 unknown). It
is taken once, at index time, and saved with the index: looking words up through wordfreq itself
costs about 0.15 s per language on every cold start.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

FREQUENCIES_FILE = "english_frequencies.json"
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

        table = {}
        for word in top_n_list("en", words):
            if word.isalpha():
                table[word] = round(zipf_frequency(word, "en"), 2)
        return cls(table)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self._zipf, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> WordFrequencies:
        """Read a saved table (raises OSError/ValueError when it is missing or damaged)."""
        raw = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(raw, dict) or not all(isinstance(v, (int, float)) for v in raw.values()):
            raise ValueError(f"{path} is not a word frequency table")
        return cls({str(k): float(v) for k, v in raw.items()})
