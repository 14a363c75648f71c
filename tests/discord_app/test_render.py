"""The renderer: verbatim passages, citations, escaping, and Discord's limits whatever the input."""

from __future__ import annotations

import dataclasses

import discord
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.answering.answer import Answer, ArticleRef, Citation, Confidence
from bot.answering.engine import Engine
from bot.corpus.passages import Passage
from bot.discord_app import render

from .helpers import bold_parts, citation_of, quote_of, shown_text

ARTICLE = ArticleRef("alba", "ALBA Stands Against Trump", "Pablo Meriguet", "2025-02-06", "Peoples Dispatch", None)
LINKED = ArticleRef("other", "Another article", "Ana Autora", "2025-02-07", "Outlet", "https://example.org/a_(b)")


def citation(rank: int, text: str, *, article: ArticleRef = ARTICLE, section: str | None = "Maduro’s call",
             paragraph: int = 9, highlights: tuple[tuple[int, int], ...] = ()) -> Citation:
    passage = Passage(f"{article.slug}#p{paragraph}", article.slug, text, section, paragraph)
    return Citation(rank, 0.6, passage, article, highlights)


def answer(*citations: Citation, question: str = "What did Maduro propose?", answered: bool = True,
           confidence: Confidence | None = None) -> Answer:
    return Answer(question, confidence or ("high" if answered else "none"), citations)


# -- answers -----------------------------------------------------------------------------------


def test_answer_embed_quotes_the_first_passage_then_lists_close_ones_compactly_without_bold() -> None:
    texts = ["Maduro proposed an *air and sea* fleet.", "He insisted on coordination.", "Third.", "Fourth."]
    cites = [citation(i, t, paragraph=7 + i, highlights=((0, 6),)) for i, t in enumerate(texts, start=1)]
    embed = render.answer_embed(answer(*cites))

    assert embed.title == "What did Maduro propose?"
    assert shown_text(quote_of(embed.description)) == texts[0]
    assert bold_parts(quote_of(embed.description)) == ["Maduro"]
    assert citation_of(embed.description) == "— \\[1\\] Maduro’s call — ¶8"
    assert "\\*air and sea\\*" in embed.description  # the corpus's own markdown characters are shown, not interpreted
    assert [f.name for f in embed.fields] == ["See also"]  # one compact list, two passages at most
    assert embed.fields[0].value.split("\n") == ["\\[2\\] Maduro’s call — ¶9 · “He insisted on coordination.”",
                                                 "\\[3\\] Maduro’s call — ¶10 · “Third.”"]
    assert "**" not in embed.fields[0].value
    assert embed.footer.text == ("ALBA Stands Against Trump · Pablo Meriguet · 6 February 2025\n"
                                 "↩ Reply to this answer to ask a follow-up")
    assert embed.url is None
    assert render.embed_problems(embed) == []


def test_only_passages_scoring_close_to_the_answer_are_listed_under_it() -> None:
    first = citation(1, "The answer.")
    close = dataclasses.replace(citation(2, "Close.", paragraph=10), score=first.score * 0.95)
    far = dataclasses.replace(citation(3, "Far.", paragraph=11), score=first.score * 0.5)
    assert render.shown_citations(answer(first, close, far)) == (first, close)
    assert render.shown_citations(answer(first, far, close)) == (first, close)
    assert render.answer_embed(answer(first, far)).fields == []


def test_citations_link_to_the_article_url_when_there_is_one() -> None:
    embed = render.answer_embed(answer(citation(1, "Linked.", article=LINKED), citation(2, "Not.", article=ARTICLE)))

    assert citation_of(embed.description) == "— \\[1\\] [Maduro’s call — ¶9](https://example.org/a_%28b%29)"
    assert embed.url == "https://example.org/a_%28b%29"
    assert embed.fields[0].value.startswith("\\[2\\] Maduro’s call — ¶9 · ALBA Stands Against Trump · “Not.”")


def test_highlights_are_bold_and_the_text_stays_verbatim() -> None:
    text = "Maduro insisted on coordination. He proposed a fleet to safeguard the region."
    start = text.index("He proposed")
    embed = render.answer_embed(answer(citation(1, text, highlights=((start, len(text)),))))

    quote = quote_of(embed.description)
    assert bold_parts(quote) == [text[start:]]
    assert shown_text(quote) == text


