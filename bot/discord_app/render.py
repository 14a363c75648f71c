"""Answers as Discord embeds, always within Discord's limits; passage text stays verbatim.

Text from users and from the corpus is escaped (markdown, and mentions broken with a zero-width
space) before it is shown; the only markdown added is ours: bold highlights, quotes and links.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence

import discord

from bot.answer import Answer, ArticleRef, Citation
from bot.framing import ENGLISH, MAYBE, VERBATIM, citation_label
from bot.i18n import LANGUAGES, N_, Texts, texts

TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FIELDS_MAX = 25
FOOTER_MAX = 2048
EMBED_TOTAL_MAX = 6000
CONTENT_MAX = 2000
MAX_PASSAGES = 3
MAX_ARTICLE_DETAILS = 10  # "who wrote the article?" cites every article's details, up to this many
ELLIPSIS = "…"

ANSWER_COLOUR = discord.Colour(0x2E7D32)
MAYBE_COLOUR = discord.Colour(0xF9A825)
NOT_COVERED_COLOUR = discord.Colour.light_grey()
EXTRA_COLOUR = discord.Colour(0x546E7A)  # more passages, context, closest passages: not an answer

# Shown by the buttons (bot/discord_app/buttons.py), in the clicker's language.
MORE_PASSAGES = N_("More passages, page {page} of {pages}")
CONTEXT_TITLE = N_("Context of the cited passage")
CONTEXT_CITED = N_("cited")
CONTEXT_BEFORE = N_("before")
CONTEXT_AFTER = N_("after")
CLOSEST_TITLE = N_("The closest passages (they do not answer the question)")

NOT_COVERED = N_(
    "This is not covered in the summit coverage I have. Try rephrasing the question, or use "
    "{leaders} to see who spoke and {leader} to read what each of them said."
)

_MENTION_RE = re.compile(r"@(everyone|here|[!&]?\d+)")
_URL_RE = re.compile(r"^https?://[^\s<>]+$")
_INDENTED_DASH_RE = re.compile(r"^\\(\s+)-", re.MULTILINE)
_BOLD_ON, _BOLD_OFF = "\ue000", "\ue001"  # private-use markers: highlights survive escaping as these
_BACKSLASH = "\ue002"  # a backslash set aside while discord.py escapes the rest

Span = tuple[int, int]


# -- escaping and fitting ----------------------------------------------------------------------


def escape(text: str) -> str:
    """`text` made inert: markdown escaped, every mention broken by a zero-width space."""
    # discord.py escapes a link-shaped run ("[\\](a)") as a whole, leaving a backslash inside it bare (it then
    # escapes the next character and vanishes): backslashes are set aside and escaped here, every one.
    escaped = discord.utils.escape_markdown(text.replace("\\", _BACKSLASH)).replace(_BACKSLASH, "\\\\")
    escaped = _INDENTED_DASH_RE.sub(r"\1\\-", escaped)  # discord.py escapes "  - x" as "\  - x"
    return inert(escaped)


def plain(text: str) -> str:
    """Identity renderer, for places where Discord shows no markdown (footers)."""
    return text


def inert(text: str) -> str:
    """`text` with every mention broken by a zero-width space, for user text in footers (no markdown there)."""
    return _MENTION_RE.sub("@\u200b\\1", text)


def fit(text: str, limit: int, render: Callable[[str], str] = escape) -> str:
    """`render(text)`, or the longest prefix that fits `limit` once rendered, cut at a word boundary + "…"."""
    rendered = render(text)
    if len(rendered) <= limit:
        return rendered
    if limit < len(ELLIPSIS):
        return ""

    def shown(end: int) -> str:
        return render(text[:end].rstrip(" \t\n,;:")) + ELLIPSIS

    def fits(end: int) -> bool:
        return len(shown(end)) <= limit

    word_cuts = [m.start() for m in re.finditer(r"\s+", text) if m.start() > 0]
    best = _largest(word_cuts, fits)
    if best is None or len(shown(best)) < limit // 2:  # one huge "word": cut inside it instead
        best = _largest(range(1, len(text)), fits) or best
    return shown(best) if best is not None else ELLIPSIS


def _largest(candidates: Sequence[int], fits: Callable[[int], bool]) -> int | None:
    """The largest candidate that fits, assuming fitting is (nearly) monotonic; None if none does."""
    lo, hi, found = 0, len(candidates) - 1, None
    while lo <= hi:
        mid = (lo + hi) // 2
        if fits(candidates[mid]):
            found, lo = candidates[mid], mid + 1
        else:
            hi = mid - 1
    return found


def clean_spans(text: str, spans: Sequence[Span]) -> list[Span]:
    """Highlight spans clipped to `text`, trimmed of white space, sorted and merged."""
    cleaned: list[Span] = []
    for raw_start, raw_end in sorted(spans):
        start, end = max(0, raw_start), min(len(text), raw_end)
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start >= end:
            continue
        if cleaned and start <= cleaned[-1][1]:
            cleaned[-1] = (cleaned[-1][0], max(end, cleaned[-1][1]))
        else:
            cleaned.append((start, end))
    return cleaned


def highlighted(text: str, spans: Sequence[Span]) -> str:
    """`text` escaped as a whole, with the highlight spans in **bold**."""
    marked = text.replace(_BOLD_ON, "\ufffd").replace(_BOLD_OFF, "\ufffd")
    for start, end in reversed(clean_spans(marked, spans)):
        marked = marked[:start] + _BOLD_ON + marked[start:end] + _BOLD_OFF + marked[end:]
    return escape(marked).replace(_BOLD_ON, "**").replace(_BOLD_OFF, "**")


def quoted(markdown: str) -> str:
    """`markdown` as a Discord block quote."""
    return "> " + markdown.replace("\n", "\n> ")


def link(url: str | None) -> str | None:
    """`url` if Discord accepts it as a link, made safe inside `[text](url)`; else None."""
    if not url or not _URL_RE.match(url):
        return None
    return url.replace("(", "%28").replace(")", "%29")


def human_date(published: str | None, t: Texts = ENGLISH) -> str | None:
    """"2025-02-06" → "6 February 2025" / "6 de febrero de 2025" (unparsable dates are shown as given)."""
    if not published:
        return None
    try:
        day = dt.date.fromisoformat(published)
    except ValueError:
        return published
    return t.date(day)


def source_line(article: ArticleRef, t: Texts = ENGLISH) -> str:
    """Title · author · date, as shown in footers."""
    return " · ".join(x for x in (article.title, article.author, human_date(article.published, t)) if x)


def slash(t: Texts, command: str, *, client_language_known: bool = True) -> str:
    """`/command` as the reader's Discord client shows it (`/preguntar` for a Spanish client).

    When the reply's language comes from the question rather than the client (a mention), the
    client may still show English names: both are given, "`/preguntar` (`/ask`)".
    """
    local = t.p_("command name", command)
    if local == command or client_language_known:
        return f"`/{local}`"
    return f"`/{local}` (`/{command}`)"


def slash_names(t: Texts, *, client_language_known: bool = True) -> dict[str, str]:
    """Every command as `slash` writes it, for messages with `{ask}`, `{leaders}`… placeholders."""
    return {name: slash(t, name, client_language_known=client_language_known)
            for name in ("ask", "leaders", "leader", "sources", "about")}


# -- answers -----------------------------------------------------------------------------------


def citation_heading(citation: Citation, *, with_article: bool = False, t: Texts = ENGLISH) -> str:
    """`**[1]** [Section — ¶9](url)`, or bold and unlinked when the article has no url."""
    url = link(citation.article.url)
    label = escape(citation_label(citation, t)).replace("[", "\\[").replace("]", "\\]")
    heading = f"**[{citation.rank}]** [{label}]({url})" if url else f"**[{citation.rank}] {label}**"
    if with_article:
        heading += " · " + fit(citation.article.title, 120)
    return heading


def citation_block(citation: Citation, limit: int, *, with_article: bool = False, t: Texts = ENGLISH) -> str:
    """The cited heading, then the passage quoted verbatim (cut to fit `limit` if it must be)."""
    heading = citation_heading(citation, with_article=with_article, t=t)
    spans = citation.highlights

    def render(text: str) -> str:
        return quoted(highlighted(text, spans))

    return heading + "\n" + fit(citation.passage.text, max(0, limit - len(heading) - 1), render)


def answer_embed(answer: Answer, t: Texts = ENGLISH, *, client_language_known: bool = True) -> discord.Embed:
    """The answer (first passage) and up to two "see also" passages (every article's details when a question
    about "the article" leads to them), or the not-covered message.

    A `medium` answer is labelled "This may answer it" (and coloured apart). In any language but
    English the footer says that the passages are quoted verbatim from the English original.
    """
    if not answer.answered or not answer.citations:
        return not_covered_embed(answer.question, answer.searched_for, t,
                                 client_language_known=client_language_known)
    first, *rest = answer.citations[:shown_passages(answer)]
    maybe = answer.confidence == "medium"
    embed = discord.Embed(title=fit(answer.question, TITLE_MAX), colour=MAYBE_COLOUR if maybe else ANSWER_COLOUR,
                          url=link(first.article.url))
    if maybe:
        embed.set_author(name=t._(MAYBE))
    searched = footer_query(answer.question, answer.searched_for)
    lines = [searched_line(searched, t)] if searched else []
    if t.lang != ENGLISH.lang:
        lines.append(t._(VERBATIM))
    lines.append(source_line(first.article, t))
    embed.set_footer(text=fit("\n".join(lines), FOOTER_MAX, inert))
    for citation in rest:
        other = citation.article.slug != first.article.slug
        embed.add_field(name=t._("See also"),
                        value=citation_block(citation, FIELD_VALUE_MAX, with_article=other, t=t), inline=False)
    budget = min(DESCRIPTION_MAX, EMBED_TOTAL_MAX - len(embed))
    embed.description = citation_block(first, budget, t=t)
    return embed


def shown_passages(answer: Answer) -> int:
    """How many passages the embed shows: three, or every article's details when they lead the answer."""
    details = 0
    for citation in answer.citations[:MAX_ARTICLE_DETAILS]:
        if citation.passage.kind != "metadata":
            break
        details += 1
    return max(MAX_PASSAGES, details)


