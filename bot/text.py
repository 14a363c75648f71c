"""Text as every step reads it: one folding, one word tokenizer, and one way to find words and names in text.

BM25 keeps its own tokenizer (`bot.index.lexical`): it must split as bm25s did when the index was built.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable

# A word: a letter or digit, then letters, digits, apostrophes and hyphens ("Díaz-Canel’s", "ALBA-TCP", "2025").
WORD_RE = re.compile(r"[^\W_][\w'’-]*")
# A run of letters: words without their digits, apostrophes or hyphens ("Díaz", "Canel", "s").
LETTERS_RE = re.compile(r"[^\W\d_]+")


def fold(text: str) -> str:
    """Case- and accent-insensitive form of `text` (for matching names, not for display)."""
    if text.isascii():  # nothing to decompose or strip: the common case, at C speed
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(itertools.filterfalse(unicodedata.combining, decomposed))
    return stripped.replace("’", "'").casefold()


def tokenize(text: str) -> list[str]:
    """The words of `text`, as written (`WORD_RE`)."""
    return WORD_RE.findall(text)


def letter_runs(text: str, min_length: int = 1) -> list[str]:
    """The runs of letters of `text` that are at least `min_length` long, as written."""
    runs = LETTERS_RE.findall(text)
    return runs if min_length <= 1 else [run for run in runs if len(run) >= min_length]


def whole_words(phrases: Iterable[str]) -> re.Pattern[str]:
    """A pattern finding any of `phrases` as whole words: not inside a longer word ("Arce", not "Marcel")."""
    return re.compile(rf"(?<!\w)(?:{'|'.join(map(re.escape, phrases))})(?!\w)")


def contains_words(haystack: str, phrase: str) -> bool:
    """Whether `phrase` occurs in `haystack` as whole words."""
    return whole_words([phrase]).search(haystack) is not None
