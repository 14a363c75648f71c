"""The buttons under an answer: 👍 / 👎, More, Context, Delete, and "Show the closest passages" on a refusal.

Each button is a discord.py `DynamicItem`: everything it needs lives in its `custom_id` (the asker's
id, a page, a `passage_ref` of the first passage shown) or in the answer message itself (the question
and what was searched, read back from the embed), and votes live in the question store. So the
buttons keep working after a restart, and stop politely (a private message, never "interaction
failed") when the answer is older than the retention period or a reindex removed its passages.

The custom_id grammar is `custom_ids.TEMPLATES`: each button's template, and what it writes (`encode`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
import math
import re
import unicodedata
from typing import TYPE_CHECKING, Any, ClassVar, cast

import discord
from discord import ui

from bot.answering.answer import Answer, Citation
from bot.answering.framing import ENGLISH
from bot.answering.question import QuestionError
from bot.corpus.catalog import passage_ref
from bot.i18n import N_, Texts
from bot.store import StoreError, VoteCounts

from . import render
from .custom_ids import MAX_TRANSLATED, TEMPLATES, decode, encode, fields
from .localization import interaction_texts
from .replies import error_text, restarting_text, slow_down
from .respond import NO_MENTIONS, interaction_data, send_private
from .work import ShuttingDown

if TYPE_CHECKING:  # client.py imports this module: the type only
    from .client import SummitBot

log = logging.getLogger(__name__)

# -- what the buttons say (one place; English here, other languages in bot/locales) ------------
# Labels follow the language of the answer they sit under; what a click answers (privately, a modal,
# a page) follows the language of whoever clicks (`interaction.locale`).

UP, DOWN = "👍", "👎"
MORE = N_("More")
BACK = N_("Back")
NEXT = N_("Next")
CONTEXT = N_("Context")
DELETE = N_("Delete")
CLOSEST = N_("Show the closest passages")
TRANSLATE = N_("See translation")
NO_TRANSLATION = N_("The automatic translation is not available right now; please try again in a while.")
WHY = N_("What was wrong?")
WHY_TITLE = N_("What was wrong with this answer?")
WHY_LABEL = N_("What was wrong? (optional)")
WHY_PLACEHOLDER = N_("e.g. it quotes the wrong leader; the article does say it, in another paragraph…")

EXPIRED = N_("This answer is older than {days} days, so its buttons no longer work. "
             "Ask the question again for a fresh answer.")
GONE = N_("The summit coverage has changed since this answer was given, and the passages it quoted are no "
          "longer in it. Ask the question again for a fresh answer.")
VOTED = {1: N_("Thanks, your 👍 is counted."), -1: N_("Thanks, your 👎 is counted.")}
VOTE_CHANGED = {1: N_("Your vote is now 👍."), -1: N_("Your vote is now 👎.")}
VOTE_SAME = N_("You already voted {emoji} on this answer; press the other button to change your vote.")
WHY_INVITE = N_("If you like, tell us what was wrong: it helps whoever runs this bot improve it.")
VOTE_UNSAVED = N_("Thanks! I could not save your vote just now; please try again in a while.")
WHY_THANKS = N_("Thanks, whoever runs this bot will read it.")
WHY_UNSAVED = N_("Thanks! I could not save that just now; please try again in a while.")
NOT_YOURS = N_("Only the person who asked, or a member with Manage Messages, can delete this answer.")
NO_MORE = N_("There are no more passages for this question.")
UNREADABLE = N_("I can no longer read this answer's question (its embed was removed). Ask the question again "
                "for a fresh answer.")

PAGE_SIZE = render.MAX_PASSAGES
MAX_PAGES = 5  # More goes as far as the 16th passage
STORE_WAIT = 2.0  # seconds a vote may wait for the store before it is acknowledged anyway

NO_VOTES = VoteCounts(0, 0)


def _bot(interaction: discord.Interaction[Any]) -> SummitBot:
    return cast("SummitBot", interaction.client)  # registered on a SummitBot only (`SummitBot.setup_hook`)


async def _private(interaction: discord.Interaction[Any], content: str, **kwargs: Any) -> None:
    """`content` (already in the clicker's language) for the clicker only."""
    if interaction.response.is_done():
        await interaction.followup.send(content, ephemeral=True, allowed_mentions=NO_MENTIONS, **kwargs)
    else:
        await interaction.response.send_message(content, ephemeral=True, allowed_mentions=NO_MENTIONS, **kwargs)


def _expired(interaction: discord.Interaction[Any]) -> str | None:
    """The polite refusal for a button on an answer older than the retention period, else None."""
    days = _bot(interaction).settings.retention_days
    message = interaction.message
    if message is not None and discord.utils.utcnow() - message.created_at > dt.timedelta(days=days):
        return interaction_texts(interaction)._(EXPIRED, days=days)
    return None


async def _usable(interaction: discord.Interaction[Any], ref: str | None = None) -> bool:
    """False (after telling the clicker privately) when the answer is too old or its passages are gone."""
    problem = _expired(interaction)
    # off the event loop: the first lookup indexes every passage of the corpus
    if problem is None and ref is not None and not await asyncio.to_thread(_bot(interaction).engine.has_ref, ref):
        problem = interaction_texts(interaction)._(GONE)
    if problem is None:
        return True
    await _private(interaction, problem)
    return False


def _question(interaction: discord.Interaction[Any]) -> tuple[str, str]:
    message = interaction.message
    if message is None or not message.embeds:
        return "", ""
    return render.asked_in(message.embeds[0])


async def _readable_question(interaction: discord.Interaction[Any]) -> tuple[str, str] | None:
    """The clicked answer's question and what was searched; None (after telling the clicker privately, before
    anything is deferred) when the answer's embed was removed and there is nothing left to search for."""
    title, searched = _question(interaction)
    if searched.strip():
        return title, searched
    await _private(interaction, interaction_texts(interaction)._(UNREADABLE))
    return None


# -- what every button shares ---------------------------------------------------------------------


class Guarded:
    """The base of every button here (mixed in before `ui.DynamicItem`): the one error handler for clicks.

    `callback` runs the button's `act` as tracked work (refused politely while the bot is stopping), charges
    a click that searches (`searches`) to the clicker's question budget like a question, and turns any
    failure into a private, polite reply and a log line, so that no click is left on "thinking…".
    """

    searches: ClassVar[bool] = False

    @classmethod
    def from_match(cls, match: re.Match[str]) -> Any:
        """The button a custom_id names: its template's fields are the constructor's arguments, by name."""
        return cls(**fields(match))

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any], item: ui.Item[Any],
                             match: re.Match[str], /) -> Any:
        return cls.from_match(match)

    async def act(self, interaction: discord.Interaction[Any]) -> None:
        raise NotImplementedError

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        bot = _bot(interaction)
        t = interaction_texts(interaction)
        try:
            async with bot.work.track(interaction):
                retry_after = bot.limiter.hit(interaction.user.id) if self.searches else None
                if retry_after is not None:
                    await send_private(interaction, slow_down(retry_after, t))
                    return
                await self.act(interaction)
        except ShuttingDown:
            await send_private(interaction, restarting_text(t))
        except QuestionError as exc:
            log.info("click %s refused: %s", interaction.id, exc)
            await send_private(interaction, exc.message(t))
        except Exception:
            custom_id = interaction_data(interaction).get("custom_id", "?")
            log.exception("click on %s failed (interaction %s)", custom_id, interaction.id)
            await send_private(interaction, error_text(t))


