"""The renderer in every language: labels translated, passages verbatim, and Discord's limits kept
whatever the question and passages, in Spanish as in English (Spanish runs longer)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.answering.answer import Answer
from bot.answering.engine import Engine
from bot.answering.framing import MAYBE, VERBATIM
from bot.discord_app import render, render_info, replies
from bot.i18n import LANGUAGES, Texts, texts

from .helpers import citation_of, quote_of, shown_text
from .test_render import ARTICLE, _spans, _text, citation

ALL = [texts(lang) for lang in LANGUAGES]


@pytest.mark.parametrize("t", ALL, ids=LANGUAGES)
def test_a_medium_answer_is_labelled_as_a_possible_answer_in_its_own_colour(t: Texts) -> None:
    cites = (citation(1, "Maduro proposed a fleet."), citation(2, "Second."))
    maybe = render.answer_embed(Answer("q?", "medium", cites), t)
    sure = render.answer_embed(Answer("q?", "high", cites), t)
    assert maybe.author.name == t._(MAYBE) and sure.author.name is None
    assert maybe.colour == render.MAYBE_COLOUR != sure.colour == render.ANSWER_COLOUR
    assert shown_text(quote_of(maybe.description or "")) == "Maduro proposed a fleet."


def test_spanish_labels_and_the_verbatim_note() -> None:
    es = texts("es")
    embed = render.answer_embed(Answer("¿Qué propuso?", "high", (citation(1, "One."), citation(2, "Two."))), es)
    assert embed.author.name is None
    assert [f.name for f in embed.fields] == ["Ver también"]
    assert embed.footer.text == (f"{es._(VERBATIM)}\n{ARTICLE.title} · {ARTICLE.author} · 6 de febrero de 2025\n"
                                 "↩ Responde a este mensaje para seguir preguntando")
    assert citation_of(embed.description) == "— \\[1\\] párrafo 9"  # no English section heading
    assert texts("es")._(MAYBE) == "Posible respuesta"


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(passages=st.lists(_text, min_size=1, max_size=3), question=_text, spans=_spans,
       confidence=st.sampled_from(["high", "medium", "none"]), searched=st.none() | _text)
def test_any_spanish_answer_fits_discord(
    passages: list[str], question: str, spans: list[tuple[int, int]], confidence: str, searched: str | None
) -> None:
    cites = tuple(citation(i, p, highlights=tuple(spans)) for i, p in enumerate(passages, start=1))
    for known in (True, False):
        embed = render.answer_embed(Answer(question, confidence, cites, searched), texts("es"),
                                    client_language_known=known)
        assert render.embed_problems(embed) == []


@pytest.mark.parametrize("t", ALL, ids=LANGUAGES)
def test_every_catalog_embed_and_short_reply_fits_discord(t: Texts, engine: Engine) -> None:
    catalog = engine.catalog
    embeds = [
        *render_info.leaders_embeds(catalog.speakers, catalog.passage, t),
        *render_info.sources_embeds(catalog.sources, t),
        render_info.about_embed(engine.info, speakers=7, sources=1, t=t),
    ]
    for speaker in catalog.speakers:
        embeds += render_info.leader_embeds([speaker], catalog.passage, t)
    assert all(render.embed_problems(embed) == [] for embed in embeds)
    for text in (replies.help_text("summit-bot" * 20, t, client_language_known=False),
                 replies.private_here(range(10**17, 10**17 + 90), t),
                 replies.ask_there(range(10**17, 10**17 + 90), t),
                 replies.slow_down(12.3, t), replies.error_text(t)):
        assert 0 < len(text) <= render.CONTENT_MAX


@pytest.mark.parametrize("t", ALL, ids=LANGUAGES)
def test_the_buttons_read_the_searched_question_back_from_an_answer_in_any_language(t: Texts) -> None:
    answer = Answer("What did Maduro propse?", "high", (citation(1, "One."),), "What did Maduro propose?")
    embed = render.answer_embed(answer, t)
    assert render.asked_in(embed) == ("What did Maduro propse?", "What did Maduro propose?")
