"""Which language a question is written in: English or Spanish (the two the bot is asked in).

A question is Spanish when its words are, on the whole, more common in Spanish than in English
(summed Zipf frequencies, from the tables saved with the index). On the project's 567 labelled
questions this misjudged none; the marker-word rule it replaced misjudged 15, most of them short
Spanish questions without accents ("como termina el articulo"). Without frequency tables (an index
built without its lexical part) the marker-word rule is the fallback.
"""

from __future__ import annotations

import re

from bot.wordfreqs import Language, WordFrequencies

_WORD_RE = re.compile(r"[^\W\d_]+")
# Spanish function words and marks: the fallback counts a question with two or more as Spanish.
_SPANISH_MARKERS = re.compile(
    r"[¿¡ñ]|\b(?:qué|que|quién|quien|cómo|cuál|cual|cuándo|cuando|dónde|por qué|los|las|del|una|sobre|dijo|fue|"
    r"para|según|cuánto|cuántos|cuántas|es|el|la|de|en|se)\b",
    re.IGNORECASE,
)


def question_language(text: str, frequencies: WordFrequencies | None = None) -> Language:
    """"es" when `text` reads as Spanish, else "en"."""
    if frequencies is None:
        return "es" if len(_SPANISH_MARKERS.findall(text)) >= 2 else "en"
    words = [w.lower() for w in _WORD_RE.findall(text)]
    lean = sum(frequencies.zipf(w, "es") - frequencies.zipf(w, "en") for w in words)
    return "es" if lean > 0 else "en"


def looks_spanish(text: str, frequencies: WordFrequencies | None = None) -> bool:
    return question_language(text, frequencies) == "es"
