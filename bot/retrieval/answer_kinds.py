"""What kind of answer a question wants, and which passages hold one.

"What year was the alliance set up?" wants a passage with a year in it; "How much money…" one
with a sum; "What does ALBA-TCP stand for?" the passage that spells the acronym out; "Who said…?"
a passage where a leader speaks; "How does the article end?" its last paragraph. The retriever
gives passages of the wanted kind a bonus, and refuses a question whose wanted kind no passage
near the best match holds. A passage holds a kind found in its text when that kind's phrase finder
(`bot.retrieval.phrases`) finds a span in it, the span the highlight marks; who speaks where and which
paragraph comes last are the retriever's to tell (`STRUCTURAL_TYPES`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from bot.corpus.catalog import Speaker
from bot.corpus.passages import Passage
from bot.retrieval.phrases import PHRASE_KINDS, held_kinds

# Question side, English and Spanish.
_WANTS = {
    # "when" only as a question ("when did…", "when's…"), not as a conjunction ("…when the meeting ended").
    "time": re.compile(
        r"\bwhen(?:'s|’s|\s+(?:did|was|were|is|are|will|would|does|do|has|have|had|could|can)\b)"
        r"|\b(?:what date|since when|cu[aá]ndo|qu[eé] fecha)\b",
        re.IGNORECASE,
    ),
    "year": re.compile(r"\b(?:what|which) year\b|\bqu[eé] a[nñ]o\b", re.IGNORECASE),
    # Asking for an amount, not merely about money ("economics and investment" asks who said it).
    "money": re.compile(
        r"\b(?:money|funds?|funding|funded|financ\w*|dollars?|budget|costs?|costing|pay|pays|paid|paying|price|"
        r"dinero|fondos?|d[oó]lares|presupuesto|cuesta|costo|pag[aóo]\w*)\b",
        re.IGNORECASE,
    ),
    "count": re.compile(r"\b(?:how many|cu[aá]nt[oa]s)\b", re.IGNORECASE),  # "how much" asks for an amount
    "expansion": re.compile(
        r"\bstands? for\b|\bfull name\b|\bacronym\b|\babbreviation\b|\bsiglas\b|\bqu[eé] significa", re.IGNORECASE
    ),
    "speaker": re.compile(
        r"\bwho (?:said|says|stated|argued|warned|called|talked|spoke|insisted|stressed|urged|proposed|asked|wanted|"
        r"mentioned|claimed|described|demanded|pushed|raised|compared|thinks|believes)\b"
        r"|\bwhich (?:leader|president|prime minister|head of state|pm)\b"
        r"|\bqui[eé]n (?:dijo|afirm[oó]|propuso|pidi[oó]|habl[oó]|insisti[oó]|advirti[oó]|plante[oó])\b",
        re.IGNORECASE,
    ),
    "first": re.compile(
        r"\bhow (?:does|did) (?:the |this )?(?:article|piece|story|report|it) (?:start|begin|open)\b"
        r"|\b(?:first|opening) (?:paragraph|line|sentence|words)\b|\bc[oó]mo (?:empieza|comienza)\b",
        re.IGNORECASE,
    ),
    "last": re.compile(
        r"\bhow (?:does|did) (?:the |this )?(?:article|piece|story|report|it) (?:end|finish|conclude|close|wrap up)\b"
        r"|\b(?:last|final|closing|concluding) (?:paragraph|line|sentence|words)\b"
        r"|\bconclusion of the (?:article|piece|story|report)\b|\bc[oó]mo (?:termina|acaba|concluye)\b",
        re.IGNORECASE,
    ),
}
STRUCTURAL_TYPES = ("speaker", "first", "last")  # held by passages because of where they are, not their words
POSITION_TYPES = frozenset({"first", "last"})  # questions about the article itself ("how does it end?")
# Kinds whose absence means the corpus cannot answer: no date near the best match, no answer to "when".
# A "who said…" whose best passages name nobody can still be answered ("the Heads of State agreed…").
DECISIVE_TYPES = frozenset({"time", "year", "money", "count"})

TEXT_TYPES = PHRASE_KINDS  # found in a passage's words (`bot.retrieval.phrases`); the others are STRUCTURAL_TYPES


def wanted_types(question: str) -> frozenset[str]:
    """The kinds of answer `question` asks for (often none)."""
    return frozenset(kind for kind, pattern in _WANTS.items() if pattern.search(question))


def held_types(text: str) -> frozenset[str]:
    """The kinds of answer a passage's `text` can give (structural kinds aside): those whose phrase finder finds a
    span there, the span the highlight then marks."""
    return held_kinds(text)


def passages_holding(passages: Sequence[Passage], speakers: Sequence[Speaker]) -> dict[str, np.ndarray]:
    """For every kind of answer, a boolean per passage: does it hold one?

    Text kinds come from the passage's words; "speaker" from the catalog's attributions; "first"
    and "last" from paragraph numbers within each article.
    """
    held = [held_types(p.text) for p in passages]
    holds = {kind: np.array([kind in h for h in held], dtype=bool) for kind in TEXT_TYPES}
    spoken = {passage_id for s in speakers for passage_id in s.passage_ids}
    holds["speaker"] = np.array([p.id in spoken for p in passages], dtype=bool)
    first: dict[str, int] = {}
    last: dict[str, int] = {}
    for p in passages:
        if p.kind == "paragraph" and p.paragraph is not None:
            first[p.article] = min(first.get(p.article, p.paragraph), p.paragraph)
            last[p.article] = max(last.get(p.article, p.paragraph), p.paragraph)
    holds["first"] = np.array([p.paragraph is not None and p.paragraph == first.get(p.article) for p in passages])
    holds["last"] = np.array([p.paragraph is not None and p.paragraph == last.get(p.article) for p in passages])
    return holds