def not_covered_embed(question: str, searched_for: str | None = None, t: Texts = ENGLISH, *,
                      client_language_known: bool = True) -> discord.Embed:
    """The honest refusal: no passage is presented as an answer."""
    names = slash_names(t, client_language_known=client_language_known)
    embed = discord.Embed(title=fit(question, TITLE_MAX), description=t._(NOT_COVERED, **names),
                          colour=NOT_COVERED_COLOUR)
    searched = footer_query(question, searched_for)
    if searched:
        embed.set_footer(text=fit(searched_line(searched, t), FOOTER_MAX, inert))
    return embed


def footer_query(question: str, searched: str | None) -> str | None:
    """What the footer says was searched: the repaired or completed question, or the whole question when
    the title had to cut it (so that the buttons can always read back what was asked)."""
    if searched:
        return searched
    return question if fit(question, TITLE_MAX) != escape(question) else None


def searched_line(searched_for: str, t: Texts = ENGLISH) -> str:
    """The footer line telling what was searched after typo repair (footers show no markdown)."""
    return t._("Searched for: {query}", query=searched_for)


def asked_in(embed: discord.Embed) -> tuple[str, str]:
    """(the question as titled, what was searched) read back from one of our embeds, for the buttons."""
    title = _unescape(embed.title or "")
    searched = title
    prefixes = [texts(lang)._("Searched for: {query}", query="\0").split("\0")[0] for lang in LANGUAGES]
    for line in (embed.footer.text or "").split("\n"):
        for prefix in prefixes:
            if line.startswith(prefix):
                searched = line.removeprefix(prefix).replace("@\u200b", "@")
    return title, searched


