"""Retrieval: a question in, ranked and scored passages out (no Discord, no formatting).

Signals, fused linearly (dense cosine + weight × BM25 normalised to the best passage):
- dense: cosine of the question with each passage and with each of its sentences (best one counts);
- lexical: BM25 over the passage, its section heading and the name, aliases, office and country
  of whoever speaks in it (so "Bolivia's president" finds Arce's paragraphs).
The reported `score` is the dense cosine of the passage's best text: an absolute measure of how
well it matches, which decides whether the question is answered at all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from bot.answerability import Evidence, looks_spanish, unknown_names
from bot.catalog import Speaker
from bot.index import PassageIndex
from bot.lexical import LexicalIndex
from bot.passages import Passage

QueryEncoder = Callable[[str], np.ndarray]


@dataclass(frozen=True)
class Hit:
    """A passage found for a question: `score` is the cosine of its best matching text."""

    passage: Passage
    score: float
    highlights: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class Retrieval:
    """The ranked hits for a question and the evidence for deciding whether they answer it."""

    hits: list[Hit]
    evidence: Evidence


@dataclass(frozen=True)
class RetrievalConfig:
    """Which signals take part; every switch was kept because `summit-bot eval` said so."""

    dense_passages: bool = True
    dense_sentences: bool = True
    dense_context: bool = True
    lexical: bool = True
    lexical_weight: float = 0.3  # linear fusion beat reciprocal-rank fusion on the dev set (R@1 0.845 vs 0.750)
    highlight_margin: float = 0.05


# How people ask for the metadata passage: indexed with it, so "who wrote this?" finds it by words too.
_METADATA_TERMS = ("author writer wrote written journalist reporter byline published publication date day "
                   "released outlet newspaper website source media "
                   "autor autora escribió escrito periodista publicó publicado publicación fecha medio fuente")


def lexical_document(passage: Passage, speakers: Sequence[Speaker]) -> str:
    """What BM25 indexes for a passage: its text, heading, and who speaks in it."""
    names = [
        " ".join((s.person.name, *s.person.aliases, s.person.office, s.person.country, *s.person.country_aliases))
        for s in speakers
        if passage.id in s.passage_ids
    ]
    extra = _METADATA_TERMS if passage.kind == "metadata" else None
    return "\n".join(filter(None, [passage.section, passage.text, *names, extra]))


class Retriever:
    """Hybrid retrieval over a `PassageIndex` (see the module docstring)."""

    def __init__(
        self,
        index: PassageIndex,
        encode_query: QueryEncoder,
        *,
        lexical: LexicalIndex | None = None,
        speakers: Sequence[Speaker] = (),
        config: RetrievalConfig | None = None,
    ) -> None:
        self.index = index
        self.encode_query = encode_query
        self.lexical = lexical
        self.speakers = list(speakers)
        self.config = config or RetrievalConfig()
        self._sentence_rows = index.sentences[:, 0].astype(np.int64) if len(index.sentences) else np.zeros(0, int)
        self._corpus_text = " ".join(lexical_document(p, self.speakers) for p in index.passages).casefold()

    def retrieve(self, question: str, k: int) -> Retrieval:
        """The `k` best passages and the evidence about how well they answer `question`."""
        hits = self.search(question, k)
        evidence = Evidence(
            best_score=max((hit.score for hit in hits), default=0.0),
            unknown_share=self.lexical.unknown_share(question) if self.lexical is not None else 0.0,
            unknown_names=tuple(unknown_names(question, self._corpus_text)),
            spanish=looks_spanish(question),
        )
        return Retrieval(hits, evidence)

    def search(self, question: str, k: int) -> list[Hit]:
        """The `k` best passages for `question`, best first."""
        config = self.config
        query = self.encode_query(question)
        n = len(self.index)
        sentence_scores = self.index.sentence_dense.scores(query)
        dense = np.full(n, -1.0, dtype=np.float32)
        if config.dense_sentences:
            np.maximum.at(dense, self._sentence_rows, sentence_scores)
        if config.dense_passages:
            dense = np.maximum(dense, self.index.dense.scores(query))
        if config.dense_context:
            dense = np.maximum(dense, self.index.context_dense.scores(query))

        fused = dense.astype(np.float64)
        if config.lexical and self.lexical is not None:
            lexical = self.lexical.scores(question)
            top = float(lexical.max())
            if top > 0:
                fused += config.lexical_weight * lexical / top

        order = np.lexsort((-dense, -fused))[: min(k, n)]
        return [
            Hit(self.index.passages[row], float(dense[row]), self._highlights(int(row), sentence_scores))
            for row in order
        ]

    def _highlights(self, row: int, sentence_scores: np.ndarray) -> tuple[tuple[int, int], ...]:
        """Spans of the passage's best sentence(s): those within the margin of the best one."""
        members = np.flatnonzero(self._sentence_rows == row)
        if members.size == 0:
            return ()
        best = float(sentence_scores[members].max())
        chosen = [i for i in members if sentence_scores[i] >= best - self.config.highlight_margin]
        return tuple((int(self.index.sentences[i, 1]), int(self.index.sentences[i, 2])) for i in chosen)