def test_metadata_passages_are_labelled_as_article_details() -> None:
    passage = Passage("alba#meta", "alba", "ALBA Stands Against Trump\nBy Pablo Meriguet", None, None, kind="metadata")
    embed = render.answer_embed(answer(Citation(1, 0.5, passage, ARTICLE)))
    assert embed.description == "> ALBA Stands Against Trump\n> By Pablo Meriguet\n— \\[1\\] Article details"


def test_a_question_the_corpus_does_not_cover_gets_no_passage_as_answer() -> None:
    embed = render.answer_embed(answer(citation(1, "Unrelated passage."), question="Capital of France?",
                                       answered=False))
    assert "not covered in the summit coverage I have" in embed.description
    assert "/leaders" in embed.description
    assert "Unrelated passage" not in str(embed.to_dict())
    assert not embed.fields


def test_a_possible_answer_is_labelled_and_coloured_apart_from_a_sure_one() -> None:
    sure = render.answer_embed(answer(citation(1, "The fleet."), confidence="high"))
    possible = render.answer_embed(answer(citation(1, "The fleet."), confidence="medium"))
    assert possible.author.name == "This may answer it" and sure.author.name is None
    assert possible.colour != sure.colour
    assert "The fleet." in possible.description


def test_the_question_is_escaped_in_the_title() -> None:
    embed = render.answer_embed(answer(citation(1, "x"), question="@everyone <@&123> **bold** [x](http://e.com)"))
    title = embed.title
    assert "@everyone" not in title and "<@&123>" not in title
    assert "@\u200beveryone" in title and "<@\u200b&123>" in title
    assert "\\*\\*bold\\*\\*" in title and "\\[x](http://e.com)" in title


def test_long_passages_are_cut_at_a_word_boundary_with_an_ellipsis() -> None:
    words = [f"word{i}" for i in range(1500)]
    long_text = " ".join(words)
    embed = render.answer_embed(answer(citation(1, long_text), citation(2, long_text), citation(3, long_text)))

    assert render.embed_problems(embed) == []
    shown = shown_text(quote_of(embed.description))
    assert shown.endswith("…") and len(embed.description) <= render.QUOTE_MAX
    assert long_text.startswith(shown[:-1])
    assert shown[:-1].split(" ")[-1] in words  # the cut falls between words
    for line in embed.fields[0].value.split("\n"):  # the listed passages: a short verbatim snippet each
        snippet = shown_text(line.split(" · “", 1)[1].removesuffix("”"))
        assert snippet.endswith("…") and long_text.startswith(snippet[:-1])
        assert len(snippet) <= render.SNIPPET_CHARS


def test_long_questions_are_cut_to_the_title_limit() -> None:
    embed = render.answer_embed(answer(citation(1, "x"), question="why " * 200))
    assert len(embed.title) <= render.TITLE_MAX and embed.title.endswith("why…")


# -- the primitives ----------------------------------------------------------------------------


def test_fit_prefers_word_boundaries_but_cuts_a_giant_word() -> None:
    assert render.fit("alpha beta gamma", 12) == "alpha beta…"
    assert render.fit("alpha, beta", 8) == "alpha…"  # no dangling comma before the ellipsis
    assert render.fit("x" * 50, 10) == "x" * 9 + "…"
    assert render.fit("short", 10) == "short"
    assert len(render.fit("a_" * 100, 11)) <= 11  # escaping counts against the limit


def test_clean_spans_clips_trims_and_merges() -> None:
    assert render.clean_spans("hello world", [(-5, 3), (2, 5), (5, 7), (20, 30), (4, 4)]) == [(0, 5), (6, 7)]


def test_escape_breaks_every_kind_of_mention_and_markdown() -> None:
    assert render.escape("@here @everyone <@1> <@!2> <@&3>") == (
        "@\u200bhere @\u200beveryone <@\u200b1> <@\u200b!2> <@\u200b&3>"
    )
    assert render.escape("  - not a list") == "  \\- not a list"
    assert render.escape("_x_ `y` ~~z~~ ||s|| > q") == "\\_x\\_ \\`y\\` \\~\\~z\\~\\~ \\|\\|s\\|\\| > q"


def test_human_date() -> None:
    assert render.human_date("2025-02-06") == "6 February 2025"
    assert render.human_date("sometime") == "sometime"
    assert render.human_date(None) is None


