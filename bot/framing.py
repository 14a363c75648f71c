"""The bot's own words around the quoted passages, shared by both faces (terminal and Discord).

Labels, the "may answer" and "verbatim" notes, offices and countries: translated through `bot.i18n`.
The passages, section headings and names of people stay as the corpus gives them.
"""

from __future__ import annotations

from bot.answer import Citation
from bot.corpus import Person
from bot.i18n import N_, Texts, texts

ENGLISH = texts("en")

MAYBE = N_("This may answer it")
VERBATIM = N_("Quoted verbatim from the English original")


def section_name(section: str | None, t: Texts = ENGLISH) -> str:
    """A passage's section heading (verbatim from the article), or "Introduction" before the first one."""
    return section or t._("Introduction")


def citation_label(citation: Citation, t: Texts = ENGLISH) -> str:
    """`Citation.label` in the reader's language: "Section — ¶9" (the heading stays verbatim)."""
    if citation.passage.kind == "metadata":
        return t._("Article details")
    return f"{section_name(citation.passage.section, t)} — ¶{citation.passage.paragraph}"


def office_and_country(person: Person, t: Texts = ENGLISH) -> str:
    """"President, Venezuela" / "Presidente de Venezuela": the corpus's English office and country, translated."""
    return t._("{office}, {country}", office=t.p_("office", person.office), country=t.p_("country", person.country))


def person_line(person: Person, t: Texts = ENGLISH) -> str:
    """"Nicolás Maduro — President, Venezuela" (the name as the corpus gives it)."""
    return f"{person.name} — {office_and_country(person, t)}"
