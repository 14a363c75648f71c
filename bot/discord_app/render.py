"""Answers as Discord embeds, always within Discord's limits; passage text stays verbatim.

Text from users and from the corpus is escaped (markdown, and mentions broken with a zero-width
space) before it is shown; the only markdown added is ours: bold highlights, quotes and links.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence

import discord

from bot.answering.answer import Answer, ArticleRef, Citation
from bot.answering.framing import ENGLISH, MAYBE, VERBATIM, citation_label, office_and_country, refusal_notes
from bot.corpus.passages import PHOTO_PREFIX
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
#
# A reply a member reads at a glance: the answering passage first, quoted verbatim with its highlighted
# phrase (the only bold of the reply) and its citation; then, only when the ranking was close, the runners-up
# as one compact list (citation and a short verbatim snippet, no bold); the rest is behind More.

# A further passage is listed under the answer only when it scores within this share of the answer's: on the
# dev sets' in-scope questions, the passages listed fell from 458 to 143 while 16 of the 25 that were the
# expected passage stayed (the others were padding: most questions have one expected passage).
SEE_ALSO_SHARE = 0.9
SNIPPET_CHARS = 90  # a listed passage's verbatim snippet
QUOTE_MAX = 900  # the answering passage (the corpus's longest is under 500 characters)

REPLY_HINT = N_("↩ Reply to this answer to ask a follow-up")
FOLLOWUP_OF = N_("Follow-up to: {question}")
NOT_COVERED_HELP = N_(
    "Use {leaders} to see who spoke and {leader} to read what each of them said, or the button below for the "
    "passages closest to your question."
)


def citation_heading(citation: Citation, *, with_article: bool = False, t: Texts = ENGLISH) -> str:
    """`[1] [Section — ¶9](url)`, unlinked when the article has no url (no bold: bold marks only the answer);
    a passage shown only around a cited one (rank 0) has no number."""
    url = link(citation.article.url)
    label = _brackets(escape(citation_label(citation, t)))
    number = f"\\[{citation.rank}\\] " if citation.rank else ""
    heading = f"{number}[{label}]({url})" if url else f"{number}{label}"
    if with_article:
        heading += " · " + fit(citation.article.title, 120)
    return heading


def _brackets(markdown: str) -> str:
    return markdown.replace("[", "\\[").replace("]", "\\]")


def passage_text(citation: Citation, t: Texts = ENGLISH) -> tuple[str, tuple[Span, ...]]:
    """The passage as shown, with its highlights: verbatim, except an article's details (our own labelled
    lines, not the article's words), which are written in the reader's language from the same fields."""
    passage, spans = citation.passage, citation.highlights
    if passage.kind != "metadata" or t.lang == ENGLISH.lang:
        return passage.text, spans
    article = citation.article
    fields = [(t._("Title"), article.title, "Title: "), (t._("Author"), article.author, "Author: "),
              (t._("Published"), human_date(article.published, t), "Published: "),
              (t._("Outlet"), article.outlet, "Outlet: "), (t._("Link"), article.url, "Link: "),
              (t._("Photo"), _photo_caption(passage.text), PHOTO_PREFIX)]
    lines: list[str] = []
    shown: list[Span] = []
    at = 0
    for label, value, english in fields:
        if not value:
            continue
        line = f"{label}: {value}"
        origin = passage.text.find("\n" + english) + 1 if not passage.text.startswith(english) else 0
        end = passage.text.find("\n", origin)
        end = len(passage.text) if end < 0 else end
        if any(a < end and b > origin + len(english) for a, b in spans):  # the field's value was highlighted
            shown.append((at + len(label) + 2, at + len(line)))
        lines.append(line)
        at += len(line) + 1
    return "\n".join(lines), tuple(shown)


def _photo_caption(details: str) -> str | None:
    """The photo caption line of an article's details (`ArticleRef` does not carry it), verbatim."""
    return next((line.removeprefix(PHOTO_PREFIX) for line in details.split("\n") if line.startswith(PHOTO_PREFIX)),
                None)