def _unescape(markdown: str) -> str:
    return re.sub(r"\\([\\*_`~|>#\-\[\]()])", r"\1", markdown).replace("@\u200b", "@")


# -- more, context, closest ---------------------------------------------------------------------


def _passages_embed(title: str, citations: Sequence[Citation], colour: discord.Colour,
                    headings: Sequence[str | None] | None = None, footer: str | None = None,
                    t: Texts = ENGLISH) -> discord.Embed:
    embed = discord.Embed(title=fit(title, TITLE_MAX), colour=colour)
    if citations and t.lang != ENGLISH.lang:
        footer = f"{footer}\n{t._(VERBATIM)}" if footer else t._(VERBATIM)
    if footer:
        embed.set_footer(text=fit(footer, FOOTER_MAX, inert))
    first_slug = citations[0].article.slug if citations else None
    budget = min(FIELD_VALUE_MAX, (EMBED_TOTAL_MAX - len(embed) - 200) // max(1, len(citations)))
    for i, citation in enumerate(citations):
        name = (headings[i] if headings else None) or "\u200b"
        block = citation_block(citation, budget, with_article=citation.article.slug != first_slug, t=t)
        embed.add_field(name=fit(name, FIELD_NAME_MAX), value=block, inline=False)
    return embed


def page_embed(question: str, searched: str, citations: Sequence[Citation], page: int, pages: int,
               t: Texts = ENGLISH) -> discord.Embed:
    """One page of further passages for a question (More)."""
    footer = t._(MORE_PASSAGES, page=page, pages=pages)
    if searched != question:
        footer = f"{searched_line(searched, t)}\n{footer}"
    return _passages_embed(question, citations, EXTRA_COLOUR, footer=footer, t=t)


def context_embed(citations: Sequence[Citation], cited_id: str, t: Texts = ENGLISH) -> discord.Embed:
    """The cited passage between the ones before and after it (Context)."""
    at = next((i for i, c in enumerate(citations) if c.passage.id == cited_id), 0)
    headings = [t._(CONTEXT_BEFORE if i < at else CONTEXT_CITED if i == at else CONTEXT_AFTER)
                for i in range(len(citations))]
    return _passages_embed(t._(CONTEXT_TITLE), citations, EXTRA_COLOUR, headings=headings,
                           footer=source_line(citations[at].article, t) if citations else None, t=t)


def closest_embed(question: str, citations: Sequence[Citation], t: Texts = ENGLISH) -> discord.Embed:
    """The passages nearest to a refused question, clearly not presented as an answer."""
    embed = _passages_embed(question, citations[:MAX_PASSAGES], NOT_COVERED_COLOUR, t=t)
    embed.set_author(name=t._(CLOSEST_TITLE))
    return embed


# -- checks ------------------------------------------------------------------------------------


def embed_problems(embed: discord.Embed) -> list[str]:
    """Every Discord limit `embed` breaks (empty when it can be sent)."""
    problems = []
    checks = [("title", embed.title, TITLE_MAX), ("description", embed.description, DESCRIPTION_MAX),
              ("footer", embed.footer.text, FOOTER_MAX)]
    for i, field in enumerate(embed.fields):
        checks += [(f"field {i} name", field.name, FIELD_NAME_MAX), (f"field {i} value", field.value, FIELD_VALUE_MAX)]
    for name, value, limit in checks:
        if value is not None and len(value) > limit:
            problems.append(f"{name}: {len(value)} > {limit}")
    if any(not field.value or not field.name for field in embed.fields):
        problems.append("empty field")
    if len(embed.fields) > FIELDS_MAX:
        problems.append(f"{len(embed.fields)} fields > {FIELDS_MAX}")
    if len(embed) > EMBED_TOTAL_MAX:
        problems.append(f"total: {len(embed)} > {EMBED_TOTAL_MAX}")
    return problems