# -- votes ---------------------------------------------------------------------------------------


class VoteButton(Guarded, ui.DynamicItem[ui.Button[Any]], template=TEMPLATES["vote"]):
    def __init__(self, value: str, count: int = 0) -> None:
        self.value = 1 if value == "up" else -1
        super().__init__(ui.Button(style=discord.ButtonStyle.secondary, emoji=UP if self.value == 1 else DOWN,
                                   label=str(count) if count else None, custom_id=encode("vote", value=value)))


    async def act(self, interaction: discord.Interaction[Any]) -> None:
        if not await _usable(interaction) or interaction.message is None:
            return
        bot = _bot(interaction)
        t = interaction_texts(interaction)
        await interaction.response.defer()  # acknowledged at once, whatever the store does
        message = interaction.message
        future = bot.store.vote(message.id, bot.store.user_key(interaction.user.id), self.value)
        try:
            result = await asyncio.wait_for(asyncio.wrap_future(future), STORE_WAIT)
        except (StoreError, TimeoutError):
            await _private(interaction, t._(VOTE_UNSAVED))
            return
        if result.changed:
            bot.metrics.votes.labels("up" if self.value == 1 else "down").inc()
            await interaction.edit_original_response(view=with_counts(message, result.counts))
        if result.previous is None:
            text = t._(VOTED[self.value])
        elif result.changed:
            text = t._(VOTE_CHANGED[self.value])
        else:
            text = t._(VOTE_SAME, emoji=UP if self.value == 1 else DOWN)
        view = ui.View(timeout=None)
        if self.value == -1:
            text += " " + t._(WHY_INVITE)
            view.add_item(WhyButton(message.id, t))
        await _private(interaction, text, view=view)


