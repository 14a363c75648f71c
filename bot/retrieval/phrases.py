"""Where a passage gives an answer of a kind: a date, a year, a sum, a count, an acronym spelt out. One finder per
kind, used twice: a passage *holds* a kind when its finder finds a span there (`answer_kinds.held_types`, the
ranking's kind bonus), and the span found is what the highlight marks (`highlight`). The two cannot disagree."""

from __future__ import annotations

import re
from collections.abc import Iterable

Span = tuple[int, int]

_MONTH = (r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
          r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?")
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_NUMBER_WORDS = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred)"
_MAGNITUDE = r"(?:hundred|thousand|million|billion|trillion)"
_YEAR = r"\b(?:1[89]\d\d|20\d\d)\b"
_DATE_RE = re.compile(
    rf"\b(?:{_WEEKDAY},?\s+)?(?:{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?:,?\s+{_YEAR})?"
    rf"|\d{{1,2}}\s+{_MONTH}(?:\s+{_YEAR})?|{_MONTH}\s+{_YEAR})"
)
_RELATIVE_TIME_RE = re.compile(  # "a few hours after Trump took office": to the end of its clause
    rf"\b(?:(?:only|just|about|some)\s+)?(?:a\s+few|a|several|{_NUMBER_WORDS}|\d+)\s+"
    r"(?:hours?|days?|weeks?|months?|years?)\s+(?:before|after|ago|later|earlier)\b[^,;:.()“”\"\n]*",
    re.IGNORECASE,
)
_PHRASES = {
    "year": re.compile(_YEAR),
    "money": re.compile(
        rf"(?:\b(?:USD|US\$|EUR|GBP)|[$€£])\s?\d[\d,.]*\d?(?:\s+{_MAGNITUDE}\b)?"
        rf"|\b\d[\d,.]*(?:\s+{_MAGNITUDE})?\s+(?:dollars|euros|pounds)\b",
    ),
    "count": re.compile(
        rf"\b(?:(?:more than|over|about|around|nearly|almost|at least|up to|some)\s+)?"
        rf"(?:\d{{1,3}}(?:,\d{{3}})+|\d+(?:\.\d+)?(?:\s*%|\s+percent\b|\s+{_MAGNITUDE}\b)"
        rf"|(?:\d+|{_NUMBER_WORDS}|hundreds|thousands|millions|dozens)(?=\s+(?:of\s+)?(?:[A-Z][\w’'-]*\s+)?[a-z]+s\b))"
        r"(?:\s+(?:of\s+)?(?:[A-Z][\w’'-]*\s+)?[a-z]+s\b)?",
        re.IGNORECASE,
    ),
    "expansion": re.compile(r"\((?:[A-Z][A-Z0-9]+(?:[-–][A-Z0-9]+)*)\)"),
}
# A capitalised word ("ALBA-TCP", "Dominica’s", "St.") but not one that ends a sentence ("Washington.").
_CAPITALISED_BEFORE_RE = re.compile(r"(?:^|(?<=\s))(?:[A-Z][\w’'-]*|[A-Z][a-z]{0,2}\.)[ \t]+$")
_CONNECTOR_BEFORE_RE = re.compile(r"(?:^|(?<=\s))(?:of|for|the|and|de|del|y|[-–—])[ \t]+$")


def extend_left(text: str, start: int, *, connectors: bool = False) -> int:
    """`start` moved left over the capitalised words (and, if asked, connectors) written just before it."""
    while True:
        before = text[max(0, start - 60):start]
        match = _CAPITALISED_BEFORE_RE.search(before) or (connectors and _CONNECTOR_BEFORE_RE.search(before))
        if not match:
            return start
        start -= len(before) - match.start()


def _trim_connectors(text: str, start: int, end: int) -> int:
    """`start` moved past connectors and dashes the extension left at the front."""
    while match := re.match(r"(?:of|for|the|and|de|del|y|[-–—])\s+", text[start:end]):
        start += match.end()
    return start


def kind_phrases(text: str, kind: str) -> list[Span]:
    """Where `text` gives an answer of `kind`: "Monday, February 3", "USD 10 million", "30,000 migrants"."""
    if kind == "time":
        dates = [m.span() for m in _DATE_RE.finditer(text)] + [m.span() for m in _PHRASES["year"].finditer(text)]
        relative = [(m.start(), m.end() - (len(m.group()) - len(m.group().rstrip())))
                    for m in _RELATIVE_TIME_RE.finditer(text)]
        return merge_spans(dates + relative)
    if kind == "expansion":  # the capitalised name before "(ALBA-TCP)"
        spans = []
        for m in _PHRASES["expansion"].finditer(text):
            start = extend_left(text, m.start(), connectors=True)
            spans.append((_trim_connectors(text, start, m.end()), m.end()))
        return [s for s in spans if s[0] < s[1]]
    return merge_spans([m.span() for m in _PHRASES[kind].finditer(text)])


def merge_spans(spans: Iterable[Span]) -> list[Span]:
    """`spans` sorted, overlapping ones joined."""
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


PHRASE_KINDS = ("expansion", "money", "count", "year", "time")  # the kinds with a finder, most specific first


def held_kinds(text: str) -> frozenset[str]:
    """The kinds of answer `text` gives: those whose finder finds a span in it."""
    return frozenset(kind for kind in PHRASE_KINDS if kind_phrases(text, kind))
