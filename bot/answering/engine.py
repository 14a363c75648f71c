"""The engine: corpus, index and model put together; the one entry point both faces use."""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.answering.answer import Answer, Citation, build_answer, cite
from bot.answering.every_article import cite_every_article, stable_order
from bot.answering.followup import FollowUps, Turn
from bot.answering.overview import event_names, overview_answer, overview_kind
from bot.answering.question import Question, asks_about_people, clean_question
from bot.corpus.articles import Article
from bot.corpus.catalog import Catalog
from bot.index.embeddings import Embedder
from bot.index.passage_index import BuildReport, PassageIndex
from bot.provision import current_index, query_encoder
from bot.retrieval import RetrievalConfig, Retriever
from bot.retrieval.decide import LIKENESS_MODEL_FILE, MODEL_FILE, DecisionModel
from bot.retrieval.language import question_language
from bot.retrieval.reader import Reader
from bot.retrieval.translate import TO_SPANISH, MachineTranslator
from bot.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IndexInfo:
    """What `/about` and `summit-bot sources` tell about the index."""

    model_id: str
    passages: int
    built_at: str
    directory: Path


@dataclass(frozen=True)
class _Snapshot:
    """Corpus, index and retriever that belong together; replaced as one by `Engine.reload`."""

    catalog: Catalog
    index: PassageIndex
    retriever: Retriever
    articles: dict[str, Article]
    followups: FollowUps
    events: tuple[str, ...]  # what the corpus calls its events (`overview.event_names`)


