"""`/leaders`, `/leader`, `/sources`, `/about` rendering over a small two-article corpus built here."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.answering.engine import IndexInfo
from bot.corpus.catalog import Catalog
from bot.corpus.passages import Passage
from bot.discord_app import render, render_info
from tests.conftest import make_settings

from .helpers import citation_of, quote_of, shown_text

LONG = ("Maduro said that the alliance must answer every threat together, and he repeated it at length "
        "so that the paragraph is long enough to fill a page quickly when there are many of them. ") * 3


def write_article(path: Path, *, title: str, url: str | None, paragraphs: list[str]) -> None:
    front = [f'title = "{title}"', 'author = "A. Writer"', "published = 2025-02-06", 'outlet = "Outlet"']
    if url:
        front.append(f'url = "{url}"')
    front += ["", "[[people]]", 'name = "Nicolás Maduro"', 'office = "President"', 'country = "Venezuela"',
              'aliases = ["Maduro"]']
    body = "\n\n".join(["## Maduro’s remarks", *paragraphs])
    path.write_text("+++\n" + "\n".join(front) + "\n+++\n\n" + body + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    root = tmp_path_factory.mktemp("corpus2")
    corpus = root / "corpus"
    corpus.mkdir()
    write_article(corpus / "a-long.md", title="A long *article*", url="https://example.org/long",
                  paragraphs=[f"{LONG} ({i})" for i in range(40)])
    write_article(corpus / "b-short.md", title="A short article", url=None,
                  paragraphs=["Maduro proposed a fleet.", "Nobody else spoke."])
    return Catalog.from_settings(make_settings(root, corpus_dir=corpus))


def lookup(catalog: Catalog):
    by_id = {p.id: p for p in catalog.passages}

    def passage(passage_id: str) -> Passage:
        return by_id[passage_id]

    return passage


def test_a_long_leader_page_is_split_into_messages_within_the_limits(catalog: Catalog) -> None:
    speakers = [s for s in catalog.speakers if s.person.name == "Nicolás Maduro"]
    assert len(speakers) == 2  # the same person in both articles
    embeds = render_info.leader_embeds(speakers, lookup(catalog))

    assert len(embeds) > 2
    assert [e.title for e in embeds] == [f"Nicolás Maduro — President, Venezuela ({i}/{len(embeds)})"
                                         for i in range(1, len(embeds) + 1)]
    blocks = [b for e in embeds for b in e.description.split("\n\n")]
    quoted = [pid for s in speakers for pid in s.passage_ids]
    assert len(blocks) == len(quoted)
    for block, pid in zip(blocks, quoted, strict=True):
        assert shown_text(quote_of(block)) == lookup(catalog)(pid).text  # never cut: whole passages per page
    linked = "— \\[1\\] [Maduro’s remarks — ¶1](https://example.org/long) · A long \\*article\\*"
    assert citation_of(blocks[0]) == linked
    assert citation_of(blocks[-1]) == "— \\[1\\] Maduro’s remarks — ¶1 · A short article"
    for embed in embeds:
        assert render.embed_problems(embed) == []
        assert embed.footer.text is None  # two articles: each block names its own


def test_leaders_with_several_articles_names_the_article_per_entry(catalog: Catalog) -> None:
    [embed] = render_info.leaders_embeds(catalog.speakers, lookup(catalog))
    entries = embed.description.split("\n\n")
    assert entries[0].startswith("**Nicolás Maduro** — President, Venezuela\n↳ [Maduro’s remarks — ¶1–40]"
                                 "(https://example.org/long) · A long \\*article\\*")
    assert entries[1] == ("**Nicolás Maduro** — President, Venezuela\n↳ Maduro’s remarks — ¶1 · A short article")
    assert embed.footer.text == "Use /leader to read what each one said."


def test_sources_link_titles_when_there_is_a_url(catalog: Catalog) -> None:
    [embed] = render_info.sources_embeds(catalog.sources)
    long_entry, short_entry = embed.description.split("\n\n")
    assert long_entry.startswith("**[A long \\*article\\*](https://example.org/long)**\nBy A. Writer · 6 February 2025")
    assert long_entry.endswith(f"· Outlet · {catalog.sources[0].passages} passages")
    assert short_entry.endswith(" · 3 passages")  # no link: nothing said about it
    assert embed.title == "Sources (2 articles)"


def test_paragraph_ranges() -> None:
    assert render_info.paragraph_ranges([9, 8, 10, 12, 12, 15, 16]) == "¶8–10, ¶12, ¶15–16"


def test_paginate_keeps_every_page_within_the_limits() -> None:
    blocks = [f"block {i} " + "x" * 900 for i in range(30)]
    embeds = render_info.paginate("T" * 300, blocks, footer="F" * 3000)
    assert sum(len(e.description.split("\n\n")) for e in embeds) == 30
    for embed in embeds:
        assert render.embed_problems(embed) == []


def test_about_tells_members_how_it_decides_and_managers_what_the_index_holds() -> None:
    info = IndexInfo("some/model", 24, "2025-02-06T10:00:00+00:00", Path("/tmp/index"))
    member = render_info.about_embed(info, speakers=7, sources=1)
    assert "lists the article I quote" in (member.description or "")
    assert "**How I decide**" in (member.description or "") and "“This may answer it”" in (member.description or "")
    assert member.fields == [] and "some/model" not in str(member.to_dict())  # no model ids for members
    manager = render_info.about_embed(info, speakers=7, sources=1, operator=True)
    [field] = manager.fields
    assert field.name == "For server managers"
    assert field.value == "Model: some/model\nPassages: 24\nIndex built: <t:1738836000:f> (<t:1738836000:R>)"
    assert render_info.built_at("yesterday") == "yesterday"
