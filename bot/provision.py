"""Provisioning: what the engine opens, made and kept current (no question is answered here).

The index is loaded if it matches the corpus and model, else built and saved with what retrieval
derives from it; the query model's ONNX export is made and verified beside it; leftovers of
builds killed midway are swept. `Layout` is the one place that knows where each of them lives.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.atomic import sweep_leftovers
from bot.corpus.catalog import Catalog
from bot.extras import require_index_tools
from bot.index.embedding_cache import EmbeddingCache
from bot.index.embeddings import Embedder, EmbeddingError, SentenceTransformerEmbedder
from bot.index.exported_model import onnx_folder
from bot.index.files import IndexKey, IndexUnusable
from bot.index.passage_index import BuildReport, PassageIndex, build_index
from bot.retrieval import DERIVED_VERSION, LEXICAL_VERSION, Derived, lexical_document
from bot.retrieval.derived import saved_catalog
from bot.settings import Settings

log = logging.getLogger(__name__)

EMBEDDING_CACHE = "embedding-cache"


@dataclass(frozen=True)
class Layout:
    """Where provisioning keeps what it makes: the index, the ONNX exports and the embedding cache beside it
    (one per model version), and the bot's state."""

    index: Path
    state: Path

    @classmethod
    def of(cls, settings: Settings) -> Layout:
        return cls(settings.index_dir, settings.state_dir)

    def onnx(self, model_fingerprint: str) -> Path:
        return onnx_folder(self.index, model_fingerprint)

    def embedding_cache(self, model_fingerprint: str) -> Path:
        return self.index.parent / EMBEDDING_CACHE / f"{model_fingerprint}.npz"

    def sweep(self, model_fingerprint: str) -> None:
        """Remove leftovers of builds and exports killed midway (a kill -9 leaves their temp folders behind)."""
        sweep_leftovers(self.index.parent, self.index.name)
        sweep_leftovers(self.embedding_cache(model_fingerprint).parent)
        sweep_leftovers(self.onnx(model_fingerprint).parent)
        sweep_leftovers(self.state)


def onnx_dir(settings: Settings, catalog: Catalog) -> Path:
    """Where the ONNX export of the model lives: beside the index, one folder per model version."""
    return Layout.of(settings).onnx(catalog.model.fingerprint)


def export_query_model(settings: Settings, catalog: Catalog, *, force: bool = False) -> bool:
    """Make sure a verified ONNX export of the model is there, exporting it again if it is missing or
    does not verify; False if it cannot be had. `force` re-hashes every file (no cached check).

    Leftovers of exports that were killed midway are removed first.
    """
    from bot.index.onnx_encoder import OnnxExportError, OnnxUnavailable, export_onnx, verify_export

    target = onnx_dir(settings, catalog)
    sweep_leftovers(target.parent)
    try:
        verify_export(target, trust_stamp=not force)
        return True
    except OnnxUnavailable as exc:
        if target.exists():
            log.warning("the ONNX export at %s is unusable (%s); exporting the model again", target, exc)
    try:
        export_onnx(catalog.model.location, target, model_id=catalog.model.model_id,
                    max_seq_length=catalog.model.max_seq_length)
    except (OnnxExportError, OSError, ImportError) as exc:
        log.warning("could not export the model to ONNX (%s); queries will use sentence-transformers", exc)
        return False
    log.info("exported the query model to ONNX at %s", target)
    return True


def query_encoder(settings: Settings, catalog: Catalog) -> Embedder:
    """The fastest encoder that gives the index's embeddings: ONNX Runtime, else sentence-transformers.

    The ONNX path imports neither torch nor sentence-transformers (seconds saved per start).
    """
    from bot.index.onnx_encoder import OnnxEmbedder, OnnxUnavailable

    if settings.query_backend == "sentence-transformers":
        return SentenceTransformerEmbedder(catalog.model)
    target = onnx_dir(settings, catalog)
    for attempt in (1, 2):
        try:
            return OnnxEmbedder(target)
        except OnnxUnavailable as exc:
            if attempt == 2 or not export_query_model(settings, catalog):
                if settings.query_backend == "onnx":
                    raise EmbeddingError(f"ONNX query path unavailable: {exc}") from exc
                log.warning("ONNX query path unavailable (%s); using sentence-transformers", exc)
                break
    return SentenceTransformerEmbedder(catalog.model)


