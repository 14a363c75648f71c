"""Embeds for `/leaders`, `/leader`, `/sources` and `/about`, paginated to stay within Discord's limits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import discord

from bot.answering.answer import ArticleRef, Citation
from bot.answering.engine import IndexInfo
from bot.answering.framing import ENGLISH, MAYBE, VERBATIM, office_and_country, person_line, section_name
from bot.corpus.catalog import Source, Speaker
from bot.corpus.passages import Passage
from bot.i18n import N_, Texts

from .render import (
    ANSWER_COLOUR,
    DESCRIPTION_MAX,
    EMBED_TOTAL_MAX,
    FOOTER_MAX,
    TITLE_MAX,
    citation_block,
    escape,
    fit,
    human_date,
    link,
    plain,
    slash_names,
    source_line,
)

PassageLookup = Callable[[str], Passage]


def paginate(title: str, blocks: Sequence[str], *, footer: str | None = None) -> list[discord.Embed]:
    """Blocks packed into as few embeds as fit; each embed is sent as its own message (≤ 6000 chars)."""
    footer_text = fit(footer, FOOTER_MAX, plain) if footer else None
    reserve = TITLE_MAX + len(footer_text or "")
    budget = min(DESCRIPTION_MAX, EMBED_TOTAL_MAX - reserve)
    pages: list[list[str]] = [[]]
    for block in blocks:
        block = fit(block, budget, plain)  # already rendered; only a pathological block is cut
        if pages[-1] and len("\n\n".join([*pages[-1], block])) > budget:
            pages.append([])
        pages[-1].append(block)
    embeds = []
    for number, page in enumerate(pages, start=1):
        suffix = f" ({number}/{len(pages)})" if len(pages) > 1 else ""
        embed = discord.Embed(title=fit(title, TITLE_MAX - len(suffix)) + suffix, colour=ANSWER_COLOUR,
                              description="\n\n".join(page) or None)
        if footer_text:
            embed.set_footer(text=footer_text)
        embeds.append(embed)
    return embeds


def paragraph_ranges(numbers: Sequence[int]) -> str:
    """[8, 9, 10, 12] → "¶8–10, ¶12"."""
    ordered = sorted(set(numbers))
    runs: list[list[int]] = []
    for n in ordered:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ", ".join(f"¶{r[0]}" if len(r) == 1 else f"¶{r[0]}–{r[-1]}" for r in runs)


def where_quoted(speaker: Speaker, passage: PassageLookup, t: Texts = ENGLISH) -> str:
    """One line: the sections and paragraphs where the article quotes or reports `speaker`."""
    sections: dict[str, list[int]] = {}
    for passage_id in speaker.passage_ids:
        p = passage(passage_id)
        if p.paragraph is not None:
            sections.setdefault(section_name(p.section, t), []).append(p.paragraph)
    if not sections:
        return t._("named in the article, not quoted")
    text = "; ".join(f"{escape(section)} — {paragraph_ranges(numbers)}" for section, numbers in sections.items())
    url = link(speaker.article.url)
    return f"[{text}]({url})" if url else text


def leaders_embeds(speakers: Sequence[Speaker], passage: PassageLookup, t: Texts = ENGLISH) -> list[discord.Embed]:
    """Every head of state or government in the corpus metadata, with where each one speaks."""
    articles = {s.article.slug: s.article for s in speakers}
    blocks = []
    for s in speakers:
        where = where_quoted(s, passage, t)
        if len(articles) > 1:
            where += " · " + fit(s.article.title, 80)
        blocks.append(f"**{escape(s.person.name)}** — {escape(office_and_country(s.person, t))}\n↳ {where}")
    if not blocks:
        blocks = [t._("No speakers are listed in the corpus metadata.")]
    footer = None
    if len(articles) == 1:
        footer = source_line(ArticleRef.of(next(iter(articles.values()))), t)
    hint = t._("Use {leader} to read what each one said.", leader="/" + t.p_("command name", "leader"))
    footer = (footer + " · " if footer else "") + hint
    title = t.n_("The head of state or government who spoke", "Heads of state and government who spoke ({n})",
                 len(speakers))
    return paginate(title, blocks, footer=footer)


def leader_embeds(speakers: Sequence[Speaker], passage: PassageLookup, t: Texts = ENGLISH) -> list[discord.Embed]:
    """Everything the corpus quotes or reports from one person (one `Speaker` per article), verbatim and cited."""
    person = speakers[0].person
    several = len(speakers) > 1
    blocks = []
    for speaker in speakers:
        ref = ArticleRef.of(speaker.article)
        for rank, pid in enumerate(speaker.passage_ids, start=1):
            citation = Citation(rank, 1.0, passage(pid), ref)
            blocks.append(citation_block(citation, DESCRIPTION_MAX, with_article=several, t=t))
    if not blocks:
        blocks = [t._("The article names {name} but quotes nothing from them.", name=escape(person.name))]
    footer = None if several else source_line(ArticleRef.of(speakers[0].article), t)
    if blocks and t.lang != ENGLISH.lang and any(speaker.passage_ids for speaker in speakers):
        verbatim = t._(VERBATIM)
        footer = f"{verbatim} · {footer}" if footer else verbatim
    return paginate(person_line(person, t), blocks, footer=footer)


def leader_names(speakers: Sequence[Speaker]) -> str:
    """The valid names, for the unknown-leader reply (as the corpus gives them)."""
    return ", ".join(escape(s.person.name) for s in speakers)


def sources_embeds(sources: Sequence[Source], t: Texts = ENGLISH) -> list[discord.Embed]:
    """The articles in the corpus: title (linked), author, date, outlet and passage count."""
    blocks = []
    for source in sources:
        a = ArticleRef.of(source.article)
        url = link(a.url)
        title = f"**[{escape(a.title)}]({url})**" if url else f"**{escape(a.title)}**"
        details = [t._("By {author}", author=a.author) if a.author else None, human_date(a.published, t), a.outlet,
                   t.n_("{n} passage", "{n} passages", source.passages)]
        blocks.append(title + "\n" + escape(" · ".join(d for d in details if d)))
    return paginate(t.n_("Sources ({n} article)", "Sources ({n} articles)", len(sources)), blocks)


HOW_I_DECIDE = (
    N_("I search the coverage for the passages closest to your question, and a small reader model, trained for "
       "this, reads the best of them."),
    N_("When a passage answers the question, I quote it and mark the answering phrase in bold; when I am not sure, "
       "the answer says “{maybe}”."),
    N_("When no passage answers it, I say so, and the closest passages are one button away."),
)


def about_embed(info: IndexInfo, *, speakers: int, sources: int, t: Texts = ENGLISH, operator: bool = False,
                translatable: bool = False) -> discord.Embed:
    """What the bot covers, how to ask and how it decides; for a server manager (`operator`), the index's model,
    size and build time too. `translatable`: the "See translation" button is on offer."""
    names = slash_names(t)
    option = t.p_("option name", "question")
    description = "\n".join([
        t._("I answer questions about the XII Extraordinary Summit of ALBA-TCP (3 February 2025) by quoting the "
            "news coverage in my corpus: every answer is a passage from an article, verbatim, with where it comes "
            "from. If the coverage does not answer a question, I say so."),
        "",
        "**" + t._("How to ask") + "**",
        f"• `/{t.p_('command name', 'ask')} {option}: {t._('What did Maduro propose?')}`",
        "• " + t._("or mention me with the question, or reply to one of my messages"),
        "• " + t.n_("{leaders} lists the head of state or government who spoke; {leader} shows what they said",
                    "{leaders} lists the {n} heads of state and government who spoke; {leader} shows what one of "
                    "them said", speakers, leaders=names["leaders"], leader=names["leader"]),
        "• " + t.n_("{sources} lists the article I quote", "{sources} lists the {n} articles I quote", sources,
                    sources=names["sources"]),
        "",
        "**" + t._("How I decide") + "**",
        *("• " + t._(line, maybe=t._(MAYBE)) for line in HOW_I_DECIDE),
    ])
    if t.lang != ENGLISH.lang:
        description += "\n\n" + (t._("The passages I quote are the English original, verbatim; the “{button}” "
                                      "button under an answer gives an automatic translation, for the gist.",
                                      button=t._("See translation")) if translatable else
                                  t._("The passages I quote are in English, verbatim: I never translate them."))
    embed = discord.Embed(title=t._("About summit-bot"), description=description, colour=ANSWER_COLOUR)
    if operator:
        labels = t._("Model"), t._("Passages"), t._("Index built")
        values = fit(info.model_id, 200), str(info.passages), built_at(info.built_at, t)
        details = [f"{label}: {value}" for label, value in zip(labels, values, strict=True)]
        embed.add_field(name=t._("For server managers"), value="\n".join(details), inline=False)
    return embed


def built_at(value: str, t: Texts = ENGLISH) -> str:
    """An ISO timestamp as a Discord timestamp (shown in the reader's time zone), or as given."""
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        return fit(value, 1024) or t._("unknown")
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return f"{discord.utils.format_dt(when, 'f')} ({discord.utils.format_dt(when, 'R')})"
