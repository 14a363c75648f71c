"""With two articles in the corpus, questions about "the article" name both, in a stable order.

The second article (tests/fixtures/corpus_two/) is INVENTED for these tests; the first is the real
corpus article, linked in so that the two never drift apart.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from bot.answering.engine import Engine
from bot.answering.every_article import stable_order
from bot.cli import main, render_answer
from bot.corpus.articles import load_corpus
from bot.corpus.catalog import Catalog
from bot.discord_app import render
from bot.index.embeddings import Embedder
from bot.provision import ensure_index
from bot.settings import PROJECT_ROOT, Settings
from tests.conftest import SLUG, make_settings

FIXTURE = PROJECT_ROOT / "tests" / "fixtures" / "corpus_two"
INVENTED = "invented-alba-follow-up-2025-02-10"


@pytest.fixture(scope="module")
def two_settings(settings: Settings) -> Settings:
    """The two-article corpus, indexed beside the session's index (sharing its embedding cache and ONNX export)."""
    shared = settings.index_dir.parent
    return make_settings(shared, corpus_dir=FIXTURE, index_dir=shared / "index-two")


@pytest.fixture(scope="module")
def two(two_settings: Settings, embedder: Embedder) -> Engine:
    catalog = Catalog.from_settings(two_settings)
    index, _ = ensure_index(two_settings, catalog, embedder_factory=lambda: embedder)
    return Engine(two_settings, catalog, index)


def test_the_fixture_is_the_real_article_plus_one_marked_invented() -> None:
    corpus = load_corpus(FIXTURE)
    assert [a.slug for a in corpus.articles] == [SLUG, INVENTED]
    real = (PROJECT_ROOT / "corpus" / f"{SLUG}.md").read_bytes()
    assert (FIXTURE / f"{SLUG}.md").read_bytes() == real
    invented = corpus.article(INVENTED)
    assert invented.title.startswith("INVENTED FOR TESTS")
    assert invented.paragraphs[0].startswith("INVENTED FOR TESTS")


@pytest.mark.parametrize("question", [
    "Who wrote the article?", "who penned this piece", "When was it published?", "which outlet published it?",
    "¿Quién escribió el artículo?",
])
def test_a_question_about_the_article_cites_every_articles_details_oldest_first(two: Engine, question: str) -> None:
    answer = two.ask(question)
    assert [c.passage.id for c in answer.citations[:2]] == [f"{SLUG}#meta", f"{INVENTED}#meta"]
    assert len(answer.citations) == two.settings.top_k


def test_the_order_is_stable_whichever_article_matches_best(two: Engine) -> None:
    answer = two.ask("Who is the Invented Test Author who wrote for the Invented Test Gazette?")
    assert [c.passage.id for c in answer.citations[:2]] == [f"{SLUG}#meta", f"{INVENTED}#meta"]
    invented, real = answer.citations[1], answer.citations[0]
    assert invented.score > real.score, "the invented article's details match best, yet come second"


def test_each_articles_details_highlight_its_own_author(two: Engine) -> None:
    answer = two.ask("Who wrote the article?")
    marked = [[c.passage.text[s:e] for s, e in c.highlights] for c in answer.citations[:2]]
    assert marked == [["Pablo Meriguet"], ["Invented Test Author"]]


def test_how_the_article_ends_cites_the_last_paragraph_of_every_article(two: Engine) -> None:
    answer = two.ask("How does the article end?")
    ids = [c.passage.id for c in answer.citations[:2]]
    assert ids == [f"{SLUG}#p23", f"{INVENTED}#p7"]


def test_a_question_about_the_content_is_not_spread_over_articles(two: Engine) -> None:
    answer = two.ask("What did Maduro propose for the region's food supply?")
    assert answer.citations[0].passage.id == f"{SLUG}#p9"
    assert answer.citations[1].passage.kind != "metadata"


def test_top_1_still_names_every_article(two: Engine) -> None:
    answer = two.ask("Who wrote the article?", top_k=1)
    assert [c.passage.id for c in answer.citations] == [f"{SLUG}#meta", f"{INVENTED}#meta"]


def test_the_terminal_names_both_articles(two: Engine, two_settings: Settings, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    text = render_answer(two.ask("who wrote this article?"))
    assert text.index("Pablo Meriguet") < text.index("Invented Test Author")
    for key, value in (("CORPUS_DIR", two_settings.corpus_dir), ("INDEX_DIR", two_settings.index_dir),
                       ("STATE_DIR", two_settings.state_dir)):
        monkeypatch.setenv(f"SUMMIT_BOT_{key}", str(value))
    monkeypatch.chdir(Path(two_settings.index_dir).parent)  # no developer .env
    assert main(["-q", "ask", "--json", "who wrote this article?"]) == 0
    results = json.loads(capsys.readouterr().out)["results"]
    assert [r["article"]["author"] for r in results[:2]] == ["Pablo Meriguet", "Invented Test Author"]


def test_discord_shows_every_articles_details(two: Engine) -> None:
    embed = render.answer_embed(two.ask("Who wrote the article?"))
    assert "Pablo Meriguet" in embed.description
    assert "Invented Test Author" in embed.fields[0].value
    assert render.embed_problems(embed) == []


def test_stable_order_is_by_date_then_slug_undated_last() -> None:
    corpus = load_corpus(FIXTURE)
    real, invented = corpus.articles
    undated = type(real)(**{**real.__dict__, "slug": "aaa-undated", "published": None})
    later = type(real)(**{**real.__dict__, "slug": "aaa-later", "published": dt.date(2025, 3, 1)})
    assert stable_order([later, invented, undated, real]) == [SLUG, INVENTED, "aaa-later", "aaa-undated"]
