"""The answer model: a question, whether the corpus answers it, and cited verbatim passages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.corpus.articles import Article, Person
from bot.corpus.passages import Passage
from bot.retrieval import Hit
from bot.retrieval.decide import CONFIDENCES, Confidence

__all__ = ["CONFIDENCES", "Answer", "ArticleRef", "Citation", "Confidence", "OverviewKind", "build_answer"]

# What a question about the whole event asks (`bot.answering.overview`).
OverviewKind = Literal["participants", "summary"]


@dataclass(frozen=True)
class ArticleRef:
    """Where a passage comes from."""

    slug: str
    title: str
    author: str | None
    published: str | None
    outlet: str | None
    url: str | None

    @classmethod
    def of(cls, article: Article) -> ArticleRef:
        published = article.published.isoformat() if article.published else None
        return cls(article.slug, article.title, article.author, published, article.outlet, article.url)

    def to_dict(self) -> dict[str, str | None]:
        return {"title": self.title, "author": self.author, "published": self.published,
                "outlet": self.outlet, "url": self.url}


@dataclass(frozen=True)
class Citation:
    """One retrieved passage with its rank, score and source."""

    rank: int
    score: float
    passage: Passage
    article: ArticleRef
    highlights: tuple[tuple[int, int], ...] = ()

    @property
    def label(self) -> str:
        """Short human citation, e.g. "Maduro’s call for migrant rights… — ¶9"."""
        if self.passage.kind == "metadata":
            return "Article details"
        where = self.passage.section or "Introduction"
        return f"{where} — ¶{self.passage.paragraph}"

    def to_dict(self) -> dict[str, object]:
        return {
            "rank": self.rank,
            "score": round(self.score, 4),
            "passage_id": self.passage.id,
            "text": self.passage.text,
            "section": self.passage.section,
            "paragraph": self.passage.paragraph,
            "highlights": [list(span) for span in self.highlights],
            "article": self.article.to_dict(),
        }


@dataclass(frozen=True)
class Answer:
    """What both faces (terminal and Discord) show for a question."""

    question: str
    confidence: Confidence
    citations: tuple[Citation, ...]
    searched_for: str | None = None  # the question with typos repaired, when that changed it
    # Rare words and names of the question that the coverage never uses ("petro", "Lula"), for the refusal.
    unmentioned: tuple[str, ...] = ()
    # Refused with such a word: the leaders the coverage does quote (perhaps the one the asker meant). For
    # `overview == "participants"`, every leader, each cited by the citation of the same position.
    leaders: tuple[Person, ...] = ()
    # A question about the whole event ("who spoke?", "a summary"), answered from the corpus's structure
    # (`bot.answering.overview`): its citations are chosen, not ranked, and carry no similarity.
    overview: OverviewKind | None = None

    @property
    def answered(self) -> bool:
        """Whether the passages are shown as an answer (at either confidence), not only as the closest."""
        return self.confidence != "none"

    def to_dict(self) -> dict[str, object]:
        return {
            "question": self.question,
            "searched_for": self.searched_for,
            "answered": self.answered,
            "confidence": self.confidence,
            "unmentioned": list(self.unmentioned),
            "leaders": [person.name for person in self.leaders],
            "overview": self.overview,
            "results": [c.to_dict() for c in self.citations],
        }


def build_answer(
    question: str,
    hits: list[Hit],
    articles: dict[str, Article],
    confidence: Confidence,
    searched_for: str | None = None,
    unmentioned: tuple[str, ...] = (),
) -> Answer:
    """Cite every hit; `confidence` says how surely they answer the question (`none`: they are only the nearest)."""
    citations = tuple(
        Citation(rank, hit.score, hit.passage, ArticleRef.of(articles[hit.passage.article]), hit.highlights)
        for rank, hit in enumerate(hits, start=1)
    )
    return Answer(question, confidence if hits else "none", citations,
                  searched_for if searched_for != question else None, unmentioned)


def cite(passages: list[Passage], articles: dict[str, Article]) -> tuple[Citation, ...]:
    """Citations for passages shown outside an answer (context, paging), ranked in the given order."""
    return tuple(Citation(rank, 0.0, passage, ArticleRef.of(articles[passage.article]))
                 for rank, passage in enumerate(passages, start=1))
