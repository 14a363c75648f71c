"""What BM25 indexes of a passage: its text, its section heading, and who speaks in it."""

from __future__ import annotations

from collections.abc import Sequence

from bot.corpus.catalog import Speaker
from bot.corpus.passages import PHOTO_PREFIX, Passage, embedded_text

# Bump when `lexical_document` or the BM25 tokenizer changes: saved indexes are then rebuilt.
LEXICAL_VERSION = "5"

# How people ask for the metadata passage: indexed with it, so "who wrote this?" finds it by words too.
_METADATA_TERMS = ("author writer wrote written journalist reporter byline headline published publication date day "
                   "released outlet newspaper website source media "
                   "autor autora escribió escrito periodista publicó publicado publicación fecha medio fuente")
_CAPTION_TERMS = "photo photograph picture image caption foto fotografía imagen"  # when the details have one


def lexical_document(passage: Passage, speakers: Sequence[Speaker]) -> str:
    """What BM25 indexes for a passage: its text, heading, and who speaks in it."""
    names = [
        " ".join((s.person.name, *s.person.aliases, s.person.office, s.person.country, *s.person.country_aliases))
        for s in speakers
        if passage.id in s.passage_ids
    ]
    text, extra = passage.text, None
    if passage.kind == "metadata":  # the photo caption is found by asking about the photo (see `PHOTO_PREFIX`)
        text = embedded_text(passage)
        extra = _METADATA_TERMS + (" " + _CAPTION_TERMS if PHOTO_PREFIX in passage.text else "")
    return "\n".join(filter(None, [passage.section, text, *names, extra]))
