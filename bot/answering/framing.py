"""The bot's own words around the quoted passages, shared by both faces (terminal and Discord).

Labels, the "may answer" and "verbatim" notes, offices and countries: translated through `bot.i18n`.
The passages, section headings and names of people stay as the corpus gives them.
"""

from __future__ import annotations

from collections.abc import Callable

from babel.lists import format_list

from bot.answering.answer import Answer, Citation
from bot.corpus.articles import Person
from bot.i18n import N_, Texts, texts

ENGLISH = texts("en")

MAYBE = N_("This may answer it")
VERBATIM = N_("Quoted verbatim from the English original")
UNMENTIONED = N_("The coverage never mentions {words}.")
LEADERS_QUOTED = N_("The leaders it quotes: {leaders}.")
MAX_UNMENTIONED = 6


def section_name(section: str | None, t: Texts = ENGLISH) -> str:
    """A passage's section heading (verbatim from the article), or "Introduction" before the first one."""
    return section or t._("Introduction")


def citation_label(citation: Citation, t: Texts = ENGLISH) -> str:
    """`Citation.label` in the reader's language: "Section — ¶9" in English; in any other language "párrafo 9",
    without the section heading (it is the article's English, and reads as untranslated framing)."""
    if citation.passage.kind == "metadata":
        return t._("Article details")
    if t.lang != ENGLISH.lang:
        return t._("paragraph {number}", number=citation.passage.paragraph)
    return f"{section_name(citation.passage.section, t)} — ¶{citation.passage.paragraph}"


def office_and_country(person: Person, t: Texts = ENGLISH) -> str:
    """"President, Venezuela" / "Presidente de Venezuela": the corpus's English office and country, translated."""
    return t._("{office}, {country}", office=t.p_("office", person.office), country=t.p_("country", person.country))


def person_line(person: Person, t: Texts = ENGLISH) -> str:
    """"Nicolás Maduro — President, Venezuela" (the name as the corpus gives it)."""
    return f"{person.name} — {office_and_country(person, t)}"


def refusal_notes(answer: Answer, t: Texts = ENGLISH, shown: Callable[[str], str] = str) -> list[str]:
    """What a refusal can say beyond "not covered": the question's words the coverage never mentions, and
    then the leaders it does quote (the engine names them when such a word was asked about).

    `shown` makes the asker's words safe where they are shown (Discord escapes their markdown)."""
    notes = []
    if answer.unmentioned:
        words = format_list([f"“{shown(w)}”" for w in answer.unmentioned[:MAX_UNMENTIONED]], style="or",
                            locale=t.lang)
        notes.append(t._(UNMENTIONED, words=words))
    if answer.leaders:
        leaders = [f"{p.name} ({t.p_('country', p.country)})" for p in answer.leaders]
        notes.append(t._(LEADERS_QUOTED, leaders=format_list(leaders, locale=t.lang)))
    return notes
