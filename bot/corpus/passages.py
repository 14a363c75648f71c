"""Passages: one per paragraph (split at sentences when too long), plus one for each article's metadata."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass

from bot.corpus.articles import Article, Corpus

# Bump whenever the way passages are cut or numbered changes: the index is then rebuilt.
CHUNKER_VERSION = "4"

# Abbreviations after which a full stop does not end a sentence.
_ABBREVIATIONS = frozenset(
    "st mr mrs ms dr prof gen sr jr vs etc no nos inc ltd co corp u.s u.k e.g i.e "
    "jan feb mar apr jun jul aug sep sept oct nov dec".split()
)
# A sentence ends at . ! ? or … (plus closing quotes/brackets), before white space and an opening of a new one.
_BOUNDARY_RE = re.compile(r"(?<=[.!?…])[”’\"')\]]*(?=\s+[“‘\"'(\[]?[A-Z0-9ÁÉÍÓÚÑ¿¡])")

TokenCounter = Callable[[str], int]


@dataclass(frozen=True)
class Passage:
    """A citable unit of text: verbatim from its article, with where it comes from."""

    id: str
    article: str  # the article's slug
    text: str
    section: str | None
    paragraph: int | None
    part: int | None = None
    kind: str = "paragraph"  # "paragraph" or "metadata"

    def to_record(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_record(cls, record: dict[str, object]) -> Passage:
        return cls(**record)  # type: ignore[arg-type]  # a record `to_record` wrote: its values have these types


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences in `text` (white space between them excluded)."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY_RE.finditer(text):
        end = match.end()
        if _ends_with_abbreviation(text[start:end]):
            continue
        spans.append((start, end))
        start = end
        while start < len(text) and text[start].isspace():
            start += 1
    if start < len(text) and text[start:].strip():
        spans.append((start, len(text.rstrip())))
    return spans


def _ends_with_abbreviation(sentence: str) -> bool:
    if not sentence.endswith("."):
        return False
    last_word = sentence[:-1].rsplit(None, 1)[-1].lower().lstrip("(“\"'")
    return last_word in _ABBREVIATIONS or (len(last_word) == 1 and last_word.isalpha())


# The photo caption's line of the article details. It describes the photo, not the article: it is found by its
# words (BM25) and shown with the details, but left out of their embedding and is no sentence of its own, where its
# "leaders at the summit" would rival every paragraph for any question about the summit.
PHOTO_PREFIX = "Photo: "


def metadata_text(article: Article) -> str:
    """The article's metadata as one citable passage: one labelled line per field."""
    lines = [f"Title: {article.title}"]
    if article.author:
        lines.append(f"Author: {article.author}")
    if article.published:
        lines.append(f"Published: {article.published:%B} {article.published.day}, {article.published.year}")
    if article.outlet:
        lines.append(f"Outlet: {article.outlet}")
    if article.url:
        lines.append(f"Link: {article.url}")
    if article.photo_caption:  # the article's own words: "what does the photo show?"
        lines.append(PHOTO_PREFIX + article.photo_caption)
    return "\n".join(lines)


def embedded_text(passage: Passage) -> str:
    """What the model embeds of a passage: its text, without the details' photo caption (see `PHOTO_PREFIX`)."""
    if passage.kind != "metadata":
        return passage.text
    return "\n".join(line for line in passage.text.split("\n") if not line.startswith(PHOTO_PREFIX))


def article_passages(article: Article, *, max_tokens: int, count_tokens: TokenCounter) -> Iterator[Passage]:
    """Yield the metadata passage, then one passage per paragraph (or per part of a long one)."""
    yield Passage(
        id=f"{article.slug}#meta", article=article.slug, text=metadata_text(article),
        section=None, paragraph=None, kind="metadata",
    )
    section: str | None = None
    number = 0
    for block in article.blocks:
        if block.is_heading:
            section = block.text
            continue
        number += 1
        parts = _split_to_fit(block.text, max_tokens, count_tokens)
        for index, part in enumerate(parts, start=1):
            split = len(parts) > 1
            yield Passage(
                id=f"{article.slug}#p{number}" + (f".{index}" if split else ""),
                article=article.slug, text=part, section=section, paragraph=number,
                part=index if split else None,
            )


# Openings that lean on the paragraph before ("This effort will be funded…", "He also stressed…").
_ANAPHORA_RE = re.compile(
    r"^(?:[“\"]|This |These |That |Those |It |He |She |They |His |Her |Their |In addition|In this regard|"
    r"Along the same lines|Indeed|Regarding|For his part|For her part|In this context|Within that|"
    r"[A-Z][\w’'-]* also\b)"  # "Ortega also stressed…": a name, then "also"
)


def leans_on_previous(passage: Passage) -> bool:
    """True if the passage opens by referring back to the one before it."""
    return passage.kind == "paragraph" and (passage.part not in (None, 1) or bool(_ANAPHORA_RE.match(passage.text)))


def context_texts(passages: Sequence[Passage]) -> list[str]:
    """Per passage, the text to embed for context: the previous passage joined on when this one leans on it."""
    texts = []
    for i, passage in enumerate(passages):
        previous = passages[i - 1] if i > 0 else None
        if previous is not None and previous.article == passage.article and previous.kind == "paragraph" \
                and leans_on_previous(passage):
            texts.append(f"{previous.text} {passage.text}")
        else:
            texts.append(embedded_text(passage))
    return texts


def corpus_passages(corpus: Corpus, *, max_tokens: int, count_tokens: TokenCounter) -> list[Passage]:
    """Every passage of every article, in corpus order; ids are stable for the same corpus."""
    return [p for a in corpus.articles for p in article_passages(a, max_tokens=max_tokens, count_tokens=count_tokens)]


def _split_to_fit(text: str, max_tokens: int, count_tokens: TokenCounter) -> list[str]:
    if count_tokens(text) <= max_tokens:
        return [text]
    spans = _greedy_spans(text, _units(text, max_tokens, count_tokens), max_tokens, count_tokens)
    return [text[start:end] for start, end in spans]


def _units(text: str, max_tokens: int, count_tokens: TokenCounter) -> Iterator[tuple[int, int]]:
    """Sentence spans; a sentence that alone exceeds the limit is broken into runs of words."""
    for start, end in sentence_spans(text):
        if count_tokens(text[start:end]) <= max_tokens:
            yield start, end
        else:
            words = [(start + m.start(), start + m.end()) for m in re.finditer(r"\S+", text[start:end])]
            yield from _greedy_spans(text, iter(words), max_tokens, count_tokens)


def _greedy_spans(
    text: str, units: Iterator[tuple[int, int]], max_tokens: int, count_tokens: TokenCounter
) -> Iterator[tuple[int, int]]:
    """Merge consecutive spans while the merged text stays within `max_tokens`."""
    current: tuple[int, int] | None = None
    for start, end in units:
        if current is not None and count_tokens(text[current[0] : end]) > max_tokens:
            yield current
            current = None
        current = (start, end) if current is None else (current[0], end)
    if current is not None:
        yield current
