"""Spanish and English end to end: localised slash commands, and every reply in the asker's language.

Interactions come from clients whose locale is es-ES, es-419 or en-US; mentions carry no locale, so
their language is the question's. Quoted passages stay verbatim English whatever the language.
"""

from __future__ import annotations

import re
from typing import Any

import discord
import pytest

from bot.answering.engine import Engine
from bot.answering.framing import VERBATIM
from bot.discord_app import render
from bot.discord_app.client import SummitBot
from bot.i18n import texts
from tests.fake_discord import ADMIN_USER_ID, BOT_USER_ID, FakeDiscord, InteractionState

from .conftest import COOLDOWN_RATE, TEST_ONLY_COMMANDS
from .helpers import ask_by_message, only_embed, quote_of, run_command, sent_for, shown_text

pytestmark = pytest.mark.asyncio(loop_scope="package")

SPANISH = ("es-ES", "es-419")
LOCALES = (*SPANISH, "en-US")
ME = f"<@{BOT_USER_ID}>"
ES = texts("es")
OFF_TOPIC = "How do I bake sourdough bread at home?"


def is_spanish(locale: str) -> bool:
    return locale in SPANISH


def within_limits(payloads: list[dict[str, Any]], state: InteractionState | None = None) -> None:
    """Nothing the fake rejected (it answers 400 like Discord would), and every embed within `embed_problems`."""
    assert state is None or not state.rejections, state.rejections
    for payload in payloads:
        assert len(payload.get("content") or "") <= render.CONTENT_MAX
        for embed in payload.get("embeds") or []:
            assert render.embed_problems(discord.Embed.from_dict(embed)) == [], embed


# -- the commands Discord shows ------------------------------------------------------------------


async def test_synced_commands_carry_spanish_names_and_descriptions_for_both_spanish_locales(
    fake: FakeDiscord, bot: SummitBot
) -> None:
    commands = {c["name"]: c for c in fake.registered_commands(None) if c["name"] not in TEST_ONLY_COMMANDS}
    assert set(commands) == {"ask", "leaders", "leader", "sources", "about", "reindex", "stats"}
    for name, command in commands.items():
        names, descriptions = command["name_localizations"], command["description_localizations"]
        assert set(names) == set(descriptions) == set(SPANISH), name  # English stays the default: no entry
        assert names["es-ES"] == names["es-419"] == ES.p_("command name", name) != name
        assert descriptions["es-ES"] == ES.p_("description", command["description"]) != command["description"]
        for option in command.get("options") or []:
            assert option["name_localizations"]["es-419"] == ES.p_("option name", option["name"]) != option["name"]
            assert set(option["description_localizations"]) == set(SPANISH)
    assert commands["ask"]["name_localizations"]["es-ES"] == "preguntar"
    assert commands["ask"]["options"][0]["name_localizations"]["es-ES"] == "pregunta"


async def test_the_sync_fingerprint_includes_the_translations(bot: SummitBot) -> None:
    from bot.discord_app.sync import command_payloads

    payloads = await command_payloads(bot.tree, None)
    assert all(p["name_localizations"] for p in payloads if p["name"] not in TEST_ONLY_COMMANDS)


# -- /ask ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
async def test_ask_answers_in_the_language_of_the_client(
    fake: FakeDiscord, bot: SummitBot, engine: Engine, user: int, locale: str
) -> None:
    question = "What did Ortega stress?"  # two passages close enough to list the second as "See also"
    state, sent = await run_command(fake, "ask", {"question": question}, user_id=user, locale=locale)
    embed = only_embed(sent[0])
    expected = engine.ask(question)
    see_also = [f["name"] for f in embed.get("fields") or []]
    assert see_also == ["Ver también" if is_spanish(locale) else "See also"]
    footer = embed["footer"]["text"]
    if is_spanish(locale):
        assert footer.startswith(ES._(VERBATIM) + "\n")
        assert footer.endswith("6 de febrero de 2025\n" + ES._(render.REPLY_HINT))
    else:
        assert "Citas" not in footer and footer.endswith("6 February 2025\n" + render.REPLY_HINT)
    assert shown_text(quote_of(embed["description"])) == expected.citations[0].passage.text  # verbatim English
    within_limits(sent, state)


@pytest.mark.parametrize("locale", LOCALES)
async def test_the_refusal_is_in_the_language_of_the_client(
    fake: FakeDiscord, bot: SummitBot, user: int, locale: str
) -> None:
    _, sent = await run_command(fake, "ask", {"question": OFF_TOPIC}, user_id=user, locale=locale)
    description = only_embed(sent[0])["description"]
    if is_spanish(locale):
        assert description.startswith("La cobertura de la cumbre que tengo no trata este tema.")
        assert "“bake”" in description and "no dice nada sobre" in description  # the asker's words it never mentions
        assert "`/mandatarios`" in description and "`/mandatario`" in description  # as the client shows them
    else:
        assert "not covered in the summit coverage I have" in description and "`/leaders`" in description


