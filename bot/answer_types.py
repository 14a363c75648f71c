"""What kind of answer a question wants (a time, an amount of money, a count), and which passages hold one.

"What year was the alliance set up?" wants a passage with a year in it; "How much money…" one
with a sum. The retriever gives passages of the wanted kind a small bonus; it decides between
passages that match the words about equally, it does not override them.
"""

from __future__ import annotations

import re

_MONTHS = ("january|february|march|april|may|june|july|august|september|october|november|december|"
           "enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre")

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
}

# Passage side.
_HOLDS = {
    "time": re.compile(
        rf"\b(?:1[89]\d\d|20\d\d)\b|\b(?:{_MONTHS})\s+\d{{1,2}}\b|\b\d{{1,2}}\s+(?:de\s+)?(?:{_MONTHS})\b"
        r"|\b(?:hours?|days?|weeks?|months?|years?)\s+(?:before|after|ago|later|earlier)\b",  # "a few days before"
        re.IGNORECASE,
    ),
    "year": re.compile(r"\b(?:1[89]\d\d|20\d\d)\b"),
    "money": re.compile(r"[$€£]\s?\d|\b(?:USD|US\$|EUR|dollars?|euros?)\b", re.IGNORECASE),
    "count": re.compile(r"\b\d[\d,.]*\b"),
}

ANSWER_TYPES = tuple(_WANTS)


def wanted_types(question: str) -> frozenset[str]:
    """The kinds of answer `question` asks for (often none)."""
    return frozenset(kind for kind, pattern in _WANTS.items() if pattern.search(question))


def held_types(text: str) -> frozenset[str]:
    """The kinds of answer a passage's `text` can give."""
    return frozenset(kind for kind, pattern in _HOLDS.items() if pattern.search(text))
