"""Highlights: the part of a passage that answers the question, not the whole passage.

The retriever scores each sentence of a passage against the question (cosine). The highlight is
the question's *focus*, the thing its wh-phrase asks for, found in the best sentence that holds it:

1. a thing named after "which" / "what": "Which bank…" → "the ALBA-TCP Bank" (the noun with the
   capitalised name before it), "What outlet…" → "Outlet: Peoples Dispatch" (a labelled line);
2. a person: "Who wrote…", "Which leader…" → a name the corpus knows (its speakers, an article's
   author) with the title written before it ("Venezuelan President Nicolás Maduro");
3. a kind of answer (`bot.retrieval.answer_kinds`): a date, a year, a sum, a count, an acronym spelled out →
   that phrase ("Monday, February 3", "USD 10 million", "more than 30,000 migrants");
4. the photo: "What does the photo show?" → the caption line of an article's details (no sentence of its
   own, see `bot.corpus.passages.PHOTO_PREFIX`).

The most specific focus the passage holds wins (in that order), and it must tell more than the
question (a bare "countries" for "which countries" is no answer). A question without a focus, or a
passage that does not hold it, gets its best sentence(s), those within `margin` of the best one;
a sentence reporting what someone said gives what was said ("Maduro proposed *the activation of an
ALBA-TCP air and sea fleet…*"), not who said it.

Everything here is lexical, over the sentence scores the retriever already has: no model call, tens
of microseconds per passage (`bench/highlights.py`). Embedding clauses at query time was tried: a
batch of ~20 clauses costs several times a whole query, and the clause nearest the question is
the one that restates it ("…the food supply of the entire region"), not the one that answers.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from bot.corpus.passages import PHOTO_PREFIX
from bot.retrieval.answer_kinds import wanted_types
from bot.retrieval.phrases import PHRASE_KINDS, Span, extend_left, kind_phrases, merge_spans
from bot.text import tokenize, whole_words

# -- the question's focus ------------------------------------------------------------------------

# Words after "which"/"what" that are not the thing asked for ("what did…", "which of…", "what kind of…").
_NOT_NOUNS = frozenset(
    "is are was were be been do does did has have had will would can could should may might must shall "
    "of about in on at for to from with by as the a an this that these those it its his her their there here "
    "else exactly part exact specific other else's s".split()
)
# Nouns that name a kind of answer (`answer_types` finds those), not a thing in the text.
_KIND_NOUNS = frozenset("year years date day days time month months amount sum number figure much many".split())
_WHICH_RE = re.compile(r"\b(?:which|what|whose)\s+((?:[a-z][\w’'-]*\s+){0,3})", re.IGNORECASE)
_PERSON_NOUNS = frozenset("leader leaders president presidents minister head author writer journalist reporter person "
                          "man woman guy".split())
_PHOTO_RE = re.compile(r"\b(?:photo\w*|picture\w*|pic|pics|image\w*|caption\w*|foto\w*|imagen\w*)\b",
                       re.IGNORECASE)
_PERSON_RE = re.compile(
    r"\b(?:who|whom|whose|who's|who’s|qui[eé]n(?:es)?)\b"
    r"|\b(?:author|writer|journalist|reporter|autora?|escritora?|periodista)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Focus:
    """What a question asks for: things named after which/what, a person, kinds of answer (any may be empty)."""

    nouns: tuple[str, ...] = ()
    person: bool = False
    kinds: tuple[str, ...] = ()
    words: frozenset[str] = frozenset()  # the question's own words: a highlight must say more than these
    photo: bool = False  # the question asks about the article's photo

    def __bool__(self) -> bool:
        return bool(self.nouns or self.person or self.kinds or self.photo)


def question_focus(question: str, wanted: frozenset[str] | None = None) -> Focus:
    """The focus of `question` (see the module docstring); `wanted`: its `wanted_types`, when already read."""
    nouns = [noun for match in _WHICH_RE.finditer(question) if (noun := _head_noun(match.group(1)))]
    wanted = wanted_types(question) if wanted is None else wanted
    return Focus(
        nouns=tuple(n for n in dict.fromkeys(nouns) if n not in _PERSON_NOUNS),
        person=bool(_PERSON_RE.search(question)) or "speaker" in wanted or any(n in _PERSON_NOUNS for n in nouns),
        kinds=tuple(kind for kind in PHRASE_KINDS if kind in wanted),
        words=frozenset(_words(question)),
        photo=asks_about_photo(question),
    )


def asks_about_photo(question: str) -> bool:
    """Whether `question` asks about a photo ("what does the photo show?", "¿quién tomó la foto?")."""
    return _PHOTO_RE.search(question) is not None


_ENDING_RE = re.compile(r"(?<=\w\w\w)(?:’s|'s|es|s)$")


def _words(text: str) -> list[str]:
    """Lower-case words, without a plural or possessive "s" ("Bank's" and "banks" are "bank")."""
    return [_ENDING_RE.sub("", w) for w in tokenize(text.lower())]


def tells_more(text: str, focus: Focus) -> bool:
    """Whether `text` holds a word the question does not: the answer, not the question said back."""
    return any(w not in focus.words and w not in _NOT_NOUNS for w in _words(text))


def _head_noun(words: str) -> str | None:
    """The thing named after "which"/"what": the last of its next words before a verb ("which news site is…")."""
    head = None
    kind_of = False
    for word in words.lower().split():
        word = word.strip("’'")
        if head is None and (word in ("kind", "kinda", "sort", "type") or (kind_of and word == "of")):
            kind_of = True  # "what kind of fleet"
            continue
        if word in _NOT_NOUNS or (len(word) > 4 and word.endswith("ed")):  # "which leader reminded…"
            break
        head = word
    return None if head is None or head in _KIND_NOUNS else head


# -- phrases in a passage ----------------------------------------------------------------------

# A noun phrase opened by a determiner, up to four words before the noun ("the ALBA-TCP", "an ALBA-TCP air and sea").
_DETERMINED_BEFORE_RE = re.compile(
    r"(?:^|(?<=\s))(?:the|a|an|its|their|his|her|our|this|these|those)((?:[ \t]+[\w’'-]+){0,4})[ \t]+$", re.IGNORECASE
)
_NOT_INSIDE = frozenset("of by to for in on at with from that which who as than is are was were be".split())
_PROPER_AFTER_RE = re.compile(  # "Community of Latin American and Caribbean States", "Alliance for the Peoples of…"
    r"(?:(?:[ \t]+(?:of|for|and|the|de|del|y|[-–—])){1,2}(?:[ \t]+[A-Z][\w’'-]*)+)+")
_ACRONYM_AFTER_RE = re.compile(r"[ \t]+\([A-Z][A-Z0-9-]+\)")
_AUTHOR_LINE_RE = re.compile(r"^Author:[ \t]*(.+?)[ \t]*$", re.MULTILINE)  # see `bot.corpus.passages.metadata_text`


def noun_phrases(text: str, noun: str) -> list[Span]:
    """Where `text` names the thing asked for: "the ALBA-TCP Bank" for "bank", "Outlet: Peoples Dispatch" for "outlet".

    The noun comes with what names it: the words from its determiner ("the ALBA-TCP Bank"), a name
    after "of", an acronym, or a value after a colon.
    """
    stem = noun[:-1] if noun.endswith("s") and len(noun) > 3 else noun
    spans = []
    for m in re.finditer(rf"\b{re.escape(stem)}(?:s|es)?\b", text, re.IGNORECASE):
        start, end = m.span()
        if text.startswith(":", end):  # "Outlet: Peoples Dispatch" (a labelled line)
            line_end = text.find("\n", end)
            spans.append((start, len(text) if line_end < 0 else line_end))
            continue
        named = extend_left(text, start)
        before = text[max(0, named - 80):named]
        phrase = _DETERMINED_BEFORE_RE.search(before)  # "an ALBA-TCP air and sea fleet"
        if phrase and not _NOT_INSIDE.intersection(phrase.group(1).lower().split()):
            named -= len(before) - phrase.start()
        if text[start].isupper():
            after = _PROPER_AFTER_RE.match(text, end)
            end = after.end() if after else end
        acronym = _ACRONYM_AFTER_RE.match(text, end)
        end = acronym.end() if acronym else end
        spans.append((named, end))
    return merge_spans(spans)


def person_phrases(text: str, names: re.Pattern[str] | None) -> list[Span]:
    """Where `text` names a person (`names`: one pattern of every name form), with the title written before
    it ("Cuban President Miguel Díaz-Canel"), and the author on an article's details."""
    spans = [(m.start(1), m.end(1)) for m in _AUTHOR_LINE_RE.finditer(text)]
    if names is not None:
        spans += [(extend_left(text, m.start()), m.end()) for m in names.finditer(text)]
    return merge_spans(spans)