async def test_the_searched_for_line_is_translated(fake: FakeDiscord, bot: SummitBot, engine: Engine,
                                                   user: int) -> None:
    question = "What did Maduro propse for the food supply?"
    searched = engine.ask(question).searched_for
    assert searched
    _, sent = await run_command(fake, "ask", {"question": question}, user_id=user, locale="es-419")
    assert only_embed(sent[0])["footer"]["text"].startswith(f"Búsqueda: {searched}\n")


async def test_a_question_error_and_the_private_note_are_in_spanish(
    fake: FakeDiscord, bot: SummitBot, user: int, elsewhere: int
) -> None:
    state, [payload] = await run_command(fake, "ask", {"question": "why " * 130}, user_id=user, locale="es-ES")
    assert state.ephemeral
    assert re.fullmatch(r"Tu pregunta tiene \d+ caracteres; acórtala a 500 como máximo\.", payload["content"])
    _, [payload] = await run_command(fake, "ask", {"question": "¿Qué dijo Arce sobre la migración?"},
                                     user_id=user, channel_id=elsewhere, locale="es-ES")
    assert payload["content"].startswith(f"Respondo públicamente en <#{fake.CHANNEL_ID}>; aquí, solo tú")


async def test_the_cooldown_message_is_in_the_language_of_the_client(
    fake: FakeDiscord, bot: SummitBot, user: int
) -> None:
    for _ in range(COOLDOWN_RATE):
        await run_command(fake, "ask", {"question": "¿Quién habló por Cuba?"}, user_id=user, locale="es-419")
    state, [payload] = await run_command(fake, "ask", {"question": "¿Quién habló por Cuba?"}, user_id=user,
                                         locale="es-419")
    assert state.ephemeral
    assert re.fullmatch(r"Estás preguntando más rápido de lo que puedo responder; vuelve a intentarlo en \d+ s\.",
                        payload["content"])


async def test_an_unexpected_failure_is_reported_in_the_language_of_the_client(
    fake: FakeDiscord, bot: SummitBot, user: int
) -> None:
    _, [payload] = await run_command(fake, "boom", user_id=user, locale="es-ES")
    assert payload["content"].startswith("Lo siento, algo salió mal")


async def test_a_missing_permission_is_named_as_spanish_discord_names_it(
    fake: FakeDiscord, bot: SummitBot, user: int
) -> None:
    state, [payload] = await run_command(fake, "reindex", user_id=user, locale="es-ES")
    assert state.ephemeral
    assert payload["content"] == "Solo los miembros con el permiso Gestionar servidor pueden usar ese comando."


# -- mentions: the question's language, whatever the client -----------------------------------------


async def test_a_spanish_mention_gets_spanish_framing_even_from_an_english_client(
    fake: FakeDiscord, bot: SummitBot, engine: Engine, user: int
) -> None:
    question = "¿Qué propuso Maduro para la región?"
    _, payload = await ask_by_message(fake, f"{ME} {question}", author_id=user)
    embed = only_embed(payload)
    assert embed == render.answer_embed(engine.ask(question), ES, client_language_known=False).to_dict()
    assert ES._(VERBATIM) in embed["footer"]["text"]
    assert all(f["name"] == "Ver también" for f in embed.get("fields") or [])
    within_limits([payload])


async def test_an_english_mention_gets_english_framing(fake: FakeDiscord, bot: SummitBot, user: int) -> None:
    _, payload = await ask_by_message(fake, f"{ME} What did Ortega stress?", author_id=user)
    assert "Cita" not in only_embed(payload)["footer"]["text"]


async def test_a_spanish_mention_refused_names_both_forms_of_the_commands(
    fake: FakeDiscord, bot: SummitBot, user: int
) -> None:
    _, payload = await ask_by_message(fake, f"{ME} ¿Quién ganó el mundial de fútbol de 2022?", author_id=user)
    description = only_embed(payload)["description"]
    assert description.startswith("La cobertura de la cumbre")
    assert "`/mandatarios` (`/leaders`)" in description  # the client may show either


