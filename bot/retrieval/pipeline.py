"""Retrieval: a question in, ranked and scored passages out (no Discord, no formatting).

Typos are repaired first ("artcle" → "article"); a Spanish question also brings the English corpus
words its words are cognates of ("migrantes" → "migrants") to BM25. Then signals, fused linearly:
- dense: cosine of the question with each passage, each of its sentences, and the passage joined
  to the one before when it leans on it (best one counts);
- lexical: + weight × BM25 (normalised to the best passage) over the passage, its section heading
  and the name, aliases, office and country of whoever speaks in it (so "Bolivia's president"
  finds Arce's paragraphs);
- answer type: + a bonus for passages holding the kind of answer asked for (`bot.retrieval.answer_kinds`).
The reported `score` is the dense cosine of the passage's best text: an absolute measure of how
well it matches. With the other signals in `Retrieval.signals` it feeds the calibrated decision
(`bot.retrieval.decide`): high, medium or no confidence.

Small corpora are scored in full. From `RetrievalConfig.candidate_threshold` passages on, only
candidates are scored: the approximate index's (or exact) nearest passages plus BM25's best,
so a million passages cost a few milliseconds, not a full pass over every sentence.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from bot.corpus.articles import Term
from bot.corpus.catalog import Speaker
from bot.corpus.passages import Passage
from bot.index.ann import DEFAULT_ANN_THRESHOLD
from bot.index.lexical import LexicalIndex
from bot.index.passage_index import PassageIndex
from bot.index.wordfreqs import Language
from bot.retrieval.answer_kinds import DECISIVE_TYPES, POSITION_TYPES, wanted_types
from bot.retrieval.decide import Signals
from bot.retrieval.derived import Derived
from bot.retrieval.highlight import Focus, Highlighter, asks_about_photo, question_focus
from bot.retrieval.language import Cognates, question_language
from bot.retrieval.normalise import Speller
from bot.retrieval.reader import Reader, reader_text
from bot.retrieval.translate import MachineTranslator
from bot.retrieval.vocabulary import PlaceNames, unknown_names, unknown_words
from bot.text import fold

QueryEncoder = Callable[[str], np.ndarray]


@dataclass(frozen=True)
class Hit:
    """A passage found for a question: `score` is the cosine of its best matching text."""

    passage: Passage
    score: float
    highlights: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class Reading:
    """The question read once, at the top of retrieval: every step after reads this, none reads the question again
    (the candidates, dense scoring, BM25, the kind bonus, the reader, highlights, every article's counterpart)."""

    question: str  # as asked, typos repaired (an English question)
    language: Language  # "en" or "es"
    searched: str  # what is searched: the question, and under a Spanish one its English translation
    read_as: str  # what the reader reads with the passages (English)
    wanted: frozenset[str]  # the kinds of answer asked for (`answer_kinds`)
    focus: Focus  # what the highlight marks
    vector: np.ndarray  # the searched text's embedding

    @property
    def spanish(self) -> bool:
        return self.language == "es"


@dataclass(frozen=True)
class Retrieval:
    """The ranked hits for a question and the signals for deciding how surely they answer it."""

    hits: list[Hit]
    signals: Signals
    query: str  # what was searched: the question with its typos repaired
    reading: Reading  # how the question was read
    # The question's names, places and rare words the corpus never uses, in the question's order: a refusal
    # says so ("Petro and Lula are not mentioned"), rather than only "try rephrasing".
    unmentioned: tuple[str, ...] = ()


def _unmentioned(question: str, words: Sequence[str]) -> tuple[str, ...]:
    """`words` (found in `question`, possibly folded) once each, as the question writes them, in its order."""
    folded = fold(question)
    spans: dict[str, tuple[int, str]] = {}
    for word in words:
        at = folded.find(fold(word))
        if at < 0:
            continue
        written = question[at:at + len(word)] if len(question) == len(folded) else word
        spans.setdefault(fold(written), (at, written))
    kept = sorted(spans.values())
    # a word inside a longer one found ("lucía" inside "santa lucía") is not listed twice
    return tuple(w for _, w in kept if not any(fold(w) != fold(o) and fold(w) in fold(o) for _, o in kept))


@dataclass(frozen=True)
class _Found:
    hits: list[Hit]
    best_score: float  # the best dense cosine of any passage scored, whatever k is
    margin: float  # how far that is ahead of the next passage's
    lexical_top: float  # the best raw BM25 score
    answer_type_missing: bool  # a time/sum/count was asked for, and no passage near the best match holds one
    asks_position: bool  # the first or last paragraph was asked for
    reader_top: float  # the reader's P(answers) for the first passage (0 without a reader)
    reader_margin: float  # how far that is ahead of the best other candidate's (negative: another reads better)


@dataclass(frozen=True)
class RetrievalConfig:
    """Which signals take part; every switch was kept because `summit-bot eval` said so."""

    dense_passages: bool = True
    dense_sentences: bool = True
    dense_context: bool = True
    lexical: bool = True
    lexical_weight: float = 0.3  # linear fusion beat reciprocal-rank fusion on the dev set (R@1 0.845 vs 0.750)
    candidate_threshold: int = DEFAULT_ANN_THRESHOLD  # from this many passages on, score candidates only
    candidates: int = 200  # how many from each of the dense and lexical sides
    highlight_margin: float = 0.05
    spelling: bool = True  # repair typos towards corpus words before searching
    answer_type_weight: float = 0.5  # bonus for passages holding the kind of answer asked for (a year, a sum)
    answer_type_margin: float = 0.1  # the wanted kind of answer must be in a passage this close to the best match
    rare_zipf: float = 4.0  # unknown words at least this common in the question's language are ordinary, not evidence
    reader_candidates: int = 2  # how many of the best fused passages the reader reads (and re-ranks, if weighted)
    reader_weight: float = 0.0  # the reader's P added to their fused score: 0 was best on dev R@1 (eval/README)


class Retriever:
    """Hybrid retrieval over a `PassageIndex` (see the module docstring)."""

    def __init__(
        self,
        index: PassageIndex,
        encode_query: QueryEncoder,
        *,
        lexical: LexicalIndex | None = None,
        speakers: Sequence[Speaker] = (),
        terms: Sequence[tuple[str, Term]] = (),
        config: RetrievalConfig | None = None,
        translator: MachineTranslator | None = None,
        reader: Reader | None = None,
    ) -> None:
        self.index = index
        self.reader = reader
        self.translator = translator  # Spanish → English, for searching (None: cognates only)
        self.encode_query = encode_query
        self.lexical = lexical
        self.speakers = list(speakers)
        self.config = config or RetrievalConfig()
        sentence_rows = index.sentences[:, 0].astype(np.int64) if len(index.sentences) else np.zeros(0, np.int64)
        # Sentences are stored in passage order: passage r owns sentences start[r]:start[r + 1].
        self._sentence_start = np.searchsorted(sentence_rows, np.arange(len(index) + 1))
        self.derived = derived = Derived.of_index(index, self.speakers, terms)  # saved with the index (or built)
        self._known_words = derived.known
        self._places = PlaceNames(derived.places)
        self._cognates = Cognates(derived.known.words)
        self.frequencies = index.frequencies
        self._holds = derived.holds
        names = [form for s in self.speakers for form in s.person.name_forms]
        self._highlighter = Highlighter(names, margin=self.config.highlight_margin)
        self.speller = (
            Speller(derived.counts, self.frequencies) if self.frequencies is not None and self.config.spelling else None
        )

    def warm_up(self) -> None:
        """Do the one-off work a first typo would otherwise pay for (it holds the GIL ~0.2 s)."""
        if self.speller is not None:
            self.speller.prepare()

    def read(self, question: str, language: Language | None = None) -> Reading:
        """`question` read once: its language (unless given: the asker's question's, detected when it was checked),
        typos repaired, its English translation, what it asks for, its vector."""
        language = language or question_language(question, self.frequencies)
        spanish = language == "es"
        if self.speller is not None and not spanish:  # Spanish words are not English typos
            question = self.speller.correct(question)
        searched, read_as = question, question
        if spanish and self.translator is not None:  # searched as itself and as its English translation
            english = self.translator.translate(question)
            searched = f"{question}\n{english}" if english else question
            read_as = english or question  # the reader reads English
        vector = np.asarray(self.encode_query(searched), dtype=np.float32)
        wanted = wanted_types(searched)
        return Reading(question, language, searched, read_as, wanted, question_focus(searched, wanted), vector)

    def retrieve(self, question: str, k: int, *, language: Language | None = None) -> Retrieval:
        """The `k` best passages and the signals about how surely they answer `question` (asked in `language`,
        detected here if not given)."""
        reading = self.read(question, language)
        question, language, spanish = reading.question, reading.language, reading.spanish
        found = self._search(reading, k)
        unknown, words = unknown_words(question, self._known_words, spanish=spanish)
        if self.frequencies is not None:  # ordinary words of the question's language say nothing about its topic
            unknown = [w for w in unknown if self.frequencies.zipf(w, language) < self.config.rare_zipf]
        names = unknown_names(question, self._known_words)
        places = self._places.in_text(question)
        signals = Signals(
            dense_top=found.best_score,
            dense_margin=found.margin,
            lexical_top=float(np.log1p(found.lexical_top)),
            unknown_share=len(unknown) / words if words else 0.0,
            foreign_names=len(names) + len(places),
            spanish=spanish,
            answer_kind_missing=found.answer_type_missing,
            asks_position=found.asks_position,
            reader_top=found.reader_top,
            reader_margin=found.reader_margin,
        )
        # Said to the asker only when no form of the word is in the corpus ("propose" ~ "proposed" is not listed).
        # In a Spanish question every ordinary word is absent from the English coverage: only its names are said.
        stems = self._known_words.stems
        unused = [] if spanish else [w for w in unknown if len(w) < 5 or fold(w)[:5] not in stems]
        return Retrieval(found.hits, signals, question, reading, _unmentioned(question, [*unused, *names, *places]))

    def search(self, question: str, k: int) -> list[Hit]:
        """The `k` best passages for `question`, best first: the same path `retrieve` takes, typo repair included."""
        return self.retrieve(question, k).hits

    def _search(self, reading: Reading, k: int) -> _Found:
        """The `k` best passages, and what the refusal needs to know about all passages scored."""
        config = self.config
        query = reading.vector
        n = len(self.index)
        lexical = None
        if config.lexical and self.lexical is not None:
            # A Spanish question also asks BM25 for the English words its own words are cognates of.
            cognates = self._cognates.of(reading.searched) if reading.spanish else []
            lexical = self.lexical.scores(" ".join([reading.searched, *cognates]))
        rows = self._candidates(query, lexical) if n >= config.candidate_threshold else np.arange(n)

        dense = np.full(rows.shape[0], -1.0, dtype=np.float32)
        if config.dense_sentences:
            starts = self._sentence_start[rows]
            lengths = self._sentence_start[rows + 1] - starts
            owner = np.repeat(np.arange(rows.shape[0]), lengths)  # local position of each sentence's passage
            sentences = np.arange(lengths.sum()) + np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
            np.maximum.at(dense, owner, self.index.sentence_dense.vectors[sentences] @ query)
        if config.dense_passages:
            dense = np.maximum(dense, self.index.dense.vectors[rows] @ query)
        if config.dense_context:
            dense = np.maximum(dense, self.index.context_dense.vectors[rows] @ query)

        fused = dense.astype(np.float64)
        if lexical is not None:
            top = float(lexical.max())
            if top > 0:
                fused += config.lexical_weight * lexical[rows] / top

        wanted = reading.wanted
        if wanted and config.answer_type_weight:
            fused += config.answer_type_weight * self._held(wanted, rows)
        decisive = wanted & DECISIVE_TYPES
        near_best = dense >= dense.max() - config.answer_type_margin
        answer_type_missing = bool(decisive) and not (self._held(decisive, rows) & near_best).any()

        order = np.lexsort((rows, -dense, -fused))
        order, reader_top, reader_margin = self._read(reading.read_as, rows, order, fused)
        order = order[: min(k, rows.shape[0])]
        hits = [
            Hit(self.index.passages[int(rows[i])], float(dense[i]),
                self.highlights(int(rows[i]), query, reading.focus))
            for i in order
        ]
        asks_position = bool(wanted & POSITION_TYPES) and bool(hits)
        best = np.sort(dense)[::-1]
        margin = float(best[0] - best[1]) if best.shape[0] > 1 else float(best[0])
        lexical_top = float(lexical.max()) if lexical is not None and lexical.size else 0.0
        return _Found(hits, float(best[0]), margin, lexical_top, answer_type_missing, asks_position,
                      reader_top, reader_margin)

    def _read(self, question: str, rows: np.ndarray, order: np.ndarray,
              fused: np.ndarray) -> tuple[np.ndarray, float, float]:
        """The fused order with its first `reader_candidates` re-ranked by fused score + `reader_weight` × the
        reader's P(answers); the first passage's P and its lead over the best other candidate's."""
        if self.reader is None or not self.config.reader_candidates:
            return order, 0.0, 0.0
        head = order[: self.config.reader_candidates]
        photo = asks_about_photo(question)
        p = self.reader.probabilities(question, [self._reader_text(int(rows[i]), photo) for i in head]
                                      ).astype(np.float64)
        ranked = np.argsort(-(fused[head] + self.config.reader_weight * p), kind="stable")
        first = float(p[ranked[0]])
        others = np.delete(p, ranked[0])
        margin = first - float(others.max()) if others.size else first
        return np.concatenate([head[ranked], order[head.shape[0]:]]), first, margin

    def _reader_text(self, row: int, photo: bool = False) -> str:
        """What the reader reads of passage `row` (with the one before it, when it leans on it): made for the few
        candidates read, never kept for the whole index."""
        passages = self.index.passages
        return reader_text(passages[row], passages[row - 1] if row > 0 else None, photo=photo)

    def _held(self, kinds: frozenset[str], rows: np.ndarray) -> np.ndarray:
        """Which of `rows` hold an answer of any of `kinds`."""
        held = np.zeros(rows.shape[0], dtype=bool)
        for kind in kinds:
            held |= self._holds[kind][rows]
        return held

    def _candidates(self, query: np.ndarray, lexical: np.ndarray | None) -> np.ndarray:
        """Sorted rows worth scoring: the dense nearest (approximate when the index has an ANN) and BM25's best."""
        count = self.config.candidates
        _, dense_rows = self.index.nearest(query, count)
        found = [np.asarray(dense_rows, dtype=np.int64)]
        if lexical is not None:
            positive = np.flatnonzero(lexical > 0)
            if positive.size > count:
                positive = positive[np.argpartition(-lexical[positive], count - 1)[:count]]
            found.append(positive)
        return np.unique(np.concatenate(found))

    def best_cosine(self, row: int, query: np.ndarray) -> float:
        """The best cosine of passage `row` or one of its sentences with `query`."""
        start, end = int(self._sentence_start[row]), int(self._sentence_start[row + 1])
        best = float(self.index.dense.vectors[row] @ query)
        if end > start:
            best = max(best, float((self.index.sentence_dense.vectors[start:end] @ query).max()))
        return best

    def highlights(self, row: int, query: np.ndarray, focus: Focus) -> tuple[tuple[int, int], ...]:
        """What answers in the passage: the question's focus, else its best sentence(s) (`bot.retrieval.highlight`)."""
        start, end = int(self._sentence_start[row]), int(self._sentence_start[row + 1])
        sentences = [(int(s), int(e)) for s, e in self.index.sentences[start:end, 1:3]]
        scores = self.index.sentence_dense.vectors[start:end] @ query
        return self._highlighter.spans(self.index.passages[row].text, sentences, scores, focus)