class WhyButton(Guarded, ui.DynamicItem[ui.Button[Any]], template=TEMPLATES["why"]):
    def __init__(self, message: int, t: Texts = ENGLISH) -> None:
        self.message_id = message
        super().__init__(ui.Button(style=discord.ButtonStyle.secondary, label=t._(WHY),
                                   custom_id=encode("why", message=message)))


    async def act(self, interaction: discord.Interaction[Any]) -> None:
        modal = WhyModal(self.message_id, interaction_texts(interaction))
        modal.stop()  # not kept in memory: its submission is handled by `submit_why`, also after a restart
        await interaction.response.send_modal(modal)


def _text_inputs(components: list[dict[str, Any]]) -> list[str]:
    """The values of a modal submission's text inputs, in order (in action rows or labels)."""
    values: list[str] = []
    for row in components:
        inner = row.get("components") or ([row["component"]] if "component" in row else [])
        values += [str(c.get("value") or "") for c in inner if c.get("type") == 4]
    return values


async def submit_why(interaction: discord.Interaction[Any]) -> bool:
    """Handle a "what was wrong?" submission (True), or leave the interaction alone (False)."""
    data = interaction_data(interaction)
    decoded = decode(str(data.get("custom_id") or ""))
    if interaction.type is not discord.InteractionType.modal_submit or decoded is None or decoded[0] != "whym":
        return False
    t = interaction_texts(interaction)
    typed = " ".join(_text_inputs(list(data.get("components") or [])))
    # one line, no control characters (escape sequences, NUL): a comment is read in terminals and reports
    comment = " ".join("".join(ch for ch in typed if unicodedata.category(ch) != "Cc" or ch.isspace()).split())
    if not comment:
        await _private(interaction, t._(WHY_THANKS))
        return True
    bot = _bot(interaction)
    await interaction.response.defer(ephemeral=True, thinking=True)
    future = bot.store.comment(int(decoded[1]["message"]), bot.store.user_key(interaction.user.id), comment[:1000])
    try:
        await asyncio.wait_for(asyncio.wrap_future(future), STORE_WAIT)
    except (StoreError, TimeoutError):
        await _private(interaction, t._(WHY_UNSAVED))
        return True
    await _private(interaction, t._(WHY_THANKS))
    return True


class WhyModal(ui.Modal, title=WHY_TITLE):
    """The optional "what was wrong?" after a 👎, in the clicker's language (only its form: `submit_why`
    handles what is sent, so that a form opened before a restart is still taken after it)."""

    def __init__(self, message_id: int, t: Texts = ENGLISH) -> None:
        super().__init__(title=t._(WHY_TITLE), custom_id=encode("whym", message=message_id), timeout=None)
        self.message_id = message_id
        self.text: ui.TextInput[WhyModal] = ui.TextInput(
            style=discord.TextStyle.paragraph, placeholder=t._(WHY_PLACEHOLDER), required=False, max_length=1000)
        self.add_item(ui.Label(text=t._(WHY_LABEL), component=self.text))


# -- more passages -------------------------------------------------------------------------------


class MoreButton(Guarded, ui.DynamicItem[ui.Button[Any]], template=TEMPLATES["more"]):
    searches = True

    def __init__(self, asker: int, ref: str, t: Texts = ENGLISH) -> None:
        self.asker, self.ref = asker, ref
        super().__init__(ui.Button(style=discord.ButtonStyle.secondary, label=t._(MORE),
                                   custom_id=encode("more", asker=asker, ref=ref)))


    async def act(self, interaction: discord.Interaction[Any]) -> None:
        await show_page(interaction, self.asker, 1, self.ref, on_page=False)


class PageButton(Guarded, ui.DynamicItem[ui.Button[Any]], template=TEMPLATES["page"]):
    searches = True

    def __init__(self, asker: int, page: int, ref: str, label: str = NEXT, *, disabled: bool = False) -> None:
        """`label` is already in the reader's language (Back or Next)."""
        self.asker, self.page, self.ref = asker, page, ref
        super().__init__(ui.Button(style=discord.ButtonStyle.secondary, label=label, disabled=disabled,
                                   custom_id=encode("page", asker=asker, page=page, ref=ref)))


    async def act(self, interaction: discord.Interaction[Any]) -> None:
        await show_page(interaction, self.asker, self.page, self.ref, on_page=True)


