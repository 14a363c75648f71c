"""The buttons in Spanish and English, end to end: labels in the language of the answer they sit under,
and whatever a click answers (privately, a modal, a page of passages) in the language of whoever clicks."""

from __future__ import annotations

from typing import Any

import discord
import pytest

from bot.answering.engine import Engine
from bot.answering.framing import VERBATIM
from bot.corpus.catalog import passage_ref
from bot.discord_app import buttons, render
from bot.discord_app.client import SummitBot
from bot.i18n import texts
from tests.fake_discord import BOT_USER_ID, FakeDiscord, InteractionState

from .helpers import ask_by_message, citation_of, quote_of, run_command, sent_for, shown_text

pytestmark = pytest.mark.asyncio(loop_scope="package")

ES = texts("es")
QUESTION = "What did Maduro propose for the region's food supply?"
REFUSED = "How do I bake sourdough bread at home?"


def labels(message: dict[str, Any]) -> dict[str, str | None]:
    """custom_id prefix ("sb:more") → label, for every button of a message."""
    return {":".join(c["custom_id"].split(":")[:2]): c.get("label")
            for row in message.get("components") or [] for c in row["components"]}


def custom_id(message: dict[str, Any], prefix: str) -> str:
    [found] = [c["custom_id"] for row in message["components"] for c in row["components"]
               if c["custom_id"].startswith(prefix)]
    return found


async def ask(fake: FakeDiscord, user: int, question: str = QUESTION, locale: str = "es-ES") -> dict[str, Any]:
    state, _ = await run_command(fake, "ask", {"question": question}, user_id=user, locale=locale)
    assert state.original is not None
    return state.original


async def click(fake: FakeDiscord, cid: str, message_id: int | str, user: int, locale: str, *,
                sent: int = 1) -> tuple[InteractionState, list[dict[str, Any]]]:
    interaction = fake.inject_component(cid, message_id, user_id=user, locale=locale)
    state = await fake.wait_for_ack(interaction.id)

    def done() -> list[dict[str, Any]] | None:
        out = sent_for(fake, state)
        return out if len(out) >= sent and not state.original_loading else None

    payloads = await fake.wait_for(done, timeout=10.0, what=f"{cid} answered")
    assert not state.rejections, state.rejections
    for payload in payloads:
        for embed in payload.get("embeds") or []:
            assert render.embed_problems(discord.Embed.from_dict(embed)) == []
    return state, payloads


async def test_a_spanish_answer_has_spanish_buttons_and_keeps_them_after_a_vote(
    fake: FakeDiscord, bot: SummitBot, engine: Engine, user: int
) -> None:
    message = await ask(fake, user, locale="es-419")
    translate = {"sb:tr": "Ver traducción"} if engine.to_spanish is not None else {}  # only with Apertium's en→es
    assert labels(message) == {"sb:vote": None, "sb:more": "Más", "sb:ctx": "Contexto", **translate,
                               "sb:del": "Eliminar"}
    english_reader = fake.add_user("english-reader").id
    state, _ = await click(fake, "sb:vote:up", message["id"], english_reader, "en-US", sent=2)
    assert state.followups[0]["content"] == buttons.VOTED[1]  # the clicker's language
    assert labels(state.edits[0])["sb:more"] == "Más"  # the answer's buttons keep the answer's language


async def test_a_down_vote_its_modal_and_the_thanks_speak_the_clickers_language(
    fake: FakeDiscord, bot: SummitBot, user: int
) -> None:
    message = await ask(fake, user, locale="en-US")
    state, _ = await click(fake, "sb:vote:down", message["id"], user, "es-ES", sent=2)
    [thanks] = state.followups
    assert thanks["content"] == f"{ES._(buttons.VOTED[-1])} {ES._(buttons.WHY_INVITE)}"
    assert labels(thanks) == {"sb:why": "¿Qué falló?"}
    opener = fake.inject_component(custom_id(thanks, "sb:why:"), thanks["id"], user_id=user, locale="es-ES")
    opened = await fake.wait_for_ack(opener.id)
    assert opened.modal is not None and not opened.rejections
    assert opened.modal["title"] == "¿Qué falló en esta respuesta?"
    assert "¿Qué falló? (opcional)" in str(opened.modal["components"])
    submit = fake.inject_modal_submit(opener.id, ["Cita al mandatario equivocado"], locale="es-ES")
    submitted = await fake.wait_for_ack(submit.id)
    await fake.wait_for(lambda: submitted.followups or None, what="thanks for the comment")
    assert submitted.followups[0]["content"] == "Gracias, quienes administran este bot lo leerán."


