"""Speakers: exactly the people of the metadata, with the passages where each speaks."""

from __future__ import annotations

from bot.corpus.articles import load_corpus
from bot.corpus.catalog import Catalog
from bot.index.embeddings import resolve_model
from bot.settings import BUNDLED_MODEL
from tests.conftest import CORPUS_DIR, SLUG


def _catalog() -> Catalog:
    return Catalog(load_corpus(CORPUS_DIR), resolve_model(BUNDLED_MODEL))


def test_speakers_are_the_metadata_people_with_their_paragraphs() -> None:
    catalog = _catalog()
    by_name = {s.person.name: [pid.split("#")[1] for pid in s.passage_ids] for s in catalog.speakers}
    assert set(by_name) == {p.name for p in catalog.corpus.article(SLUG).people}
    assert by_name["Nicolás Maduro"] == ["p8", "p9"]
    assert by_name["Miguel Díaz-Canel"] == ["p10", "p11", "p12"]  # p11 is his quote, p12 names "Canel"
    assert by_name["Daniel Ortega"] == ["p13", "p14"]  # "He also stressed…"
    assert by_name["Roosevelt Skerrit"] == ["p21", "p22"]  # the closing paragraph is not his


def test_find_speakers_is_accent_and_case_insensitive() -> None:
    catalog = _catalog()
    assert [s.person.name for s in catalog.find_speakers("diaz")] == ["Miguel Díaz-Canel"]
    assert [s.person.name for s in catalog.find_speakers("CANEL")] == ["Miguel Díaz-Canel"]
    assert [s.person.name for s in catalog.find_speakers("arce")] == ["Luis Arce"]
    assert len(catalog.find_speakers("")) == len(catalog.speakers)
    assert catalog.speaker("nicolas maduro") is not None
    assert catalog.speaker("Lula") is None
