"""Cleaning and checking a user's question before it reaches the model."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from bot.i18n import N_, Texts, texts
from bot.index.wordfreqs import Language
from bot.text import fold, letter_runs
from bot.words import EN_GREETINGS, ES_GREETINGS

EMPTY = N_("Please ask a question in words, for example: {example}")
TOO_LONG = N_("That question is {length} characters long; please keep it to at most {limit}.")
EXAMPLE = N_("What did Maduro propose?")


class QuestionError(ValueError):
    """A question that cannot be answered as given; `str()` is the English message, safe to show the user.

    `message(t)` gives it in another language: the message is kept as a catalog entry and its values.
    """

    def __init__(self, template: str, **values: object) -> None:
        self.template = template
        self.values = values
        super().__init__(self.message(texts("en")))

    def message(self, t: Texts) -> str:
        """The message in the language of `t`."""
        extra = {"example": t._(EXAMPLE)} if "{example}" in self.template else {}
        return t._(self.template, **self.values, **extra)


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
        raise QuestionError(EMPTY)
    if len(text) > max_chars:
        raise QuestionError(TOO_LONG, length=len(text), limit=max_chars)
    return text


@dataclass(frozen=True)
class Question:
    """A question checked once (`Engine.check`): cleaned, within the length limit, and the language it is asked in.

    The faces check a question before they defer (so that an error can be private) and hand the engine this
    value, which it answers as it is: nothing is cleaned, checked or detected twice.
    """

    text: str
    language: Language


# Words that only greet or thank (English and Spanish, accents folded): a message made of nothing else is not a
# question, and gets the help a bare mention gets rather than a refusal.
GREETINGS = EN_GREETINGS | ES_GREETINGS


def is_greeting(text: str) -> bool:
    """Whether `text` only greets or thanks ("hola", "hi there!", "buenas tardes", "¿qué tal?")."""
    folded = fold(text)
    words = letter_runs(folded)
    return bool(words) and len(words) <= 5 and all(word in GREETINGS for word in words) and not any(
        ch.isdigit() for ch in folded)


# Words that make a question about people (who attended, spoke, said; their offices), English and Spanish, accents
# folded: a refusal of such a question that names someone the coverage never mentions lists the leaders it quotes.
PERSON_CUES = frozenset({
    "who", "whom", "whose", "attend", "attended", "attending", "spoke", "speak", "speaks", "said", "say", "says",
    "president", "presidents", "minister", "ministers", "leader", "leaders", "participate", "participated",
    "quien", "quienes", "asistio", "asistieron", "hablo", "hablaron", "dijo", "dijeron", "intervino",
    "intervinieron", "participo", "participaron", "presidente", "presidenta", "ministro", "ministra", "lider",
    "lideres", "mandatario", "mandatarios",
})


def asks_about_people(question: str, unmentioned: Sequence[str]) -> bool:
    """Whether `question` asks about a person: a word of `PERSON_CUES`, or an unmentioned word written as a name."""
    return any(w in PERSON_CUES for w in letter_runs(fold(question))) or any(
        w[:1].isupper() for w in unmentioned)
