"""Slash commands in the reader's language: a discord.py `Translator` over the gettext catalogs.

Command and option names and descriptions are written `loc("command name", "ask")`: a `locale_str`
whose gettext context (`msgctxt`) tells a command name from an option name or a description. When
commands are synced, Discord receives `name_localizations` and `description_localizations` for every
Discord locale of a language the catalogs have (Spanish: `es-ES` and `es-419`); everyone else sees English.

Replies follow the asker: `interaction.locale` (their client's language) for commands and buttons;
for a mention, which carries no locale, the question's own language (a Spanish question gets Spanish
framing from any client), or the server's preferred locale when there is no question.
"""

from __future__ import annotations

import discord
from discord import app_commands

from bot.i18n import DEFAULT, Lang, Texts, language_of, texts
from bot.index.wordfreqs import WordFrequencies
from bot.retrieval.language import question_language

# Discord locales per language; every one of them gets the same catalog.
DISCORD_LOCALES: dict[discord.Locale, Lang] = {
    discord.Locale.spain_spanish: "es",
    discord.Locale.latin_american_spanish: "es",
}


def loc(context: str, message: str) -> app_commands.locale_str:
    """A translatable command string: `context` is "command name", "option name", "choice" or "description"."""
    return app_commands.locale_str(message, msgctxt=context)


def discord_language(locale: discord.Locale | str | None) -> Lang:
    """The language to answer in for a Discord locale (`interaction.locale`, a guild's preferred locale)."""
    if locale is None:
        return DEFAULT
    if isinstance(locale, discord.Locale):
        return DISCORD_LOCALES.get(locale, DEFAULT)
    return language_of(str(locale))


def interaction_texts(interaction: discord.Interaction) -> Texts:
    """The messages in the language of the client that sent `interaction`."""
    return texts(discord_language(interaction.locale))


def message_texts(message: discord.Message, question: str, frequencies: WordFrequencies | None = None) -> Texts:
    """The messages in the language of a mention: the question's, else the server's preferred locale."""
    if question.strip():
        return texts(question_language(question, frequencies))
    return texts(discord_language(message.guild.preferred_locale if message.guild else None))


class CatalogTranslator(app_commands.Translator):
    """Translates `locale_str`s from the gettext catalogs; None (Discord shows English) when there is no entry."""

    async def translate(
        self, string: app_commands.locale_str, locale: discord.Locale, context: app_commands.TranslationContextTypes
    ) -> str | None:
        lang = DISCORD_LOCALES.get(locale)
        if lang is None:
            return None
        msgctxt = string.extras.get("msgctxt")
        catalog = texts(lang)
        if not catalog.has(string.message, msgctxt):
            return None
        return catalog.p_(msgctxt, string.message) if msgctxt else catalog._(string.message)