def page_view(asker: int, page: int, pages: int, ref: str, t: Texts = ENGLISH) -> ui.View:
    view = ui.View(timeout=None)
    # Back and Next always carry different pages, so their custom_ids never collide.
    view.add_item(PageButton(asker, max(1, page - 1), ref, t._(BACK), disabled=page <= 1))
    view.add_item(PageButton(asker, min(pages, page + 1) if page < pages else page + 1, ref, t._(NEXT),
                             disabled=page >= pages))
    return view


async def show_page(interaction: discord.Interaction[Any], asker: int, page: int, ref: str, *, on_page: bool) -> None:
    """A page of passages for the question of the clicked message: for the asker in the open (turning the
    page in place) when the answer was public, privately for anyone else or when the answer was private."""
    if not await _usable(interaction, ref):
        return
    bot = _bot(interaction)
    t = interaction_texts(interaction)
    message = interaction.message
    mine = interaction.user.id == asker
    # Private for anyone but the asker, and for the asker too when the answer itself was private.
    private = not mine or message is None or message.flags.ephemeral
    in_place = on_page and message is not None and (mine or message.flags.ephemeral)
    asked = await _readable_question(interaction)
    if asked is None:
        return
    title, searched = asked
    if in_place:
        await interaction.response.defer()
    else:
        await interaction.response.defer(ephemeral=private, thinking=True)
    # The pages hold the passages after the answer's own, in full (the answer lists close ones in short).
    citations = (await bot.passages(searched, PAGE_SIZE * MAX_PAGES + 1))[1:]
    pages = max(1, math.ceil(len(citations) / PAGE_SIZE))
    if not citations or page > pages:
        await _private(interaction, t._(NO_MORE))
        return
    shown = citations[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
    embed = render.page_embed(title, searched, shown, page, pages, t)
    view = page_view(asker, page, pages, ref, t)
    if in_place:
        await interaction.edit_original_response(embed=embed, view=view)
    else:
        await interaction.followup.send(embed=embed, view=view, ephemeral=private, allowed_mentions=NO_MENTIONS)


# -- context, closest, delete --------------------------------------------------------------------


class ContextButton(Guarded, ui.DynamicItem[ui.Button[Any]], template=TEMPLATES["ctx"]):
    def __init__(self, ref: str, t: Texts = ENGLISH, rank: int = 1) -> None:
        """`rank`: the cited passage's number in the answer, kept in the context shown."""
        self.ref, self.rank = ref, rank
        super().__init__(ui.Button(style=discord.ButtonStyle.secondary, label=t._(CONTEXT),
                                   custom_id=encode("ctx", ref=ref, rank=rank)))


    async def act(self, interaction: discord.Interaction[Any]) -> None:
        if not await _usable(interaction, self.ref):
            return
        t = interaction_texts(interaction)
        citations = await asyncio.to_thread(_bot(interaction).engine.context, self.ref)  # scans the article
        if citations is None:  # removed by a reindex between the check and now
            await _private(interaction, t._(GONE))
            return
        cited = _bot(interaction).engine.catalog.by_ref(self.ref)
        cited_id = cited.id if cited else ""
        embed = render.context_embed(numbered(citations, cited_id, self.rank), cited_id, t)
        await interaction.response.send_message(embed=embed, ephemeral=True, allowed_mentions=NO_MENTIONS)


def numbered(citations: tuple[Citation, ...], cited_id: str, rank: int) -> tuple[Citation, ...]:
    """The context's passages, the cited one numbered as in the answer, its neighbours unnumbered (rank 0)."""
    return tuple(dataclasses.replace(c, rank=rank if c.passage.id == cited_id else 0) for c in citations)


class ClosestButton(Guarded, ui.DynamicItem[ui.Button[Any]], template=TEMPLATES["near"]):
    searches = True

    def __init__(self, ref: str, t: Texts = ENGLISH) -> None:
        self.ref = ref
        super().__init__(ui.Button(style=discord.ButtonStyle.secondary, label=t._(CLOSEST),
                                   custom_id=encode("near", ref=ref)))


    async def act(self, interaction: discord.Interaction[Any]) -> None:
        if not await _usable(interaction, self.ref):
            return
        asked = await _readable_question(interaction)
        if asked is None:
            return
        title, searched = asked
        await interaction.response.defer(ephemeral=True, thinking=True)
        citations = await _bot(interaction).passages(searched, PAGE_SIZE)
        embed = render.closest_embed(title, citations, interaction_texts(interaction))
        await interaction.followup.send(embed=embed, ephemeral=True,
                                        allowed_mentions=NO_MENTIONS)


class TranslateButton(Guarded, ui.DynamicItem[ui.Button[Any]],
                      template=TEMPLATES["tr"]):
    """A Spanish machine translation (Apertium) of the answer's passages, for the clicker only, under the
    verbatim English quotes (which stay the citation)."""

    def __init__(self, refs: tuple[str, ...], t: Texts = ENGLISH) -> None:
        self.refs = refs[:MAX_TRANSLATED]
        super().__init__(ui.Button(style=discord.ButtonStyle.secondary, label=t._(TRANSLATE), emoji="🌐",
                                   custom_id=encode("tr", refs=",".join(self.refs))))


    async def act(self, interaction: discord.Interaction[Any]) -> None:
        if not await _usable(interaction, self.refs[0]):
            return
        t = interaction_texts(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        translated = await asyncio.to_thread(_bot(interaction).engine.translations, self.refs)
        if not translated:
            await _private(interaction, t._(NO_TRANSLATION))
            return
        await interaction.followup.send(embed=render.translation_embed(translated, t), ephemeral=True,
                                        allowed_mentions=NO_MENTIONS)


class DeleteButton(Guarded, ui.DynamicItem[ui.Button[Any]], template=TEMPLATES["del"]):
    def __init__(self, asker: int, t: Texts = ENGLISH) -> None:
        self.asker = asker
        super().__init__(ui.Button(style=discord.ButtonStyle.danger, label=t._(DELETE),
                                   custom_id=encode("del", asker=asker)))


    async def act(self, interaction: discord.Interaction[Any]) -> None:
        if interaction.user.id != self.asker and not interaction.permissions.manage_messages:
            await _private(interaction, interaction_texts(interaction)._(NOT_YOURS))
            return
        await interaction.response.defer()
        await interaction.delete_original_response()
        log.info("answer %s deleted by %s", interaction.message.id if interaction.message else "?",
                 "the asker" if interaction.user.id == self.asker else "a moderator")


DYNAMIC_ITEMS: tuple[type[ui.DynamicItem[Any]], ...] = (
    VoteButton, WhyButton, MoreButton, PageButton, ContextButton, ClosestButton, TranslateButton, DeleteButton,
)


# -- the view under an answer --------------------------------------------------------------------


def answer_view(answer: Answer, asker: int, *, votes: bool, deletable: bool, counts: VoteCounts = NO_VOTES,
                t: Texts = ENGLISH, translatable: bool = False) -> ui.View | None:
    """The buttons for an answer (None when there is nothing to offer), labelled in the answer's language.

    `translatable`: offer "See translation" (the asker reads Spanish and the en→es translation is installed).
    """
    view = ui.View(timeout=None)
    first: Citation | None = answer.citations[0] if answer.citations else None
    if votes and first is not None and answer.answered:  # a refusal has nothing to vote on
        view.add_item(VoteButton("up", counts.up))
        view.add_item(VoteButton("down", counts.down))
    if first is not None:
        ref = passage_ref(first.passage)
        if answer.overview == "participants":
            pass  # the list is the answer: each leader's passages are behind `/leader`, as the reply says
        elif answer.answered:
            view.add_item(MoreButton(asker, ref, t))
            view.add_item(ContextButton(ref, t))
            if translatable and t.lang == "es":
                shown = render.shown_citations(answer)
                view.add_item(TranslateButton(tuple(passage_ref(c.passage) for c in shown), t))
        else:
            view.add_item(ClosestButton(ref, t))
    if deletable:
        view.add_item(DeleteButton(asker, t))
    return view if view.children else None


def with_counts(message: discord.Message, counts: VoteCounts) -> ui.View:
    """The message's own buttons again (labels as they were, so in the answer's language), the vote buttons
    showing `counts`."""
    view = ui.View(timeout=None)
    for row in message.components:
        for component in getattr(row, "children", []):
            custom_id = getattr(component, "custom_id", None) or ""
            decoded = decode(custom_id)
            if decoded is not None and decoded[0] == "vote":
                value = decoded[1]["value"]
                view.add_item(VoteButton(value, counts.up if value == "up" else counts.down))
                continue
            for item_class in DYNAMIC_ITEMS:
                match = item_class.__discord_ui_compiled_template__.fullmatch(custom_id)
                if match:
                    item = item_class.from_match(match)  # type: ignore[attr-defined]  # each is a Guarded
                    label = getattr(component, "label", None)
                    if label:
                        item.item.label = label
                    view.add_item(item)
                    break
    return view