# -- /leaders, /leader, /sources, /about ------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
async def test_leaders_name_offices_and_countries_in_the_language_of_the_client(
    fake: FakeDiscord, bot: SummitBot, user: int, locale: str
) -> None:
    state, sent = await run_command(fake, "leaders", user_id=user, locale=locale)
    embed = only_embed(sent[0])
    if is_spanish(locale):
        assert embed["title"] == "Jefes de Estado y de Gobierno que intervinieron (7)"
        for line in ("**Nicolás Maduro** — Presidente de Venezuela", "**Roosevelt Skerrit** — Primer ministro de "
                     "Dominica", "**Philip Pierre** — Primer ministro de Santa Lucía",
                     "**Ralph Gonsalves** — Primer ministro de San Vicente y las Granadinas"):
            assert line in embed["description"]
        assert embed["footer"]["text"].endswith("Usa /mandatario para leer lo que dijo cada uno.")
        assert "6 de febrero de 2025" in embed["footer"]["text"]
    else:
        assert "**Nicolás Maduro** — President, Venezuela" in embed["description"]
    within_limits(sent, state)


async def test_leader_and_its_autocomplete_speak_spanish(
    fake: FakeDiscord, bot: SummitBot, engine: Engine, user: int
) -> None:
    interaction = fake.inject_autocomplete("leader", "name", "skerrit", locale="es-ES")
    choices = (await fake.wait_for_ack(interaction.id)).autocomplete_choices or []
    assert [(c["name"], c["value"]) for c in choices] == [
        ("Roosevelt Skerrit — Primer ministro de Dominica", "Roosevelt Skerrit")]
    state, sent = await run_command(fake, "leader", {"name": "Díaz-Canel"}, user_id=user, locale="es-419")
    embed = only_embed(sent[0])
    assert embed["title"] == "Miguel Díaz-Canel — Presidente de Cuba"
    speaker = engine.catalog.speaker("Díaz-Canel")
    assert speaker is not None
    first = engine.index.passages[engine.index.row(speaker.passage_ids[0])]
    assert shown_text(quote_of(embed["description"].split("\n\n")[0])) == first.text
    assert embed["footer"]["text"].startswith(ES._(VERBATIM) + " · ")
    within_limits(sent, state)


async def test_an_unknown_leader_is_answered_in_spanish(fake: FakeDiscord, bot: SummitBot, user: int) -> None:
    _, [payload] = await run_command(fake, "leader", {"name": "Napoleón"}, user_id=user, locale="es-ES")
    assert payload["content"].startswith("No conozco a ningún mandatario llamado “Napoleón”.")


async def test_sources_in_spanish(fake: FakeDiscord, bot: SummitBot, engine: Engine, user: int) -> None:
    _, sent = await run_command(fake, "sources", user_id=user, locale="es-ES")
    embed = only_embed(sent[0])
    assert embed["title"] == "Fuentes (1 artículo)"
    assert "Por Pablo Meriguet · 6 de febrero de 2025 · Peoples Dispatch ·" in embed["description"]
    passages = engine.catalog.sources[0].passages
    assert embed["description"].endswith(f"· {passages} fragmentos")  # no link: nothing said about it


@pytest.mark.parametrize("locale", LOCALES)
async def test_about_in_the_language_of_the_client(fake: FakeDiscord, bot: SummitBot, user: int, locale: str) -> None:
    state, sent = await run_command(fake, "about", user_id=user, locale=locale)
    embed = only_embed(sent[0])
    if is_spanish(locale):
        assert embed["title"] == "Acerca de summit-bot"
        assert "`/preguntar pregunta: ¿Qué propuso Maduro?`" in embed["description"]
        assert "`/mandatarios` muestra a los 7 jefes de Estado" in embed["description"]
        assert "**Cómo decido**" in embed["description"] and "“Posible respuesta”" in embed["description"]
        assert "traducción automática" in embed["description"] or "nunca los traduzco" in embed["description"]
    else:
        assert "`/ask question: What did Maduro propose?`" in embed["description"]
        assert "**How I decide**" in embed["description"]
    assert not embed.get("fields")  # the index's details are for managers
    within_limits(sent_for(fake, state), state)


async def test_stats_speaks_the_managers_language(fake: FakeDiscord, bot: SummitBot, user: int) -> None:
    await run_command(fake, "ask", {"question": "¿Quién escribió el artículo?"}, user_id=user, locale="es-ES")
    state, [refused] = await run_command(fake, "stats", user_id=user, locale="es-419")
    assert refused["content"] == "Solo los miembros con el permiso Gestionar servidor pueden usar ese comando."
    state, [payload] = await run_command(fake, "stats", {"days": 1}, user_id=ADMIN_USER_ID, locale="es-ES")
    embed = only_embed(payload)
    assert embed["title"] == "Preguntas hechas aquí en el último día"
    names = [f["name"] for f in embed.get("fields") or []]
    assert names[:4] == ["Preguntas", "Respondidas", "Votos", "Tiempo de respuesta"]
    assert re.search(r"alta \d+\s% · media \d+\s% · ninguna \d+\s%", embed["fields"][1]["value"])
    within_limits([payload], state)
