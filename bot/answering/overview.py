"""Questions about the whole event, not one passage: "who spoke?", "which countries took part?", "give me a
summary". No single paragraph answers them well, and ranking picks one by chance; the corpus already holds
their answers as structure: its people (each with the passages that attribute words to them) and each
article's opening paragraph.

`overview_kind` recognises such a question from a few named word lists (English and Spanish, accents folded):
a question with any other word asks about something in particular, and is left to retrieval.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.answering.answer import Answer, ArticleRef, Citation, OverviewKind
from bot.corpus.articles import Article, Person
from bot.corpus.catalog import Catalog
from bot.corpus.passages import Passage
from bot.text import fold, letter_runs, whole_words

# "who …", "which countries …", "list the leaders": a question after the people or the countries as a whole
WHO = frozenset({"who", "quien", "quienes"})
WHICH = frozenset({"which", "what", "list", "name", "cuales", "cual", "que", "lista", "nombra", "menciona"})
GROUPS = frozenset({
    "leaders", "countries", "nations", "presidents", "participants", "speakers", "delegations", "heads",
    "attendees", "governments", "lideres", "paises", "naciones", "presidentes", "participantes",
    "mandatarios", "jefes", "delegaciones", "gobiernos", "asistentes",
})
TOOK_PART = frozenset({
    "spoke", "speak", "speaks", "attend", "attended", "participate", "participated", "present", "joined", "came",
    "represented", "there", "hablaron", "hablo", "intervinieron", "intervino", "participaron", "participo",
    "asistieron", "asistio", "estuvieron", "estuvo", "acudieron", "vinieron", "presentes",
})
TOOK_PART_PHRASES = (("took", "part"), ("take", "part"), ("tomaron", "parte"), ("tomo", "parte"))
# "a summary", "what is the article about", "¿de qué trata?", "¿qué pasó en la cumbre?"
SUMMARY = frozenset({"summary", "summarise", "summarize", "overview", "recap", "gist", "tldr", "resumen",
                     "resume", "resumeme", "resumir", "sintesis"})
WHAT_ABOUT = (("what", "about"), ("what", "happened"), ("de", "trata"), ("que", "paso"), ("que", "ocurrio"),
              ("que", "sucedio"))
SUBJECTS = frozenset({"article", "summit", "coverage", "story", "news", "meeting", "report", "event", "articulo",
                      "cumbre", "cobertura", "noticia", "reunion", "evento", "esto", "this", "it"})
# The words an overview question may hold besides those above: a question with any other word ("which leaders
# spoke about migration?", "what happened at the summit in 2023?") asks about something in particular.
FILLER = frozenset({
    "a", "an", "the", "of", "at", "in", "on", "to", "for", "is", "are", "was", "were", "be", "been", "that", "these",
    "those", "did", "do", "does", "all", "me", "us", "give", "can", "could", "you", "please", "tell", "briefly",
    "short", "quick", "main", "whole", "here", "el", "la", "los", "las", "lo", "un", "una", "de", "del", "en", "al",
    "se", "es", "son", "fue", "fueron", "nos", "puedes", "podrias", "dame", "dime", "favor", "todos", "todas",
    "breve", "corto", "hay", "ahi", "alli", "va",
})
MAX_WORDS = 12  # an overview question is short: a longer one asks for something in particular


_VOCABULARY = WHO | WHICH | GROUPS | TOOK_PART | SUMMARY | SUBJECTS | FILLER | {
    w for pair in (*WHAT_ABOUT, *TOOK_PART_PHRASES) for w in pair}


def overview_kind(question: str, names: Iterable[str] = ()) -> OverviewKind | None:
    """What whole-event answer `question` asks for, if any; None for a question about something in particular.

    Such a question holds only the words above and those of `names` (what the corpus calls its events, so "the
    ALBA summit" is the summit), and no number: any other word (a leader, a country, a topic) makes it particular."""
    folded = fold(question)
    words = letter_runs(folded)
    allowed = _VOCABULARY | {w for name in names for w in letter_runs(fold(name))}
    if not words or len(words) > MAX_WORDS or any(ch.isdigit() for ch in folded) or not set(words) <= allowed:
        return None
    present = set(words)
    if present & SUMMARY or (any(a in present and b in present for a, b in WHAT_ABOUT) and present & SUBJECTS):
        return "summary"
    took_part = bool(present & TOOK_PART) or any(a in present and b in present for a, b in TOOK_PART_PHRASES)
    if (present & WHO and took_part) or (present & GROUPS and (took_part or present & WHICH)):
        return "participants"
    return None


def event_names(articles: Iterable[Article]) -> list[str]:
    """What the corpus calls the events it covers (each article's `event` front matter)."""
    return [str(a.extra["event"]) for a in articles if a.extra.get("event")]


def overview_answer(question: str, kind: OverviewKind, catalog: Catalog, articles: Sequence[Article]) -> Answer:
    """The whole-event answer: every leader once, each cited by the first passage that attributes words to them
    (their name highlighted), in the coverage's order; or each article's opening paragraph."""
    by_slug = {a.slug: a for a in articles}
    if kind == "participants":
        chosen: list[tuple[Passage, tuple[tuple[int, int], ...]]] = []
        people: list[Person] = []
        for speaker in catalog.speakers:
            if not speaker.passage_ids or any(p.name == speaker.person.name for p in people):
                continue
            passage = catalog.passage(speaker.passage_ids[0])
            people.append(speaker.person)
            chosen.append((passage, _name_spans(passage.text, speaker.person)))
    else:
        people = []
        chosen = [(p, ()) for a in articles for p in catalog.article_passages(a.slug)
                  if p.kind == "paragraph" and p.paragraph == 1]
    citations = tuple(Citation(rank, 1.0, passage, ArticleRef.of(by_slug[passage.article]), spans)
                      for rank, (passage, spans) in enumerate(chosen, start=1))
    return Answer(question, "high" if citations else "none", citations, leaders=tuple(people), overview=kind)


def _name_spans(text: str, person: Person) -> tuple[tuple[int, int], ...]:
    """Where `text` first names `person` (any form of the name), as a highlight."""
    folded = fold(text)
    if len(folded) != len(text):
        return ()
    found = [m.span() for form in person.name_forms
             if (m := whole_words([fold(form)]).search(folded))]
    return (min(found),) if found else ()