async def test_more_and_its_pages_in_spanish(fake: FakeDiscord, bot: SummitBot, engine: Engine, user: int) -> None:
    message = await ask(fake, user, locale="en-US")
    ranked = engine.passages(QUESTION, buttons.PAGE_SIZE * buttons.MAX_PAGES + 1)[1:]  # after the answer's own
    reader = fake.add_user("lector").id
    state, [page] = await click(fake, custom_id(message, "sb:more:"), message["id"], reader, "es-419")
    embed = page["embeds"][0]
    assert embed["footer"]["text"] == f"Más fragmentos, página 1 de 5\n{ES._(VERBATIM)}"
    assert [shown_text(quote_of(f["value"])) for f in embed["fields"]] == [
        c.passage.text for c in ranked[:3]]  # verbatim English
    assert all(citation_of(f["value"]).startswith("— \\[") and "párrafo" in citation_of(f["value"])
               for f in embed["fields"])
    assert [c["label"] for c in page["components"][0]["components"]] == ["Anterior", "Siguiente"]
    forward = page["components"][0]["components"][1]["custom_id"]
    state, [turned] = await click(fake, forward, state.followups[0]["id"], reader, "es-419")
    assert turned["embeds"][0]["footer"]["text"].startswith("Más fragmentos, página 2 de 5")


async def test_context_in_spanish(fake: FakeDiscord, bot: SummitBot, user: int) -> None:
    message = await ask(fake, user)
    _, [context] = await click(fake, custom_id(message, "sb:ctx:"), message["id"], fake.add_user("ctx").id, "es-ES")
    embed = context["embeds"][0]
    assert embed["title"] == "Contexto del fragmento citado"
    assert [f["name"] for f in embed["fields"]] == ["antes", "citado", "después"]
    assert "6 de febrero de 2025" in embed["footer"]["text"] and ES._(VERBATIM) in embed["footer"]["text"]


async def test_a_spanish_refusal_offers_the_closest_passages_in_spanish(
    fake: FakeDiscord, bot: SummitBot, user: int
) -> None:
    message = await ask(fake, user, REFUSED, locale="es-ES")
    assert labels(message)["sb:near"] == "Ver los fragmentos más cercanos"
    _, [closest] = await click(fake, custom_id(message, "sb:near:"), message["id"], fake.add_user("near").id, "es-ES")
    assert closest["embeds"][0]["author"]["name"] == "Los fragmentos más cercanos (no responden a la pregunta)"


async def test_a_refused_delete_is_explained_in_the_clickers_language(
    fake: FakeDiscord, bot: SummitBot, user: int
) -> None:
    message = await ask(fake, user, locale="en-US")
    state, _ = await click(fake, f"sb:del:{user}", message["id"], fake.add_user("extraño").id, "es-419")
    assert state.callback["data"]["content"] == ES._(buttons.NOT_YOURS)
    assert "Gestionar mensajes" in state.callback["data"]["content"]


async def test_a_spanish_mention_gets_spanish_buttons(fake: FakeDiscord, bot: SummitBot, user: int) -> None:
    _, payload = await ask_by_message(fake, f"<@{BOT_USER_ID}> ¿Qué propuso Maduro para la región?", author_id=user)
    assert labels(payload)["sb:more"] == "Más" and labels(payload)["sb:del"] == "Eliminar"


async def test_an_english_answer_offers_no_translation(fake: FakeDiscord, bot: SummitBot, user: int) -> None:
    message = await ask(fake, user, locale="en-US")
    assert "sb:tr" not in labels(message)


async def test_see_translation_shows_the_quotes_verbatim_with_a_labelled_spanish_translation(
    fake: FakeDiscord, bot: SummitBot, engine: Engine, user: int
) -> None:
    if engine.to_spanish is None:
        pytest.skip("Apertium's en→es pair is not installed (Debian's apertium-en-es): no translation to show")
    message = await ask(fake, user, locale="es-ES")
    answer = engine.ask(QUESTION)
    shown = render.shown_citations(answer)
    cid = custom_id(message, "sb:tr:")
    assert cid == "sb:tr:" + ",".join(passage_ref(c.passage) for c in shown)
    state, [translated] = await click(fake, cid, message["id"], fake.add_user("lectora").id, "es-419")
    assert state.ephemeral  # for the clicker only
    embed = translated["embeds"][0]
    assert embed["title"] == "Traducción automática"
    assert "Apertium" in embed["footer"]["text"] and "cita en inglés" in embed["footer"]["text"]
    for field, citation in zip(embed["fields"], shown, strict=True):
        quote, _, gist = field["value"].partition("\nTraducción automática: ")
        assert shown_text(quote_of(quote)) == citation.passage.text  # the verbatim English stays the citation
        assert gist.startswith("*") and gist.strip("*") and gist.strip("*") != citation.passage.text
        assert "**" not in field["value"]  # no bold: the translation is not the answer