def citation_block(citation: Citation, limit: int, *, with_article: bool = False, bold: bool = True,
                   t: Texts = ENGLISH) -> str:
    """The passage quoted verbatim (its highlights in bold when `bold`), then its citation; cut to `limit`."""
    heading = citation_heading(citation, with_article=with_article, t=t)
    text, spans = passage_text(citation, t)

    def render(part: str) -> str:
        return quoted(highlighted(part, spans if bold else ()))

    return fit(text, max(0, limit - len(heading) - 3), render) + "\n— " + heading


def snippet_line(citation: Citation, *, with_article: bool = False, t: Texts = ENGLISH) -> str:
    """`[2] Section — ¶8 · “the passage's first words…”`: a compact, unbolded pointer to a passage."""
    text, _ = passage_text(citation, t)
    snippet = fit(" ".join(text.split()), SNIPPET_CHARS)
    quoted_snippet = snippet if snippet.startswith(("“", '"')) else f"“{snippet}”"  # a quote opening the passage
    return f"{citation_heading(citation, with_article=with_article, t=t)} · {quoted_snippet}"


def answer_embed(answer: Answer, t: Texts = ENGLISH, *, client_language_known: bool = True) -> discord.Embed:
    """The answer: the answering passage first, close runners-up as a compact list (every article's details
    when a question about "the article" leads to them), or the refusal.

    A `medium` answer is labelled "This may answer it" (and coloured apart). In any language but
    English the footer says that the passages are quoted verbatim from the English original.
    """
    if not answer.answered or not answer.citations:
        return not_covered_embed(answer, t, client_language_known=client_language_known)
    if answer.overview == "participants":
        return participants_embed(answer, t, client_language_known=client_language_known)
    first, *rest = shown_citations(answer)
    maybe = answer.confidence == "medium"
    embed = discord.Embed(title=fit(answer.question, TITLE_MAX), colour=MAYBE_COLOUR if maybe else ANSWER_COLOUR,
                          url=link(first.article.url))
    if maybe:
        embed.set_author(name=t._(MAYBE))
    lines = _asked_lines(answer.question, answer.searched_for, t)
    if t.lang != ENGLISH.lang:
        lines.append(t._(VERBATIM))
    lines += [source_line(first.article, t), t._(REPLY_HINT)]
    embed.set_footer(text=fit("\n".join(lines), FOOTER_MAX, inert))
    details = first.passage.kind == "metadata"
    if details:  # every article's details, each in full: they are what was asked
        for citation in rest:
            embed.add_field(name=t._("See also"), value=citation_block(citation, FIELD_VALUE_MAX, with_article=True,
                                                                       t=t), inline=False)
    else:
        listed = [snippet_line(c, with_article=c.article.slug != first.article.slug, t=t) for c in rest]
        if listed:
            embed.add_field(name=t._("See also"), value=fit("\n".join(listed), FIELD_VALUE_MAX, plain), inline=False)
    budget = min(DESCRIPTION_MAX, QUOTE_MAX, EMBED_TOTAL_MAX - len(embed))
    embed.description = citation_block(first, budget, t=t)
    return embed


PARTICIPANTS_HINT = N_("Use {leader} to read what each one said, or {leaders} for the list with the passages.")


def participants_embed(answer: Answer, t: Texts = ENGLISH, *, client_language_known: bool = True) -> discord.Embed:
    """"Who spoke?": every leader the coverage quotes, in bold (they are the answer), with office and country,
    each cited by the passage that first quotes them; then where to read what each said."""
    first = answer.citations[0]
    embed = discord.Embed(title=fit(answer.question, TITLE_MAX), colour=ANSWER_COLOUR, url=link(first.article.url))
    lines = [f"**{escape(person.name)}** — {escape(office_and_country(person, t))} · {_paragraph_link(citation, t)}"
             for person, citation in zip(answer.leaders, answer.citations, strict=True)]
    names = slash_names(t, client_language_known=client_language_known)
    hint = t._(PARTICIPANTS_HINT, leader=names["leader"], leaders=names["leaders"])
    embed.description = fit("\n".join(lines) + "\n\n" + hint, DESCRIPTION_MAX, plain)
    embed.set_footer(text=fit(source_line(first.article, t) + "\n" + t._(REPLY_HINT), FOOTER_MAX, inert))
    return embed


