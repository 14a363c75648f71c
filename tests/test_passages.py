"""Passages: stable ids, sections, paragraph numbers, sentence splits and the metadata passage."""

from __future__ import annotations

from bot.corpus.articles import load_corpus
from bot.corpus.catalog import Catalog
from bot.corpus.passages import PHOTO_PREFIX, context_texts, corpus_passages, sentence_spans
from bot.index.embeddings import resolve_model
from bot.index.passage_index import split_sentences
from bot.retrieval import lexical_document
from bot.settings import BUNDLED_MODEL
from tests.conftest import CORPUS_DIR, SLUG


def _catalog() -> Catalog:
    return Catalog(load_corpus(CORPUS_DIR), resolve_model(BUNDLED_MODEL))


def test_ids_are_stable_and_readable() -> None:
    first, second = _catalog().passages, _catalog().passages
    assert [p.id for p in first] == [p.id for p in second]
    assert first[0].id == f"{SLUG}#meta"
    assert [p.id for p in first[1:]] == [f"{SLUG}#p{n}" for n in range(1, 24)]


def test_passage_fields() -> None:
    passages = {p.id: p for p in _catalog().passages}
    p9 = passages[f"{SLUG}#p9"]
    assert p9.text.startswith("In addition, Maduro proposed the activation of an ALBA-TCP air and sea fleet")
    assert p9.section == "Maduro’s call for migrant rights and regional security"
    assert p9.paragraph == 9
    assert passages[f"{SLUG}#p1"].section is None
    meta = passages[f"{SLUG}#meta"]
    assert meta.kind == "metadata"
    assert "Pablo Meriguet" in meta.text and "February 6, 2025" in meta.text and "Peoples Dispatch" in meta.text


def test_long_paragraph_split_at_sentences_within_limit() -> None:
    corpus = load_corpus(CORPUS_DIR)
    spec = resolve_model(BUNDLED_MODEL)
    count = spec.token_counter()
    passages = corpus_passages(corpus, max_tokens=40, count_tokens=count)
    parts = [p for p in passages if p.paragraph == 16]
    assert len(parts) > 1
    assert [p.id for p in parts] == [f"{SLUG}#p16.{i}" for i in range(1, len(parts) + 1)]
    assert all(count(p.text) <= 40 for p in passages if p.kind == "paragraph")
    # nothing lost: the parts joined with spaces give the paragraph back
    original = corpus.article(SLUG).paragraphs[15]
    assert " ".join(p.text for p in parts) == original


def test_no_passage_exceeds_model_length() -> None:
    catalog = _catalog()
    count = catalog.model.token_counter()
    assert all(count(p.text) <= catalog.model.max_seq_length for p in catalog.passages)


def test_sentence_spans_respect_abbreviations_and_quotes() -> None:
    text = ("The Head of State of St. Vincent and the Grenadines spoke. “We must act.” Then U.S. policy "
            "was discussed… We must continue.")
    sentences = [text[s:e] for s, e in sentence_spans(text)]
    assert sentences == [
        "The Head of State of St. Vincent and the Grenadines spoke.",
        "“We must act.”",
        "Then U.S. policy was discussed…",
        "We must continue.",
    ]


def test_the_photo_caption_is_shown_with_the_details_and_searched_by_asking_about_the_photo() -> None:
    catalog = _catalog()
    meta = catalog.passages[0]
    caption = catalog.corpus.article(SLUG).photo_caption
    assert caption and meta.text.endswith("\n" + PHOTO_PREFIX + caption)  # verbatim, cited with the details
    # found by asking about the photo: BM25 has the word "photo" with the details, not the caption's own words
    lexical = lexical_document(meta, catalog.speakers)
    assert "photo" in lexical.split() and caption not in lexical
    # and it is no sentence of its own, nor part of the details' context embedding
    rows = split_sentences([meta])
    assert all(not meta.text[start:end].startswith(PHOTO_PREFIX) for _, start, end in rows)
    assert caption not in context_texts([meta])[0]
