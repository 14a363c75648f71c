"""The answer message's footer as a codec: what an answer was asked and searched for is read back from the
embed as it was written, in every language, whatever the question holds (markdown, mentions, a follow-up)."""

from __future__ import annotations

import discord
from hypothesis import given
from hypothesis import strategies as st

from bot.answering.answer import Answer
from bot.discord_app import render
from bot.i18n import LANGUAGES, texts

words = st.text(alphabet=st.sampled_from(list("abcdeñáé ¿?*_~|>#-[]()`@\\:1")), min_size=1, max_size=60).map(
    lambda s: " ".join(s.split())).filter(bool)


@given(question=words, earlier=st.none() | words, repaired=st.none() | words, lang=st.sampled_from(LANGUAGES))
def test_what_was_asked_and_searched_is_read_back_from_the_footer(question: str, earlier: str | None,
                                                                   repaired: str | None, lang: str) -> None:
    # searched: the question itself, its typo repair, or the question read with the one it follows up
    searched = f"{question} {earlier}" if earlier else repaired
    answer = Answer(question, "none", (), searched_for=searched if searched != question else None)
    embed = render.not_covered_embed(answer, texts(lang))
    again = discord.Embed.from_dict(embed.to_dict())  # as Discord hands the message back
    assert render.asked_in(again) == (question, searched or question)
