"""The slash-command translator: the catalog's entry for both Spanish locales, nothing (English) otherwise."""

from __future__ import annotations

import discord
import pytest
from discord import app_commands

from bot.discord_app.localization import CatalogTranslator, discord_language, loc

CONTEXT = app_commands.TranslationContext(app_commands.TranslationContextLocation.other, None)


@pytest.mark.parametrize("locale", [discord.Locale.spain_spanish, discord.Locale.latin_american_spanish])
async def test_both_spanish_locales_get_the_catalogs_entry(locale: discord.Locale) -> None:
    translator = CatalogTranslator()
    assert await translator.translate(loc("command name", "ask"), locale, CONTEXT) == "preguntar"
    assert await translator.translate(loc("option name", "question"), locale, CONTEXT) == "pregunta"


async def test_other_locales_and_missing_entries_get_none_so_discord_shows_english() -> None:
    translator = CatalogTranslator()
    assert await translator.translate(loc("command name", "ask"), discord.Locale.american_english, CONTEXT) is None
    assert await translator.translate(loc("command name", "ask"), discord.Locale.french, CONTEXT) is None
    assert await translator.translate(loc("choice", "never written"), discord.Locale.spain_spanish, CONTEXT) is None
    # the context matters: "ask" is a command name, not a description
    assert await translator.translate(loc("description", "ask"), discord.Locale.spain_spanish, CONTEXT) is None


def test_a_clients_locale_gives_the_reply_language() -> None:
    assert discord_language(discord.Locale.spain_spanish) == discord_language("es-419") == "es"
    assert discord_language(discord.Locale.brazil_portuguese) == discord_language(None) == "en"
