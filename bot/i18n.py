"""What the bot writes itself, in the reader's language: gettext catalogs compiled in memory at load time.

The messages are English in the code and Spanish in `bot/locales/es/LC_MESSAGES/summit_bot.po` (a
standard gettext catalog: edit it with any PO editor, update it with `make messages`). Nothing is
generated into the repository: the `.po` source is compiled with Babel into an in-memory `.mo` the
first time a language is used. Passages are never translated: they are quoted verbatim.

Messages are marked for extraction (by `pybabel extract` and by the test that keeps the catalog
complete) with these keywords, the same list as `KEYWORDS`:

- `t._("text {name}", name=...)`: a message, formatted with `str.format` after translation;
- `t.n_("one {n} thing", "{n} things", n)`: a message with a plural;
- `t.p_("context", "text")`: a message whose translation depends on a context (also data such as
  offices and countries: `t.p_("office", person.office)`, entries written by hand, not extracted);
- `N_("text")`: marks a constant for extraction; it is translated later with `t._(constant)`;
- `loc("context", "text")` (in `bot.discord_app.localization`): a slash-command name or description.

Only this module knows where catalogs live; it imports nothing else from the project.
"""

from __future__ import annotations

import datetime as dt
import gettext
import io
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Literal

from babel import Locale
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

log = logging.getLogger(__name__)

Lang = Literal["en", "es"]
LANGUAGES: tuple[Lang, ...] = ("en", "es")
DEFAULT: Lang = "en"
DOMAIN = "summit_bot"
LOCALE_DIR = Path(__file__).with_name("locales")
KEYWORDS: dict[str, tuple[object, ...] | None] = {
    "_": None, "N_": None, "n_": (1, 2), "p_": ((1, "c"), 2), "loc": ((1, "c"), 2),
}

# Dates the local way: "6 February 2025" (the project's English), "6 de febrero de 2025".
_DATE_FORMATS: Mapping[Lang, str] = {"en": "d MMMM y", "es": "long"}


def N_(message: str) -> str:
    """Marks `message` for extraction without translating it (translate it later with `Texts._`)."""
    return message


def po_path(lang: str) -> Path:
    """Where the catalog source of `lang` lives."""
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def language_of(tag: str | None) -> Lang:
    """The language for a locale tag: "es", "es-ES", "es-419", "es_AR.UTF-8" → "es"; anything else → "en"."""
    if not tag:
        return DEFAULT
    base = tag.replace("_", "-").split("-", 1)[0].split(".", 1)[0].lower()
    return base if base in LANGUAGES else DEFAULT


def language_from_env(environ: Mapping[str, str] | None = None) -> Lang:
    """The language the environment asks for, the way gettext reads it (LANGUAGE, LC_ALL, LC_MESSAGES, LANG)."""
    env = os.environ if environ is None else environ
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name)
        if value:
            return language_of(value.split(":", 1)[0])
    return DEFAULT


@dataclass(frozen=True)
class Texts:
    """The messages of one language: translate, format, and write dates and numbers the local way."""

    lang: Lang
    translations: gettext.NullTranslations = field(repr=False)
    entries: frozenset[tuple[str | None, str]] = field(repr=False, default=frozenset())

    @property
    def locale(self) -> Locale:
        return Locale.parse(self.lang)

    def _(self, message: str, /, **values: object) -> str:
        """`message` translated, then formatted with `values` (`{name}` placeholders)."""
        text = self.translations.gettext(message)
        return text.format(**values) if values else text

    def n_(self, singular: str, plural: str, n: int, /, **values: object) -> str:
        """The form of the message for `n` (passed to the format as `n` too)."""
        return self.translations.ngettext(singular, plural, n).format(n=n, **values)

    def p_(self, context: str, message: str, /, **values: object) -> str:
        """`message` translated in `context` (e.g. "office", "country", "command name")."""
        text = self.translations.pgettext(context, message)
        return text.format(**values) if values else text

    def has(self, message: str, context: str | None = None) -> bool:
        """Whether the catalog translates `message` (in `context`): English has nothing to translate."""
        return (context, message) in self.entries

    def date(self, day: dt.date) -> str:
        """`day` written the local way: "6 February 2025", "6 de febrero de 2025"."""
        return format_date(day, _DATE_FORMATS[self.lang], locale=self.lang)

    def percent(self, share: float) -> str:
        """A share as a whole percentage the local way ("60%" / "60 %")."""
        return format_percent(share, locale=self.lang)

    def number(self, value: float, digits: int = 1) -> str:
        """A decimal number the local way ("1.5" / "1,5")."""
        return format_decimal(round(value, digits), format=f"#,##0.{'0' * digits}" if digits else "#,##0",
                              locale=self.lang)


@cache
def texts(lang: str = DEFAULT) -> Texts:
    """The `Texts` of `lang` ("en" or "es"; a locale tag is reduced to its language), catalogs loaded once."""
    language = language_of(lang)
    if language == DEFAULT:
        return Texts(language, gettext.NullTranslations())
    translations, entries = _compile(po_path(language))
    return Texts(language, translations, entries)


def _compile(path: Path) -> tuple[gettext.NullTranslations, frozenset[tuple[str | None, str]]]:
    """The `.po` file compiled into an in-memory `.mo` (fuzzy and empty entries left out: English shows)."""
    with path.open("rb") as source:
        catalog = read_po(source, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    entries = frozenset(
        (message.context, message.id if isinstance(message.id, str) else message.id[0])
        for message in catalog
        if message.id and message.string and not message.fuzzy
        and (all(message.string) if isinstance(message.string, tuple) else True)
    )
    return gettext.GNUTranslations(buffer), entries
