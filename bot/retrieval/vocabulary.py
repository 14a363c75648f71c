"""The corpus's own words: which of a question's words it uses, and which names it never mentions.

Accents and case are folded ("Guantánamo" = "guantanamo"); a word's parts count ("Díaz-Canel"), and
for Spanish a five-letter stem shared with a corpus word counts as shared ("migrantes" ~ "migrants").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from bot.text import contains_words, fold, tokenize, whole_words


def _forms(word: str) -> list[str]:
    """A folded word without a possessive or trailing dot, and its parts ("díaz-canel" → "diaz", "canel")."""
    base = re.sub(r"['’]s$", "", fold(word).rstrip("."))
    return [base, *(part for part in re.split(r"[-.'’]", base) if part)]


@dataclass(frozen=True)
class CorpusWords:
    """Every word form of the corpus (accents and case folded), and their five-letter stems."""

    words: frozenset[str]
    stems: frozenset[str]

    def __contains__(self, word: object) -> bool:
        return word in self.words

    @classmethod
    def of(cls, words: frozenset[str]) -> CorpusWords:
        """`words` (folded forms) with their stems."""
        return cls(words, frozenset(word[:5] for word in words if len(word) >= 5))


def known_words(text: str) -> CorpusWords:
    """The word forms of `text`, for `unknown_names` and `unknown_words`; built once per index."""
    return CorpusWords.of(frozenset(form for word in set(tokenize(text)) for form in _forms(word)))


def unknown_names(question: str, known: CorpusWords) -> list[str]:
    """Capitalised words (not the first word), acronyms and numbers of the question that the corpus never uses.

    `known` comes from `known_words(corpus text)`: accents and case are ignored ("Guantánamo" is known).
    """
    words = tokenize(question)
    found = []
    for i, word in enumerate(words):
        is_name = (word[:1].isupper() and i > 0) or word.isdigit() or word.isupper()
        if not is_name or len(word) < 3:  # "I", "PM", "US", "2": too short to name anything distinctive
            continue
        base, *parts = _forms(word)
        if base and base not in known and not (parts and all(part in known for part in parts)):
            found.append(word)
    return found




def unknown_words(question: str, known: CorpusWords, *, spanish: bool) -> tuple[list[str], int]:
    """The question's words of three letters or more that the corpus never uses, and how many such words it has.

    A Spanish word sharing a five-letter stem with a corpus word is not unknown ("deportaciones").
    """
    words = [w for w in tokenize(question) if len(w) > 2]
    unknown = []
    for word in words:
        base, *parts = _forms(word)
        if base in known or (parts and all(part in known for part in parts)):
            continue
        if spanish and len(base) >= 5 and base[:5] in known.stems:
            continue
        unknown.append(word)
    return unknown, len(words)


class PlaceNames:
    """Countries and territories (English and Spanish names, from Babel's CLDR data) the corpus never mentions.

    A question about one of them ("what did honduras say?") asks about something the corpus does not
    cover, whatever its case: people write names in lower case. Built from the names the corpus does
    use (`used_in`, found once with the index and saved in it).
    """

    def __init__(self, used: Iterable[str]) -> None:
        foreign = sorted(territory_names() - set(used), key=len, reverse=True)
        self._pattern = whole_words(foreign) if foreign else None

    @staticmethod
    def used_in(corpus_text: str, known: CorpusWords) -> list[str]:
        """The territory names `corpus_text` uses (folded), sorted."""
        # Only a name all of whose words the corpus uses can occur in it; only those (a few) are looked for
        # in the text, so a large corpus costs one look-up per name, not one pass over it per name.
        candidates = [n for n in territory_names() if all(w in known for w in re.findall(r"\w+", n))]
        folded = fold(corpus_text) if candidates else ""
        return sorted(n for n in candidates if contains_words(folded, n))

    def in_text(self, text: str) -> list[str]:
        return self._pattern.findall(fold(text)) if self._pattern is not None else []


@cache
def territory_names() -> frozenset[str]:
    """Every country's and territory's name in English and Spanish (folded), from Babel's CLDR data."""
    from babel import Locale

    return frozenset(fold(name) for language in ("en", "es")
                     for code, name in Locale(language).territories.items() if len(code) == 2 and code.isalpha())
