"""Cleaning and checking a user's question before it reaches the model."""

from __future__ import annotations

import re
import unicodedata


class QuestionError(ValueError):
    """A question that cannot be answered as given; the message is safe to show the user."""


# Zero-width and bidirectional controls: invisible, and they only confuse tokenisation.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                               "\u2066\u2067\u2068\u2069"), None)


def clean_question(text: str, *, max_chars: int) -> str:
    """The question with control and invisible characters removed and white space collapsed.

    Raises `QuestionError` when nothing is left or the question is longer than `max_chars`.
    """
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Cs", "Co", "Zl", "Zp") else ch for ch in text)
    text = re.sub(r"\s+", " ", text).strip()
    if not text or not any(ch.isalnum() for ch in text):
        raise QuestionError("Please ask a question in words, for example: What did Maduro propose?")
    if len(text) > max_chars:
        raise QuestionError(f"That question is {len(text)} characters long; please keep it under {max_chars}.")
    return text