# -- choosing the highlight ----------------------------------------------------------------------


class Highlighter:
    """Picks the spans to highlight in a passage, given its sentences' scores against the question."""

    def __init__(self, names: Iterable[str] = (), *, margin: float = 0.05) -> None:
        self.names = tuple(sorted(set(names), key=len, reverse=True))  # "Nicolás Maduro" before "Maduro"
        self.margin = margin
        self._names = whole_words(self.names) if self.names else None
        # A name anywhere; a pronoun only opening the sentence ("the measures he announced" reports no speech).
        subject = "|".join([*(re.escape(n) for n in self.names), r"^(?:He|She|They)"])
        # "Philip Pierre, Prime Minister of Saint Lucia, stated that …", "He also stressed that …",
        # "Arce said in his speech that …", "Maduro insisted on “…”": a person, a verb of saying, what follows.
        self._attribution = re.compile(
            rf"(?<!\w)(?:{subject})(?:,[^,“”\"\n]{{1,80}},|,)?[ \t]+"
            r"(?:(?:also|then|later|again|further|[a-z]+ly)[ \t]+)?"
            rf"(?:[a-z]{{3,}}ed|said|says|told|tells|spoke|[a-z]{{3,}}s)\b(?:[ \t]+(?:on|for|that)\b)?"
            rf"(?:[^,.;:“”\"\n]{{0,30}}?\bthat\b)?[ \t:]*"
        )

    def spans(self, text: str, sentences: Sequence[Span], scores: np.ndarray, focus: Focus) -> tuple[Span, ...]:
        """The focus in the best sentence holding it; else the sentences within `margin` of the best."""
        if focus.photo and (caption := _photo_line(text)) is not None:
            return (caption,)
        if not sentences:
            return ()
        order = np.argsort(-scores, kind="stable")
        if focus:
            for finder in self._finders(focus):
                found = [s for s in finder(text) if tells_more(text[s[0]:s[1]], focus)]
                for i in order if found else ():
                    start, end = sentences[int(i)]
                    inside = tuple(s for s in found if start <= s[0] and s[1] <= end)
                    if inside:
                        return inside
        best = float(scores.max())
        return tuple(self._reported(text, *sentences[int(i)]) for i in np.flatnonzero(scores >= best - self.margin))

    def _reported(self, text: str, start: int, end: int) -> Span:
        """What a sentence reports someone said ("Maduro proposed *the activation of …*"); the sentence otherwise."""
        match = self._attribution.search(text[start:end])
        if match is None or end - (start + match.end()) < 10:
            return start, end
        return start + match.end(), end

    def _finders(self, focus: Focus) -> list[Callable[[str], list[Span]]]:
        finders: list[Callable[[str], list[Span]]] = [functools.partial(_nouns_in, noun=n) for n in focus.nouns]
        if focus.person:
            finders.append(functools.partial(person_phrases, names=self._names))
        finders += [functools.partial(_kind_in, kind=k) for k in focus.kinds]
        return finders


def _photo_line(text: str) -> Span | None:
    """The caption of an article's details, after its label."""
    at = text.find("\n" + PHOTO_PREFIX)
    if at < 0:
        return None
    start = at + 1 + len(PHOTO_PREFIX)
    end = text.find("\n", start)
    return start, len(text) if end < 0 else end


def _nouns_in(text: str, noun: str) -> list[Span]:
    return noun_phrases(text, noun)


def _kind_in(text: str, kind: str) -> list[Span]:
    return kind_phrases(text, kind)
