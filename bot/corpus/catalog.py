"""The corpus with its passages, speakers and sources: everything that needs no model."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from bot.corpus.articles import Article, Corpus, Person, Term, load_corpus
from bot.corpus.passages import CHUNKER_VERSION, Passage, corpus_passages
from bot.index.embeddings import ModelSpec, resolve_model
from bot.settings import Settings
from bot.text import fold

log = logging.getLogger(__name__)


_REF_RE = re.compile(r"[0-9a-f]{12}")  # a `passage_ref`
Attributions = Mapping[tuple[str, str], tuple[str, ...]]  # (article slug, person's name) -> their passages' ids


@dataclass(frozen=True, eq=False)  # holds arrays
class Saved:
    """What the saved index knows of the corpus's passages, so that neither a start nor a button's first click
    reads them all: who speaks in which, where each article's passages are, and each passage's `passage_ref`."""

    attributions: Attributions
    starts: Mapping[str, int]  # article slug -> the row of its first passage (an article's passages are together)
    sizes: Mapping[str, int]  # article slug -> how many passages it has
    refs: np.ndarray  # every passage's `passage_ref` as a number, sorted (uint64)
    ref_rows: np.ndarray  # ... and the row of the passage each names

    @classmethod
    def of(cls, passages: Sequence[Passage], attributions: Attributions) -> Saved:
        starts: dict[str, int] = {}
        sizes: dict[str, int] = {}
        for row, passage in enumerate(passages):
            starts.setdefault(passage.article, row)
            sizes[passage.article] = sizes.get(passage.article, 0) + 1
        refs = np.array([int(passage_ref(p), 16) for p in passages], dtype=np.uint64)
        order = np.argsort(refs, kind="stable")
        return cls(attributions, starts, sizes, refs[order], order.astype(np.int64))

    def row_of(self, ref: str) -> int | None:
        """The row of the passage whose `passage_ref` is `ref` (None when none is, or `ref` is no ref)."""
        if not _REF_RE.fullmatch(ref):
            return None
        wanted = np.uint64(int(ref, 16))
        at = int(np.searchsorted(self.refs, wanted))
        return int(self.ref_rows[at]) if at < self.refs.shape[0] and self.refs[at] == wanted else None


@dataclass(frozen=True)
class Speaker:
    """A person with the passages where they speak or are quoted."""

    article: Article
    person: Person
    passage_ids: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        """What `summit-bot leaders --json` prints for this speaker."""
        person = self.person
        return {"name": person.name, "office": person.office, "country": person.country,
                "aliases": list(person.aliases), "article": self.article.slug, "passage_ids": list(self.passage_ids)}


@dataclass(frozen=True)
class Source:
    """An article of the corpus with the number of its passages."""

    article: Article
    passages: int

    def to_dict(self) -> dict[str, object]:
        """What `summit-bot sources --json` prints for this article."""
        a = self.article
        return {"slug": a.slug, "title": a.title, "author": a.author,
                "published": a.published.isoformat() if a.published else None, "outlet": a.outlet, "url": a.url,
                "passages": self.passages}


class Catalog:
    """Corpus, passages and speakers; cheap to build (a tokenizer, never the model)."""

    def __init__(self, corpus: Corpus, model: ModelSpec, passages: Sequence[Passage] | None = None,
                 saved: Saved | None = None) -> None:
        self.corpus = corpus
        self.model = model
        if passages is not None:  # the saved index's: what cutting this corpus for this model gives
            self.passages = passages  # the cached property's value, given instead of made
        self._saved = saved  # the saved index's too (else found in the passages)

    @cached_property
    def passages(self) -> Sequence[Passage]:
        """The corpus cut into passages for the model (on first use: a saved index brings its own)."""
        return corpus_passages(self.corpus, max_tokens=self.model.max_seq_length,
                               count_tokens=self.model.token_counter())

    def with_passages(self, passages: Sequence[Passage], saved: Saved | None = None) -> Catalog:
        """This corpus and model with `passages`, the ones its index was built from (so they are not cut again),
        and what the index saved of them (so they are not all read again)."""
        return Catalog(self.corpus, self.model, passages, saved)

    @cached_property
    def _by_article(self) -> dict[str, list[Passage]]:
        """Each article's passages, in order."""
        grouped: dict[str, list[Passage]] = {}
        for passage in self.passages:
            grouped.setdefault(passage.article, []).append(passage)
        return grouped

    @cached_property
    def _passages_by_id(self) -> dict[str, Passage]:
        return {p.id: p for p in self.passages}

    def passage(self, passage_id: str) -> Passage:
        """The passage with this id (KeyError if there is none); with a saved index, found among its article's
        passages only (an id is `<slug>#…`), not by reading every passage."""
        if self._saved is None:
            return self._passages_by_id[passage_id]
        slug = passage_id.rpartition("#")[0]
        for passage in self.article_passages(slug):
            if passage.id == passage_id:
                return passage
        raise KeyError(passage_id)

    @cached_property
    def _passages_by_ref(self) -> dict[str, Passage]:
        return {passage_ref(p): p for p in self.passages}

    def by_ref(self, ref: str) -> Passage | None:
        """The passage a `passage_ref` names, or None when the corpus no longer has it (removed or changed)."""
        if self._saved is None:
            return self._passages_by_ref.get(ref)
        row = self._saved.row_of(ref)
        passage = self.passages[row] if row is not None else None
        # the saved arrays are the index's, the passages too: a mismatch would mean they were not saved together
        return passage if passage is not None and passage_ref(passage) == ref else None

    def article_passages(self, slug: str) -> Sequence[Passage]:
        """The passages of one article, in order (read from the saved index's rows when it has them)."""
        if self._saved is None:
            return self._by_article.get(slug, [])
        start = self._saved.starts.get(slug)
        return [] if start is None else self.passages[start:start + self._saved.sizes[slug]]

    def neighbours(self, passage: Passage) -> tuple[Passage | None, Passage | None]:
        """The passages just before and after `passage` in its article (metadata excluded)."""
        body = [p for p in self.article_passages(passage.article) if p.kind == "paragraph"]
        ids = [p.id for p in body]
        if passage.id not in ids:
            return None, None
        at = ids.index(passage.id)
        return (body[at - 1] if at > 0 else None), (body[at + 1] if at + 1 < len(body) else None)

    @classmethod
    def from_settings(cls, settings: Settings) -> Catalog:
        return cls(load_corpus(settings.corpus_dir), resolve_model(settings.model, settings.index_dir))

    @property
    def chunker_version(self) -> str:
        return f"{CHUNKER_VERSION}/max{self.model.max_seq_length}"

    @cached_property
    def terms(self) -> list[tuple[str, Term]]:
        """(article slug, term) for every `[aliases]` entry of every article."""
        return [(article.slug, term) for article in self.corpus.articles for term in article.terms]

    @cached_property
    def speakers(self) -> list[Speaker]:
        if self._saved is not None:
            attributions = self._saved.attributions
            return [Speaker(article, person, attributions.get((article.slug, person.name), ()))
                    for article, person in self.corpus.people]
        return [
            Speaker(article, person,
                    tuple(attributed_passages(list(self.article_passages(article.slug)), article, person)))
            for article, person in self.corpus.people
        ]

    @cached_property
    def sources(self) -> list[Source]:
        return [
            Source(article, self._saved.sizes.get(article.slug, 0) if self._saved is not None
                   else len(self.article_passages(article.slug)))
            for article in self.corpus.articles
        ]

    def find_speakers(self, query: str) -> list[Speaker]:
        """Speakers whose name or an alias contains `query` (case- and accent-insensitive)."""
        needle = fold(query).strip()
        if not needle:
            return list(self.speakers)
        return [s for s in self.speakers if any(needle in fold(form) for form in s.person.name_forms)]

    def speaker(self, name: str) -> Speaker | None:
        """The speaker whose full name or alias equals `name` (case- and accent-insensitive)."""
        wanted = fold(name).strip()
        for speaker in self.speakers:
            if any(fold(form) == wanted for form in speaker.person.name_forms):
                return speaker
        return None


def passage_ref(passage: Passage) -> str:
    """A short fingerprint of a passage (its id and text): what a button keeps to find the passage again,
    and to know when a reindex removed or changed it."""
    return hashlib.blake2b(f"{passage.id}\n{passage.text}".encode(), digest_size=6).hexdigest()


def attributed_passages(passages: list[Passage], article: Article, person: Person) -> list[str]:
    """Ids of the passages where `person` speaks or is reported.

    A paragraph counts if it names the person, or if it directly follows such a paragraph in the
    same section and opens with a quotation or a pronoun ("He also stressed…"): the article
    attributes those to the speaker named just before.
    """
    ids: list[str] = []
    previous: Passage | None = None
    attributed_previous = False
    for passage in passages:
        if passage.article != article.slug or passage.kind != "paragraph":
            continue
        same_section = previous is not None and previous.section == passage.section
        continues = passage.part not in (None, 1) or passage.text.lstrip().startswith(
            ("“", '"', "He ", "She ", "His ", "Her ")
        )
        attributed = person.mentioned_in(passage.text) or (same_section and attributed_previous and continues)
        if attributed:
            ids.append(passage.id)
        previous, attributed_previous = passage, attributed
    return ids
