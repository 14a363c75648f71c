"""What retrieval derives from the passages once: built with the index, saved in it, read on every start.

The corpus's word forms (for the words and names a question uses that the corpus never does), the
territory names it uses, the word counts typo repair ranks by, and which passages hold each kind of
answer. Deriving them is linear Python over every passage (minutes at a million passages); loading
them is a few arrays. Bump `DERIVED_VERSION` when any of it is derived differently: saved indexes are
then rebuilt (`bot.provision.index_key`).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from bot.corpus.articles import Term
from bot.corpus.catalog import Saved, Speaker
from bot.corpus.passages import Passage
from bot.index.passage_index import PassageIndex
from bot.retrieval.answer_kinds import passages_holding
from bot.retrieval.lexical_document import lexical_document
from bot.retrieval.normalise import word_counts
from bot.retrieval.vocabulary import CorpusWords, PlaceNames, known_words

DERIVED_VERSION = "6"

_HOLDS = "holds:"  # array name prefix of each kind's mask
_ROLE = "role:"  # ... and of each role's articles and rows
ROLES = ("metadata", "first", "last")  # the passages that speak for their article as a whole (`every_article`)


@dataclass(frozen=True)
class Derived:
    """The corpus's vocabulary, places, word counts and answer-kind masks (see the module docstring)."""

    known: CorpusWords
    places: tuple[str, ...]  # territory names the corpus uses (folded)
    counts: Mapping[str, int]  # folded word -> uses, for typo repair
    holds: Mapping[str, np.ndarray]  # answer kind -> one bool per passage
    roles: Mapping[str, Mapping[str, int]]  # "metadata", "first", "last" -> the row playing it, per article slug
    saved: Saved  # who speaks where, and each article's passages (`Catalog.speakers`, `Catalog.sources`)

    @classmethod
    def build(cls, passages: Sequence[Passage], speakers: Sequence[Speaker], terms: Sequence[tuple[str, Term]] = (),
              documents: Sequence[str] | None = None) -> Derived:
        """Derived from `passages`; `documents` are their `lexical_document`s when the caller has them already."""
        if documents is None:
            documents = [lexical_document(p, speakers) for p in passages]
        # Other names of the corpus's terms ("EE.UU.") are known names, but not indexed: BM25 ranked worse with them.
        corpus_text = " ".join([*documents, *(a for _, term in terms for a in term.aliases)])
        known = known_words(corpus_text)
        return cls(known, tuple(PlaceNames.used_in(corpus_text, known)), word_counts(documents),
                   passages_holding(passages, speakers), {role: counterparts(passages, role) for role in ROLES},
                   Saved.of(passages, {(s.article.slug, s.person.name): s.passage_ids for s in speakers}))

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Named arrays for the index to save (strings as unicode arrays: loaded without pickle)."""
        words = sorted(self.counts)
        return {
            "known_words": pack(sorted(self.known.words)),
            "places": pack(self.places),
            "count_words": pack(words),
            "counts": np.array([self.counts[w] for w in words], dtype=np.int64),
            **{_HOLDS + kind: np.asarray(mask, dtype=bool) for kind, mask in self.holds.items()},
            **{f"{_ROLE}{role}:articles": pack(list(rows)) for role, rows in self.roles.items()},
            **{f"{_ROLE}{role}:rows": np.array(list(rows.values()), dtype=np.int64)
               for role, rows in self.roles.items()},
            "speakers:articles": pack([slug for slug, _ in self.saved.attributions]),
            "speakers:names": pack([name for _, name in self.saved.attributions]),
            "speakers:passages": pack([i for ids in self.saved.attributions.values() for i in ids]),
            "speakers:counts": np.array([len(ids) for ids in self.saved.attributions.values()], dtype=np.int64),
            "articles:slugs": pack(list(self.saved.starts)),
            "articles:starts": np.array(list(self.saved.starts.values()), dtype=np.int64),
            "articles:sizes": np.array([self.saved.sizes[slug] for slug in self.saved.starts], dtype=np.int64),
            "refs:values": self.saved.refs,
            "refs:rows": self.saved.ref_rows,
        }

    @classmethod
    def of_index(cls, index: PassageIndex, speakers: Sequence[Speaker], terms: Sequence[tuple[str, Term]] = ()
                 ) -> Derived:
        """What the index saved (`PassageIndex.derived`); derived here for an index saved without it."""
        if index.derived is None:
            return cls.build(index.passages, speakers, terms)
        return cls.from_arrays(index.derived)

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray]) -> Derived:
        """What `to_arrays` saved; KeyError or ValueError when it is not that."""
        words = frozenset(unpack(arrays["known_words"]))
        counts = dict(zip(unpack(arrays["count_words"]), arrays["counts"].tolist(), strict=True))
        holds = {name.removeprefix(_HOLDS): np.asarray(mask, dtype=bool)
                 for name, mask in arrays.items() if name.startswith(_HOLDS)}
        roles = {role: dict(zip(unpack(arrays[f"{_ROLE}{role}:articles"]), arrays[f"{_ROLE}{role}:rows"].tolist(),
                                strict=True)) for role in ROLES}
        return cls(CorpusWords.of(words), tuple(unpack(arrays["places"])), counts, holds, roles, saved_catalog(arrays))


def pack(strings: Sequence[str]) -> np.ndarray:
    """Strings as one UTF-8 byte array, a newline apart: a unicode array would give every string the width of the
    longest, four bytes a character (one 300-letter word would make a million words gigabytes)."""
    if any(not text or "\n" in text for text in strings):
        raise ValueError("a saved string is empty or holds a newline")
    return np.frombuffer("\n".join(strings).encode("utf-8"), dtype=np.uint8) if strings else np.zeros(0, np.uint8)


def unpack(packed: np.ndarray) -> list[str]:
    """What `pack` packed."""
    text = np.asarray(packed, dtype=np.uint8).tobytes().decode("utf-8")
    return text.split("\n") if packed.size else []


def saved_catalog(arrays: Mapping[str, np.ndarray]) -> Saved:
    """What `Derived.to_arrays` saved of the speakers and the articles' sizes (KeyError or ValueError when it did
    not): read at a start before the rest, for the catalog."""
    keys = list(zip(unpack(arrays["speakers:articles"]), unpack(arrays["speakers:names"]), strict=True))
    ids, counts = unpack(arrays["speakers:passages"]), arrays["speakers:counts"].tolist()
    if len(counts) != len(keys) or sum(counts) != len(ids):
        raise ValueError("the speakers' passages do not match the speakers")
    ends = list(itertools.accumulate(counts))
    attributions = {key: tuple(ids[end - n:end]) for key, n, end in zip(keys, counts, ends, strict=True)}
    slugs = unpack(arrays["articles:slugs"])
    starts = dict(zip(slugs, arrays["articles:starts"].tolist(), strict=True))
    sizes = dict(zip(slugs, arrays["articles:sizes"].tolist(), strict=True))
    return Saved(attributions, starts, sizes, np.asarray(arrays["refs:values"], dtype=np.uint64),
                 np.asarray(arrays["refs:rows"], dtype=np.int64))


def counterparts(passages: Sequence[Passage], role: str) -> dict[str, int]:
    """Per article slug, the row of its passage playing `role`: "metadata", "first" or "last" paragraph."""
    rows: dict[str, int] = {}
    for row, p in enumerate(passages):
        if role == "metadata":
            if p.kind == "metadata":
                rows.setdefault(p.article, row)
        elif p.kind == "paragraph" and p.paragraph is not None:
            if role == "first":
                rows.setdefault(p.article, row)  # passages come in article order: the first one seen
            else:
                rows[p.article] = row  # …and the last one seen (the last part of a split paragraph)
    return rows
