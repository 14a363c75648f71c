"""Questions about "the article" when the corpus holds several: every article answers, not one by chance.

"Who wrote the article?", "When was it published?", "How does it end?" name no article. With
several articles in the corpus, the best passage is one article's details (or its last paragraph)
only because its wording happens to be closer. So when the best passage is an article's metadata
passage, or the first or last paragraph asked for ("how does the article end?"), the answer cites
that passage of every article, in a stable order (by publication date, then slug; undated last),
followed by the other passages found.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence

from bot.corpus.articles import Article
from bot.corpus.passages import Passage
from bot.retrieval import Hit, Reading, Retriever
from bot.retrieval.answer_kinds import POSITION_TYPES


def stable_order(articles: Iterable[Article]) -> list[str]:
    """Article slugs by publication date, then slug (undated articles last)."""
    return [a.slug for a in sorted(articles, key=lambda a: (a.published or dt.date.max, a.slug))]


def role_of(passage: Passage, passages: Sequence[Passage], roles: Mapping[str, Mapping[str, int]],
            wanted: frozenset[str]) -> str | None:
    """"metadata", "first" or "last" when `passage` is about its article as a whole for a question wanting the
    kinds `wanted`; else None. `roles`: each role's row per article (`Derived.roles`)."""
    if passage.kind == "metadata":
        return "metadata"
    for role in ("first", "last"):
        if role in wanted & POSITION_TYPES:
            row = roles[role].get(passage.article)
            if row is not None and passages[row].id == passage.id:
                return role
    return None


def cite_every_article(hits: list[Hit], retriever: Retriever, reading: Reading, order: Sequence[str],
                       k: int) -> list[Hit]:
    """`hits`, led by the same passage of every article when the best one is about its article as a whole.

    Articles the search did not reach are scored as it scores (best cosine of the passage or one of
    its sentences) and highlighted the same way; the list keeps `k` hits, or one per article if more.
    """
    if len(order) < 2 or not hits:
        return hits
    passages = retriever.index.passages
    roles = retriever.derived.roles
    role = role_of(hits[0].passage, passages, roles, reading.wanted)
    if role is None:
        return hits
    rows = roles[role]
    found = {hit.passage.id: hit for hit in hits}
    wanted = [rows[slug] for slug in order if slug in rows]
    if len(wanted) < 2:
        return hits
    missing = [row for row in wanted if passages[row].id not in found]
    if missing:
        for row in missing:  # scored and highlighted with the vector and focus the search used
            found[passages[row].id] = Hit(passages[row], retriever.best_cosine(row, reading.vector),
                                          retriever.highlights(row, reading.vector, reading.focus))
    every = [found[passages[row].id] for row in wanted]
    ids = {hit.passage.id for hit in every}
    rest = [hit for hit in hits if hit.passage.id not in ids]
    return [*every, *rest][: max(k, len(every))]

