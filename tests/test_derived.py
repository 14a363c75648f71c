"""What retrieval derives from the passages: saved with the index, read back the same, and answering the same."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import numpy as np

from bot.answering.engine import Engine
from bot.corpus.catalog import Catalog, passage_ref
from bot.index.passage_index import PassageIndex
from bot.provision import index_key
from bot.retrieval import Derived, Retriever
from bot.retrieval.normalise import word_counts
from bot.text import fold


def test_derived_state_read_back_from_the_saved_index_is_what_building_it_gives(engine: Engine,
                                                                                 tmp_path: Path) -> None:
    catalog = engine.catalog
    built = Derived.build(catalog.passages, catalog.speakers, catalog.terms)
    engine.index.save(tmp_path / "index")
    loaded = PassageIndex.load(tmp_path / "index", index_key(catalog))
    assert loaded.derived is not None
    read = Derived.from_arrays(loaded.derived)
    assert read.known == built.known
    assert read.places == built.places
    assert dict(read.counts) == dict(built.counts)
    assert set(read.holds) == set(built.holds)
    for kind, mask in built.holds.items():
        assert np.array_equal(read.holds[kind], mask), kind
    assert read.roles == built.roles
    assert read.saved.attributions == built.saved.attributions
    assert (read.saved.starts, read.saved.sizes) == (built.saved.starts, built.saved.sizes)
    assert np.array_equal(read.saved.refs, built.saved.refs) and np.array_equal(read.saved.ref_rows,
                                                                                built.saved.ref_rows)
    assert set(built.roles["metadata"]) == {a.slug for a in catalog.corpus.articles}


def test_an_index_saved_without_derived_state_is_read_as_one_with_it(engine: Engine) -> None:
    index = engine.index
    bare = PassageIndex(index.passages, index.dense.vectors, index.sentences, index.sentence_dense.vectors,
                        index.manifest, index.lexical, index.context_dense.vectors, index.ann, index.frequencies)
    assert bare.derived is None
    catalog = engine.catalog
    questions = ["what did maduro propse?", "How many migrants?", "what did honduras say?", "¿Quién habló de Cuba?"]
    with_saved = Retriever(index, engine.encode_query, lexical=index.lexical, speakers=catalog.speakers,
                           terms=catalog.terms)
    derived_here = Retriever(bare, engine.encode_query, lexical=index.lexical, speakers=catalog.speakers,
                             terms=catalog.terms)
    for question in questions:
        a, b = with_saved.retrieve(question, 3), derived_here.retrieve(question, 3)
        assert [h.passage.id for h in a.hits] == [h.passage.id for h in b.hits], question
        assert a.signals == b.signals, question
        assert a.unmentioned == b.unmentioned, question


def test_word_counts_fold_each_distinct_word_as_folding_every_word_would() -> None:
    texts = ["Díaz-Canel met DIAZ and díaz", "Guantánamo, guantanamo; Guantanamo’s", "short and longer words 2025"]
    every_word = Counter(fold(w) for text in texts for w in re.findall(r"[^\W\d_]{4,}", text))
    assert word_counts(texts) == dict(every_word)
    assert word_counts(texts)["diaz"] == 3
    assert "and" not in word_counts(texts)  # under four letters


def test_a_catalog_on_the_saved_index_has_the_speakers_and_sources_of_one_that_reads_every_passage(
        engine: Engine) -> None:
    catalog = engine.catalog
    read_here = Catalog(catalog.corpus, catalog.model)  # cuts the corpus and finds who speaks where itself
    assert catalog.speakers == read_here.speakers
    assert catalog.sources == read_here.sources
    assert any(s.passage_ids for s in catalog.speakers)


def test_the_saved_index_finds_every_passage_by_its_ref_and_its_neighbours_as_the_corpus_does(engine: Engine) -> None:
    catalog = engine.catalog
    read_here = Catalog(catalog.corpus, catalog.model)
    for passage in read_here.passages:
        ref = passage_ref(passage)
        assert catalog.by_ref(ref) == passage
        assert catalog.neighbours(passage) == read_here.neighbours(passage)
    assert catalog.by_ref("0" * 12) is None and catalog.by_ref("not a ref") is None


def test_packed_strings_come_back_as_they_were_and_take_their_own_length() -> None:
    from bot.retrieval.derived import pack, unpack

    words = ["diaz-canel", "guantánamo", "x" * 300, "a"]
    packed = pack(words)
    assert unpack(packed) == words and unpack(pack([])) == []
    assert packed.nbytes == len("\n".join(words).encode())  # not 4 bytes x the longest, for every word