def _paragraph_link(citation: Citation, t: Texts) -> str:
    """`[1] ¶8` (linked when the article has a url): a citation short enough for a list."""
    label = f"¶{citation.passage.paragraph}" if t.lang == ENGLISH.lang else citation_label(citation, t)
    url = link(citation.article.url)
    return f"\\[{citation.rank}\\] " + (f"[{label}]({url})" if url else label)


def shown_citations(answer: Answer) -> tuple[Citation, ...]:
    """The passages the answer shows: the first, and those scoring within `SEE_ALSO_SHARE` of it (two at most);
    or every article's details when they lead the answer."""
    citations = answer.citations
    if citations and citations[0].passage.kind == "metadata":
        details = 0
        for citation in citations[:MAX_ARTICLE_DETAILS]:
            if citation.passage.kind != "metadata":
                break
            details += 1
        return citations[:details]
    top = citations[0].score if citations else 0.0
    close = [c for c in citations[1:MAX_PASSAGES] if top > 0 and c.score >= SEE_ALSO_SHARE * top]
    return (*citations[:1], *close)


def shown_passages(answer: Answer) -> int:
    """How many passages the answer shows (`shown_citations`)."""
    return len(shown_citations(answer))


def not_covered_embed(answer: Answer, t: Texts = ENGLISH, *, client_language_known: bool = True) -> discord.Embed:
    """The honest refusal: no passage is presented as an answer. It says which of the question's names and
    words the coverage never mentions, and, when it names someone, which leaders it does quote."""
    names = slash_names(t, client_language_known=client_language_known)
    parts = [t._("This is not covered in the summit coverage I have."), *refusal_notes(answer, t, escape),
             t._(NOT_COVERED_HELP, **names)]
    embed = discord.Embed(title=fit(answer.question, TITLE_MAX), description=fit(" ".join(parts), DESCRIPTION_MAX,
                                                                                  plain),
                          colour=NOT_COVERED_COLOUR)
    lines = _asked_lines(answer.question, answer.searched_for, t)
    if lines:
        embed.set_footer(text=fit("\n".join(lines), FOOTER_MAX, inert))
    return embed


def footer_query(question: str, searched: str | None) -> str | None:
    """What the footer says was searched: the repaired or completed question, or the whole question when
    the title had to cut it (so that the buttons can always read back what was asked)."""
    if searched:
        return searched
    return question if fit(question, TITLE_MAX) != escape(question) else None


def _asked_lines(question: str, searched_for: str | None, t: Texts) -> list[str]:
    """The footer's line on what was searched: "Follow-up to: <the earlier question>" when the question was read
    with the one it follows up, "Searched for: …" after typo repair (or when the title had to cut the question)."""
    searched = footer_query(question, searched_for)
    if searched is None:
        return []
    if searched_for and searched_for.startswith(question + " ") and fit(question, TITLE_MAX) == escape(question):
        return [t._(FOLLOWUP_OF, question=searched_for[len(question) + 1:])]
    return [searched_line(searched, t)]


def searched_line(searched_for: str, t: Texts = ENGLISH) -> str:
    """The footer line telling what was searched after typo repair (footers show no markdown)."""
    return t._("Searched for: {query}", query=searched_for)


def _prefixes(message: str) -> list[str]:
    return [texts(lang)._(message, **{key: "\0"}).split("\0")[0]
            for lang in LANGUAGES for key in ("query", "question") if "{" + key + "}" in message]


def asked_in(embed: discord.Embed) -> tuple[str, str]:
    """(the question as titled, what was searched) read back from one of our embeds, for the buttons."""
    title = _unescape(embed.title or "")
    searched = title
    for line in (embed.footer.text or "").split("\n"):
        line = line.replace("@\u200b", "@")
        for prefix in _prefixes("Searched for: {query}"):
            if line.startswith(prefix):
                searched = line.removeprefix(prefix)
        for prefix in _prefixes(FOLLOWUP_OF):
            if line.startswith(prefix):
                searched = f"{title} {line.removeprefix(prefix)}"
    return title, searched