def test_link_accepts_only_web_urls() -> None:
    assert render.link("javascript:alert(1)") is None
    assert render.link("https://e.org/x y") is None
    assert render.link("https://e.org/(x)") == "https://e.org/%28x%29"


# -- properties --------------------------------------------------------------------------------

_pieces = st.sampled_from([*"ab cd\n*_~`|>#-[]()@\\é…“”", "word ", "@everyone", "<@&123>", "  - ", "http://e.com/a_b "])
_text = st.lists(_pieces, max_size=600).map("".join).map(str.strip).filter(bool)
_spans = st.lists(st.tuples(st.integers(-5, 3100), st.integers(-5, 3100)), max_size=4)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(_text, min_size=1, max_size=3), question=_text, spans=_spans, url=st.booleans())
@example(texts=["[\\](a)"], question="a", spans=[], url=False)  # a backslash inside a link-shaped run: shown
def test_any_answer_fits_discord_and_shows_a_prefix_of_the_passage(
    texts: list[str], question: str, spans: list[tuple[int, int]], url: bool
) -> None:
    article = LINKED if url else ARTICLE
    cites = [citation(i, t, article=article, highlights=tuple(spans)) for i, t in enumerate(texts, start=1)]
    embed = render.answer_embed(answer(*cites, question=question))

    assert render.embed_problems(embed) == []
    assert "@everyone" not in str(embed.to_dict())
    shown = shown_text(quote_of(embed.description))
    text = texts[0]
    if shown.endswith("…") and not text.endswith("…"):
        assert text.startswith(shown[:-1].rstrip())
    else:
        assert shown == text
    listed = embed.fields[0].value.split("\n") if embed.fields else []
    assert len(listed) == render.shown_passages(answer(*cites, question=question)) - 1
    assert all("**" not in line for line in listed)


@settings(max_examples=200, deadline=None)
@given(text=_text, limit=st.integers(1, 400))
def test_fit_never_exceeds_the_limit(text: str, limit: int) -> None:
    fitted = render.fit(text, limit)
    assert len(fitted) <= limit
    if fitted == render.escape(text):
        return
    assert fitted.endswith("…")


def test_embed_problems_reports_each_broken_limit() -> None:
    embed = discord.Embed(title="t" * 257, description="d" * 4097)
    embed.add_field(name="n", value="v" * 1025)
    embed.set_footer(text="f" * 2049)
    problems = render.embed_problems(embed)
    assert [p.split(":")[0] for p in problems] == ["title", "description", "footer", "field 0 value", "total"]


def test_a_real_answers_highlight_is_the_bold_phrase_in_a_verbatim_quote(engine: Engine) -> None:
    real = engine.ask("How much money will fund the reintegration of deported migrants?")
    embed = render.answer_embed(real)
    quote = quote_of(embed.description)
    assert bold_parts(quote) == ["USD 10 million"]
    assert shown_text(quote) == real.citations[0].passage.text


def test_a_medium_answer_is_labelled_as_a_possible_answer_in_its_own_colour() -> None:
    maybe = Answer("What did Maduro propose?", "medium", (citation(1, "Maduro proposed a fleet."),))
    embed = render.answer_embed(maybe)
    assert embed.author.name == render.MAYBE == "This may answer it"
    assert embed.colour == render.MAYBE_COLOUR != render.ANSWER_COLOUR
    sure = render.answer_embed(Answer("What did Maduro propose?", "high", (citation(1, "Maduro proposed a fleet."),)))
    assert sure.author.name is None and sure.colour == render.ANSWER_COLOUR


def test_every_articles_details_are_shown_when_they_lead_the_answer() -> None:
    refs = [ArticleRef(f"a{i}", f"Article {i}", f"Author {i}", f"2025-02-0{i}", "Outlet", None) for i in range(1, 6)]
    details = [Citation(i, 0.5, Passage(f"a{i}#meta", f"a{i}", f"Title: Article {i}\nAuthor: Author {i}", None, None,
                                        kind="metadata"), refs[i - 1]) for i in range(1, 6)]
    embed = render.answer_embed(answer(*details, citation(6, "A paragraph.")))
    shown = [embed.description, *(f.value for f in embed.fields)]
    assert len(shown) == 5, "every article's details, and no paragraph beyond them"
    assert all(f"Author {i}" in block for i, block in enumerate(shown, start=1))
    assert render.embed_problems(embed) == []
