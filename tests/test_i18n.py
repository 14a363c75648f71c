"""Translations that cannot rot: every message in the code and every office and country of the corpus has a
Spanish entry with the same placeholders, command names and descriptions keep Discord's rules, and
dates and languages are chosen the way the README says."""

from __future__ import annotations

import datetime as dt
import re
import string

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from bot.i18n import DEFAULT, LANGUAGES, language_from_env, language_of, po_path, texts
from bot.i18n_extract import Message, code_messages, corpus_messages
from bot.settings import PROJECT_ROOT

TRANSLATED = [lang for lang in LANGUAGES if lang != DEFAULT]
# Discord's rule for command and option names (discord.py's VALID_SLASH_COMMAND_NAME, and lower case).
NAME_RE = re.compile(r"^[-_'\w]{1,32}$")
DESCRIPTION_MAX = 100


def catalog(lang: str) -> Catalog:
    with po_path(lang).open("rb") as source:
        return read_po(source)


def entries(lang: str) -> dict[Message, object]:
    """(context, id) → the translation (a string, or a tuple of plural forms), for every entry of the catalog."""
    found: dict[Message, object] = {}
    for message in catalog(lang):
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else tuple(message.id)
        found[(message.context, key)] = message
    return found


def wanted() -> dict[Message, list[str]]:
    return {**code_messages(PROJECT_ROOT / "bot"), **corpus_messages(PROJECT_ROOT / "corpus")}


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_the_code_marks_messages_for_translation() -> None:
    found = code_messages(PROJECT_ROOT / "bot")
    assert len(found) > 50  # the extraction itself works (an empty scan would pass everything below)
    assert ("command name", "ask") in found and (None, "See also") in found
    assert (None, ("{n} passage", "{n} passages")) in found


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_message_of_the_code_and_the_corpus_has_a_translation(lang: str) -> None:
    have = entries(lang)
    missing = {f"{key} ({', '.join(where[:2])})" for key, where in wanted().items()
               if key not in have or not _complete(have[key])}
    assert not missing, f"no {lang} translation (run `make messages`, then translate):\n" + "\n".join(sorted(missing))


@pytest.mark.parametrize("lang", TRANSLATED)
def test_no_translation_is_left_for_a_message_the_code_no_longer_has(lang: str) -> None:
    stale = set(entries(lang)) - set(wanted())
    assert not stale, f"{lang} entries no longer used (remove them, or run `make messages`): {sorted(map(str, stale))}"


def _complete(message: object) -> bool:
    strings = message.string if isinstance(message.string, tuple) else (message.string,)  # type: ignore[attr-defined]
    return not message.fuzzy and all(strings)  # type: ignore[attr-defined]


@pytest.mark.parametrize("lang", TRANSLATED)
def test_translations_keep_the_placeholders_of_the_english(lang: str) -> None:
    """A singular entry has exactly the English placeholders; a plural one has the English plural's in its
    last form and nothing else anywhere (a singular form may leave out `{n}`: "el artículo que cito")."""
    wrong = []
    plurals = catalog(lang).num_plurals
    for (context, key), message in entries(lang).items():
        where = f"{context or ''}|{key!r}"
        forms = message.string if isinstance(message.string, tuple) else (message.string,)  # type: ignore[attr-defined]
        if isinstance(key, str):
            if placeholders(forms[0]) != placeholders(key):
                wrong.append(f"{where}: {sorted(placeholders(forms[0]))} != {sorted(placeholders(key))}")
            continue
        allowed = placeholders(key[0]) | placeholders(key[1])
        if len(forms) != plurals:
            wrong.append(f"{where}: {len(forms)} plural forms, the catalog's language has {plurals}")
        if any(not placeholders(form) <= allowed for form in forms) or placeholders(forms[-1]) != placeholders(key[1]):
            wrong.append(f"{where}: {[sorted(placeholders(f)) for f in forms]} vs {sorted(allowed)}")
    assert not wrong, "\n".join(wrong)


def test_the_placeholder_check_catches_a_renamed_placeholder() -> None:
    assert placeholders("Se buscó: {consulta}") != placeholders("Searched for: {query}")


@pytest.mark.parametrize("lang", TRANSLATED)
def test_command_and_option_names_and_descriptions_keep_discords_limits(lang: str) -> None:
    t = texts(lang)
    names = [(c, k) for c, k in wanted() if c in ("command name", "option name")]
    descriptions = [(c, k) for c, k in wanted() if c == "description"]
    assert len(names) >= 8 and len(descriptions) >= 8
    for context, key in names:
        local = t.p_(context, str(key))
        assert NAME_RE.match(local) and local == local.lower(), f"{context} {key!r} → {local!r}"
    for context, key in descriptions:
        local = t.p_(context, str(key))
        assert 1 <= len(local) <= DESCRIPTION_MAX, f"{key!r} → {local!r} ({len(local)} characters)"
    commands = [t.p_("command name", str(k)) for c, k in names if c == "command name"]
    assert len(set(commands)) == len(commands)  # two commands may not share a name


def test_spanish_names_read_as_spanish() -> None:
    t = texts("es")
    assert t.p_("command name", "ask") == "preguntar"
    assert t.p_("office", "President") == "Presidente" and t.p_("country", "Saint Lucia") == "Santa Lucía"
    assert t._("{office}, {country}", office="Presidente", country="Venezuela") == "Presidente de Venezuela"


def test_dates_are_written_the_local_way() -> None:
    day = dt.date(2025, 2, 6)
    assert texts("en").date(day) == "6 February 2025"
    assert texts("es").date(day) == "6 de febrero de 2025"
    assert texts("es").number(1.25, 2) == "1,25" and texts("en").number(1.25, 2) == "1.25"


def test_plural_forms_follow_the_count() -> None:
    t = texts("es")
    assert t.n_("{n} passage", "{n} passages", 1) == "1 fragmento"
    assert t.n_("{n} passage", "{n} passages", 30) == "30 fragmentos"


@pytest.mark.parametrize(("tag", "lang"), [
    ("es", "es"), ("es-ES", "es"), ("es-419", "es"), ("es_AR.UTF-8", "es"), ("ES", "es"),
    ("en-US", "en"), ("fr", "en"), ("", "en"), (None, "en"), ("C.UTF-8", "en"), ("POSIX", "en"),
])
def test_a_locale_tag_gives_its_language_or_english(tag: str | None, lang: str) -> None:
    assert language_of(tag) == lang


def test_the_environment_language_follows_gettexts_order() -> None:
    assert language_from_env({"LANG": "es_ES.UTF-8"}) == "es"
    assert language_from_env({"LANG": "es_MX.UTF-8", "LC_ALL": "en_US.UTF-8"}) == "en"
    assert language_from_env({"LANGUAGE": "es:en", "LANG": "en_US.UTF-8"}) == "es"
    assert language_from_env({}) == "en"


def test_english_is_the_code_itself() -> None:
    t = texts("en")
    assert t._("Searched for: {query}", query="x") == "Searched for: x"
    assert not t.has("See also")