def _unescape(markdown: str) -> str:
    return re.sub(r"\\([\\*_`~|>#\-\[\]()])", r"\1", markdown).replace("@\u200b", "@")


# -- more, context, closest ---------------------------------------------------------------------


def _passages_embed(title: str, citations: Sequence[Citation], colour: discord.Colour,
                    headings: Sequence[str | None] | None = None, footer: str | None = None,
                    t: Texts = ENGLISH) -> discord.Embed:
    """Passages that are not the answer (More, Context, the closest): quoted verbatim, with no bold."""
    embed = discord.Embed(title=fit(title, TITLE_MAX), colour=colour)
    if citations and t.lang != ENGLISH.lang:
        footer = f"{footer}\n{t._(VERBATIM)}" if footer else t._(VERBATIM)
    if footer:
        embed.set_footer(text=fit(footer, FOOTER_MAX, inert))
    first_slug = citations[0].article.slug if citations else None
    budget = min(FIELD_VALUE_MAX, (EMBED_TOTAL_MAX - len(embed) - 200) // max(1, len(citations)))
    for i, citation in enumerate(citations):
        name = (headings[i] if headings else None) or "\u200b"
        block = citation_block(citation, budget, with_article=citation.article.slug != first_slug, bold=False, t=t)
        embed.add_field(name=fit(name, FIELD_NAME_MAX), value=block, inline=False)
    return embed


def page_embed(question: str, searched: str, citations: Sequence[Citation], page: int, pages: int,
               t: Texts = ENGLISH) -> discord.Embed:
    """One page of further passages for a question (More)."""
    footer = t._(MORE_PASSAGES, page=page, pages=pages)
    asked = _asked_lines(question, searched if searched != question else None, t)
    if asked:
        footer = f"{asked[0]}\n{footer}"
    return _passages_embed(question, citations, EXTRA_COLOUR, footer=footer, t=t)


def context_embed(citations: Sequence[Citation], cited_id: str, t: Texts = ENGLISH) -> discord.Embed:
    """The cited passage between the ones before and after it (Context); each keeps the number `citations` give
    it (the cited one, its number in the answer)."""
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


TRANSLATION_NOTE = N_("Machine translation (Apertium) of the quoted passages, for the gist only: it may be wrong. "
                      "The English quote is the source.")
TRANSLATED = N_("Automatic translation")


def translation_embed(translated: Sequence[tuple[Citation, str]], t: Texts = ENGLISH) -> discord.Embed:
    """Each passage quoted verbatim with its citation, its machine translation under it, labelled as such."""
    embed = discord.Embed(title=t._(TRANSLATED), colour=EXTRA_COLOUR)
    embed.set_footer(text=fit(t._(TRANSLATION_NOTE), FOOTER_MAX, inert))
    budget = min(FIELD_VALUE_MAX, (EMBED_TOTAL_MAX - len(embed) - 200) // max(1, len(translated)))
    for citation, text in translated:
        label = t._(TRANSLATED) + ": "
        gist = fit(text, max(0, budget // 2 - len(label) - 2), lambda x: "*" + escape(x) + "*")
        block = citation_block(citation, budget - len(label) - len(gist) - 1, bold=False, t=t)
        embed.add_field(name="\u200b", value=f"{block}\n{label}{gist}", inline=False)
    return embed


# -- what a member reads -------------------------------------------------------------------------

LINE_CHARS = 70  # characters of a line of an embed in Discord's desktop client (a 520-pixel embed)
REPLY_BUDGET = (1100, 20)  # a first reply read without scrolling: at most these characters and lines


def reply_size(embed: discord.Embed, line_chars: int = LINE_CHARS) -> tuple[int, int]:
    """(characters, lines) of an embed as shown: text without our markdown, lines wrapped at `line_chars`."""
    parts = [embed.author.name, embed.title, embed.description,
             *(x for f in embed.fields for x in (f.name, f.value)), embed.footer.text]
    shown = [re.sub(r"\\(.)", r"\1", re.sub(r"\]\([^)]*\)", "]", p)).replace("**", "") for p in parts if p]
    lines = sum(max(1, -(-len(line) // line_chars)) for part in shown for line in part.split("\n"))
    return sum(len(part) for part in shown), lines


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