class Engine:
    """Answers questions from the corpus; thread-safe for concurrent `ask` calls, and for `reload`."""

    def __init__(
        self, settings: Settings, catalog: Catalog, index: PassageIndex, config: RetrievalConfig | None = None
    ) -> None:
        self.settings = settings
        self._config = config
        self.translator = MachineTranslator.apertium() if settings.translation == "auto" else None
        if self.translator is not None and not self.translator.available:
            log.info("Spanish questions are searched with cognates only: install Debian's apertium-en-es to "
                     "also search their English translation")
            self.translator = None
        # Quoted passages into Spanish, on request only (started on first use): a gist, never the citation.
        to_spanish = MachineTranslator.apertium(TO_SPANISH) if settings.translation == "auto" else None
        self.to_spanish = to_spanish if to_spanish is not None and to_spanish.available else None
        self.reader = Reader() if settings.reader == "on" else None
        self._embedder: Embedder | None = None
        self._embedder_lock = threading.Lock()
        self._reload_lock = threading.Lock()
        self._state = self._snapshot(catalog, index)
        self._decision: DecisionModel | None = None

    def _snapshot(self, catalog: Catalog, index: PassageIndex) -> _Snapshot:
        retriever = Retriever(
            index, self.encode_query, lexical=index.lexical, speakers=catalog.speakers, terms=catalog.terms,
            config=self._config, translator=self.translator, reader=self.reader,
        )
        articles = catalog.corpus.articles
        return _Snapshot(catalog, index, retriever, {a.slug: a for a in articles}, FollowUps(catalog),
                         tuple(event_names(articles)))

    @property
    def catalog(self) -> Catalog:
        return self._state.catalog

    @property
    def index(self) -> PassageIndex:
        return self._state.index

    @property
    def retriever(self) -> Retriever:
        return self._state.retriever

    @classmethod
    def open(
        cls,
        settings: Settings,
        *,
        catalog: Catalog | None = None,
        force_rebuild: bool = False,
        progress: bool = False,
    ) -> Engine:
        """Load the index for the current corpus and model, building it first if needed."""
        catalog, index, _ = current_index(settings, catalog or Catalog.from_settings(settings), force=force_rebuild,
                                          progress=progress)
        return cls(settings, catalog, index)

    # -- model ------------------------------------------------------------------------------

    def embedder(self) -> Embedder:
        """The query-side model (ONNX when it can be had), loaded on first use."""
        with self._embedder_lock:
            if self._embedder is None:
                self._embedder = query_encoder(self.settings, self.catalog)
            return self._embedder

    def encode_query(self, question: str) -> np.ndarray:
        return self.embedder().encode([question])[0]

    def warm_up(self) -> None:
        """Load the models, run one query and prepare typo repair, so the first user does not wait for them."""
        self.encode_query("warm up")
        if self.reader is not None:  # onnxruntime's first run allocates its buffers
            self.reader.probabilities("warm up", ["a passage"])
        self.retriever.warm_up()
        if self.translator is not None:
            self.translator.translate("hola")  # starts the translation pipeline

    @property
    def decision(self) -> DecisionModel:
        """The calibrated answer decision (`bot/retrieval/decision.json`), read on first use."""
        if self._decision is None:
            self._decision = DecisionModel.load(MODEL_FILE if self.reader is not None else LIKENESS_MODEL_FILE)
        return self._decision

    # -- questions --------------------------------------------------------------------------

    def check(self, question: str) -> Question:
        """`question` cleaned and checked, with its language; raises `QuestionError` for unusable input
        (empty, or longer than `max_question_chars`) with a message for the asker."""
        cleaned = clean_question(question, max_chars=self.settings.max_question_chars)
        return Question(cleaned, question_language(cleaned, self._state.index.frequencies))

    def ask(self, question: str | Question, top_k: int | None = None, previous: Turn | None = None) -> Answer:
        """Answer `question` (checked here unless it was by `check`) with cited passages; raises `QuestionError`
        for unusable input.

        With `previous` (the exchange it follows up), the question is read in that context
        (`bot.answering.followup`), and the answer's `searched_for` says what was searched.
        """
        checked = question if isinstance(question, Question) else self.check(question)
        cleaned = checked.text
        state = self._state  # one snapshot throughout, whatever a concurrent `reload` does
        kind = overview_kind(cleaned, state.events)
        if kind is not None:  # "who spoke?", "a summary": the corpus's structure answers, not one ranked passage
            return overview_answer(cleaned, kind, state.catalog,
                                   [state.articles[slug] for slug in stable_order(state.articles.values())])
        k = max(1, min(top_k or self.settings.top_k, len(state.index)))
        query, exclude = cleaned, frozenset[str]()
        if previous is not None:
            rewrite = state.followups.rewrite(cleaned, previous)
            query, exclude = rewrite.query, frozenset(rewrite.exclude)
        # the asker's language, detected when checking, unless a follow-up's rewrite changed what is searched
        language = checked.language if query == cleaned else None
        found = state.retriever.retrieve(query, min(len(state.index), k + len(exclude)), language=language)
        confidence = self.decision.confidence(found.signals)
        found_hits = [hit for hit in found.hits if hit.passage.id not in exclude][:k] if exclude else found.hits
        # "Who wrote the article?" with several articles: every article's details, not one by chance.
        hits = cite_every_article(found_hits, state.retriever, found.reading, stable_order(state.articles.values()), k)
        answer = build_answer(cleaned, hits, state.articles, confidence, searched_for=found.query,
                              unmentioned=found.unmentioned)
        if not answer.answered and answer.unmentioned and asks_about_people(cleaned, answer.unmentioned):
            people = {s.person.name: s.person for s in state.catalog.speakers}
            answer = dataclasses.replace(answer, leaders=tuple(people.values()))
        return answer

    def passages(self, query: str, k: int) -> tuple[Citation, ...]:
        """The `k` passages nearest `query`, best first, highlighted: what More and the closest passages show.

        Retrieval only: nothing is decided (the answer they page through was decided when it was given).
        """
        checked = self.check(query)
        state = self._state
        hits = state.retriever.retrieve(checked.text, max(1, min(k, len(state.index))), language=checked.language).hits
        return build_answer(checked.text, hits, state.articles, "none").citations

    def context(self, ref: str) -> tuple[Citation, ...] | None:
        """The passage a `passage_ref` names with the ones before and after it; None if the corpus lost it."""
        state = self._state
        passage = state.catalog.by_ref(ref)
        if passage is None:
            return None
        before, after = state.catalog.neighbours(passage)
        return cite([p for p in (before, passage, after) if p is not None], state.articles)

    def translations(self, refs: Sequence[str]) -> tuple[tuple[Citation, str], ...] | None:
        """The passages `refs` name (those still in the corpus), each with its machine translation into Spanish;
        None when no translation can be had (Apertium's en→es pair missing, or resting after a failure)."""
        if self.to_spanish is None:
            return None
        state = self._state
        passages = [p for p in (state.catalog.by_ref(ref) for ref in refs) if p is not None]
        out = []
        for citation in cite(passages, state.articles):
            translated = self.to_spanish.translate(citation.passage.text)
            if translated is None:
                return None
            out.append((citation, translated))
        return tuple(out)

    def has_ref(self, ref: str) -> bool:
        """Whether the passage a `passage_ref` names is still in the corpus, unchanged."""
        return self._state.catalog.by_ref(ref) is not None

    def reload(self, *, force: bool = False) -> BuildReport | None:
        """Re-read the corpus and load (or rebuild) its index, then swap them in at once.

        `ask` calls already running finish with the old corpus and index, later ones use the new;
        on failure (e.g. a broken corpus file) the error propagates and nothing changes. Slow:
        call it from a worker thread. The report is None when the saved index was current.
        """
        with self._reload_lock:
            catalog, index, report = current_index(self.settings, Catalog.from_settings(self.settings), force=force)
            state = self._snapshot(catalog, index)
            state.retriever.warm_up()
            self._state = state
        log.info("reloaded: %d passages from %d article(s)", len(index), len(catalog.corpus.articles))
        return report

    @property
    def info(self) -> IndexInfo:
        manifest = self.index.manifest
        return IndexInfo(manifest.key.model_id, manifest.passages, manifest.built_at, self.settings.index_dir)
