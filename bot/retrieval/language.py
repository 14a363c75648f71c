"""Everything Spanish about a question: which language it is in, and the English corpus words it shares.

**Which language.** English or Spanish (the two the bot is asked in).

A question is Spanish when its words are, on the whole, more common in Spanish than in English
(summed Zipf frequencies, from the tables saved with the index). On the project's 567 labelled
questions this misjudged none; the marker-word rule it replaced misjudged 15, most of them short
Spanish questions without accents ("como termina el articulo"). Without frequency tables (an index
built without its lexical part) the marker-word rule is the fallback.

**Cognates.** Spanish words to the English corpus words they are cognates of ("migrantes" → "migrants").

Spanish and English share many Latin roots: "reintegración"/"reintegration", "deportados"/
"deportations", "extraordinaria"/"extraordinary". A Spanish question's BM25 query gains, for each
word of six letters or more, the corpus words that begin with the same six letters, keeping only
those closest to it (longest common beginning). Measured on the dev set's Spanish slice: R@3
0.900 → 1.000 (eval/README.md).

Translation (Apertium) lives in `bot.retrieval.translate`: a process, not a rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.index.wordfreqs import Language, WordFrequencies
from bot.text import fold, letter_runs

# Spanish function words and marks: the fallback counts a question with two or more as Spanish.
_SPANISH_MARKERS = re.compile(
    r"[¿¡ñ]|\b(?:qué|que|quién|quien|cómo|cuál|cual|cuándo|cuando|dónde|por qué|los|las|del|una|sobre|dijo|fue|"
    r"para|según|cuánto|cuántos|cuántas|es|el|la|de|en|se)\b",
    re.IGNORECASE,
)


def question_language(text: str, frequencies: WordFrequencies | None = None) -> Language:
    """"es" when `text` reads as Spanish, else "en"."""
    if frequencies is None:
        return "es" if len(_SPANISH_MARKERS.findall(text)) >= 2 else "en"
    words = [w.lower() for w in letter_runs(text)]
    lean = sum(frequencies.zipf(w, "es") - frequencies.zipf(w, "en") for w in words)
    return "es" if lean > 0 else "en"


def looks_spanish(text: str, frequencies: WordFrequencies | None = None) -> bool:
    return question_language(text, frequencies) == "es"


# -- cognates -------------------------------------------------------------------------------------

PREFIX = 6


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
        for word in letter_runs(text, PREFIX):
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