def index_key(catalog: Catalog) -> IndexKey:
    return IndexKey(
        model_id=catalog.model.model_id,
        model_fingerprint=catalog.model.fingerprint,
        corpus_fingerprint=catalog.corpus.fingerprint,
        chunker_version=f"{catalog.chunker_version}/lexical{LEXICAL_VERSION}/derived{DERIVED_VERSION}",
    )


def build_for(
    catalog: Catalog, embedder_factory: Callable[[], Embedder], *, cache: EmbeddingCache | None,
    progress: bool = False,
) -> tuple[PassageIndex, BuildReport]:
    """The index of `catalog`'s passages: their vectors, BM25 over what `lexical_document` gives, and what
    retrieval derives from them (`bot.retrieval.derived`), keyed by `index_key`. Not saved."""
    documents = [lexical_document(p, catalog.speakers) for p in catalog.passages]
    derived = Derived.build(catalog.passages, catalog.speakers, catalog.terms, documents).to_arrays()
    return build_index(catalog.passages, index_key(catalog), embedder_factory, cache=cache,
                       lexical_documents=documents, progress=progress, derived=derived)


def ensure_index(
    settings: Settings,
    catalog: Catalog,
    *,
    force: bool = False,
    progress: bool = False,
    embedder_factory: Callable[[], Embedder] | None = None,
) -> tuple[PassageIndex, BuildReport | None]:
    """Load the saved index if it matches the corpus and model; otherwise rebuild and save it.

    The report is None when the saved index was used. A directory that cannot be written does
    not stop the bot: the fresh index is used from memory and the log says so.
    """
    key = index_key(catalog)
    layout = Layout.of(settings)
    directory = layout.index
    layout.sweep(catalog.model.fingerprint)
    if not force:
        try:
            index = PassageIndex.load(directory, key)
            log.debug("loaded index from %s (%d passages)", directory, len(index))
            return index, None
        except IndexUnusable as exc:
            log.info("rebuilding the index: %s", exc)
            require_index_tools(f"the index cannot be used ({exc})", directory)
    else:
        log.info("rebuilding the index: forced")
        require_index_tools("a rebuild of the index was asked for", directory)
    factory = embedder_factory or (lambda: SentenceTransformerEmbedder(catalog.model))
    cache = EmbeddingCache(layout.embedding_cache(catalog.model.fingerprint))
    index, report = build_for(catalog, factory, cache=cache, progress=progress)
    try:
        index.save(directory)
    except OSError as exc:
        log.warning(
            "could not save the index to %s (%s); using it from memory, it will be rebuilt next start",
            directory, exc.strerror or exc,
        )
        report = dataclasses.replace(report, save_error=f"{exc.strerror or exc}: {exc.filename or directory}")
    log.info(
        "indexed %d passages (%d sentences, %d embedded, the rest cached) in %.1f s",
        report.passages, report.sentences, report.encoded, report.seconds,
    )
    export_query_model(settings, catalog, force=force)
    return index, report


def current_index(
    settings: Settings, catalog: Catalog, *, force: bool = False, progress: bool = False
) -> tuple[Catalog, PassageIndex, BuildReport | None]:
    """The index for `catalog` (loaded, else built) and the catalog holding the index's own passages: one passage
    list, and a saved index spares a start cutting the corpus again (its key says the cut would be the same)."""
    index, report = ensure_index(settings, catalog, force=force, progress=progress)
    try:
        saved = saved_catalog(index.derived) if index.derived is not None else None
    except (KeyError, ValueError) as exc:  # an index of this version always has them: read the passages instead
        log.warning("the index's saved catalog is unusable (%s); reading the passages instead", exc)
        saved = None
    return catalog.with_passages(index.passages, saved), index, report
