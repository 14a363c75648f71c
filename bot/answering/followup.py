"""Follow-up questions: a question asked in reply to an answer, read with the previous question's topic.

One mechanism, in three cases, from generic language only (no word of any article here); the people
and countries come from the corpus catalog:

1. A follow-up that stands on its own (it names someone and says what it asks, or it is long and has
   no word pointing back) is searched alone.
2. A follow-up that names someone else and little more ("and Bolivia?", "what about cuba's president")
   swaps that person into the previous question: "what did Cuba's president say" + "and Bolivia?"
   searches "what did Bolivia's president say".
3. Otherwise it points back. A personal pronoun ("he", "her", "él") stands for the previous question's
   person, so the follow-up is searched with that person's name ("what else did he say?" → "... Luis
   Arce"); anything else that points back ("how many?", "why does that matter") carries the whole
   previous topic: the person and the previous question's content words.

"Else", "other", "more" ask for something not shown yet: the passages of the previous answer are
then left out (`Rewrite.exclude`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from bot.corpus.catalog import Catalog, Speaker
from bot.text import fold, tokenize, whole_words
from bot.words import (
    EN_FUNCTION_WORDS,
    EN_MORE_WORDS,
    EN_PERSON_PRONOUNS,
    EN_THING_POINTERS,
    ES_FUNCTION_WORDS,
    ES_MORE_WORDS,
    ES_PERSON_PRONOUNS,
    ES_THING_POINTERS,
)

How = Literal["alone", "swap", "person", "topic"]

_PERSON_PRONOUNS = EN_PERSON_PRONOUNS | ES_PERSON_PRONOUNS
_THING_POINTERS = EN_THING_POINTERS | ES_THING_POINTERS
_CONTINUATIONS = ("and ", "and what", "what about", "how about", "also ", "y ", "e ", "que hay de", "y que",
                  "tambien", "but ", "pero ", "so ", "entonces")
_MORE_WORDS = EN_MORE_WORDS | ES_MORE_WORDS
_FUNCTION_WORDS = EN_FUNCTION_WORDS | ES_FUNCTION_WORDS
SHORT = 3  # content words: at most this many, a follow-up without a name is elliptical


@dataclass(frozen=True)
class Turn:
    """The previous exchange: what was searched, and the passages the answer showed (best first)."""

    searched: str
    passage_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rewrite:
    """What to search for a follow-up, how it was read, and passages to leave out (already shown)."""

    query: str
    how: How
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Mention:
    speaker: Speaker
    start: int
    end: int


class FollowUps:
    """Reads follow-up questions against the people (and their countries) of a catalog."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    @cached_property
    def _forms(self) -> list[tuple[re.Pattern[str], Speaker]]:
        forms: list[tuple[str, Speaker]] = []
        for speaker in self.catalog.speakers:
            person = speaker.person
            for form in (*person.name_forms, person.country, *person.country_aliases):
                if form.strip():
                    forms.append((fold(form), speaker))
        forms.sort(key=lambda pair: -len(pair[0]))  # the longest form wins ("Luis Arce" before "Arce")
        return [(whole_words([form]), speaker) for form, speaker in forms]

    def mentions(self, text: str) -> list[_Mention]:
        """The people `text` names (by name, alias or country), in order, overlapping forms counted once."""
        folded = fold(text)
        found: list[_Mention] = []
        taken: list[tuple[int, int]] = []
        for pattern, speaker in self._forms:
            for match in pattern.finditer(folded):
                if any(match.start() < end and start < match.end() for start, end in taken):
                    continue
                taken.append((match.start(), match.end()))
                found.append(_Mention(speaker, match.start(), match.end()))
        return sorted(found, key=lambda m: m.start)

    def speaker_of(self, passage_id: str) -> Speaker | None:
        """The person a passage quotes or reports, when exactly one does."""
        speakers = [s for s in self.catalog.speakers if passage_id in s.passage_ids]
        return speakers[0] if len({s.person.name for s in speakers}) == 1 else None

    def rewrite(self, followup: str, previous: Turn) -> Rewrite:
        """What to search for `followup`, asked right after `previous`."""
        folded = fold(followup)
        words = tokenize(folded)
        new = self.mentions(followup)
        wants_more = any(w in _MORE_WORDS for w in words)
        exclude = previous.passage_ids[:1] if wants_more else ()  # "else": other than the answer given
        content = _content_words(followup, new)
        continues = folded.lstrip("¿¡ ").startswith(_CONTINUATIONS)
        points_back = any(w in _PERSON_PRONOUNS or w in _THING_POINTERS for w in words)
        old = self.mentions(previous.searched)
        old_speaker = old[0].speaker if old else self._answer_speaker(previous)

        if new:
            same = old_speaker is not None and all(m.speaker.person.name == old_speaker.person.name for m in new)
            if len(content) >= 2 or old_speaker is None or same:
                return Rewrite(followup, "alone", exclude)
            if old:
                return Rewrite(_swap(previous.searched, old, _stripped(followup, new)), "swap", exclude)
            return Rewrite(f"{followup} {_content_text(previous.searched, old)}".strip(), "swap", exclude)
        if not (points_back or continues or wants_more or len(content) <= SHORT):
            return Rewrite(followup, "alone")
        # A personal pronoun needs a referent: the person the previous answer quoted, when its question named none.
        refers = any(w in _PERSON_PRONOUNS for w in words)
        person = old_speaker.person.name if old_speaker and not old and refers else None
        topic = " ".join(x for x in (previous.searched, person) if x)
        return Rewrite(f"{followup} {topic}".strip(), "topic", exclude)

    def _answer_speaker(self, previous: Turn) -> Speaker | None:
        return self.speaker_of(previous.passage_ids[0]) if previous.passage_ids else None


def _content_words(text: str, mentions: list[_Mention]) -> list[str]:
    folded = fold(text)
    for mention in reversed(mentions):
        folded = folded[: mention.start] + " " + folded[mention.end:]
    return [w for w in tokenize(folded) if w.strip("'’-") not in _FUNCTION_WORDS
            and w not in _PERSON_PRONOUNS and w not in _THING_POINTERS and w not in _MORE_WORDS and len(w) > 1]


def _content_text(text: str, mentions: list[_Mention]) -> str:
    """`text`'s content words (people's names left out), in order."""
    return " ".join(_content_words(text, mentions))


def _stripped(followup: str, mentions: list[_Mention]) -> str:
    """The follow-up's own mention of the new person ("Bolivia", "cuba's president"), without "and …?"."""
    first, last = mentions[0], mentions[-1]
    folded = fold(followup)
    end = last.end
    tail = re.match(r"(?:'s|’s)?(?:\s+(?:president|prime minister|leader|presidente|primer ministro|lider))?",
                    folded[end:])
    if tail:
        end += tail.end()
    return followup[first.start:end] if len(folded) == len(followup) else folded[first.start:end]


def _swap(previous: str, old: list[_Mention], replacement: str) -> str:
    """`previous` with its first person's mentions replaced by `replacement`."""
    folded = fold(previous)
    base = previous if len(folded) == len(previous) else folded
    speaker = old[0].speaker
    out, last = [], 0
    for mention in old:
        if mention.speaker.person.name != speaker.person.name:  # one person may speak in several articles
            continue
        out += [base[last: mention.start], replacement]
        last = mention.end
    out.append(base[last:])
    return "".join(out)
