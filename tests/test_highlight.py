"""Highlights mark the part of a passage that answers: a name, a sum, a date, a bank, not the whole passage."""

from __future__ import annotations

import numpy as np
import pytest

from bot.answering.engine import Engine
from bot.corpus.passages import sentence_spans
from bot.retrieval.highlight import Highlighter, kind_phrases, noun_phrases, question_focus
from tests.conftest import SLUG


def _marked(text: str, spans: tuple[tuple[int, int], ...]) -> str:
    return " … ".join(text[start:end] for start, end in spans)


@pytest.mark.parametrize(("question", "passage", "phrase"), [
    ("Who wrote the article?", "meta", "Pablo Meriguet"),
    ("When did the extraordinary summit take place?", "p1", "February 3"),
    ("How much money will fund the reintegration of deported migrants?", "p6", "USD 10 million"),
    ("Which bank is financing the resettlement scheme?", "p6", "ALBA-TCP Bank"),
    ("How many migrants does Trump want to send to Guantanamo?", "p12", "30,000 migrants"),
    ("What kind of fleet did Maduro propose?", "p9", "air and sea fleet"),
    ("When was Cuba put back on the terrorism list?", "p11", "a few hours after Trump took office"),
    ("Which outlet published the story?", "meta", "Peoples Dispatch"),
])
def test_the_highlight_is_the_answering_phrase_inside_one_sentence(
    engine: Engine, question: str, passage: str, phrase: str
) -> None:
    top = engine.ask(question).citations[0]
    assert top.passage.id == f"{SLUG}#{passage}"
    text = top.passage.text
    marked = _marked(text, top.highlights)
    assert phrase in marked, marked
    start = top.highlights[0][0]
    sentence = next((s, e) for s, e in sentence_spans(text) if s <= start < e)
    assert top.highlights[-1][1] <= sentence[1], "the highlight stays within one sentence"
    assert sum(e - s for s, e in top.highlights) < len(text[sentence[0]:sentence[1]].strip()), (
        f"a strict part of the sentence, not all of it: {marked!r}"
    )


def test_a_one_sentence_passage_is_not_bold_from_end_to_end_for_a_which_question(engine: Engine) -> None:
    top = engine.ask("Which bank is financing the resettlement scheme?").citations[0]
    assert len(sentence_spans(top.passage.text)) == 1
    assert _marked(top.passage.text, top.highlights) == "the ALBA-TCP Bank"


def test_what_a_leader_said_is_marked_not_who_said_it(engine: Engine) -> None:
    top = engine.ask("What did Maduro propose for the region's food supply?").citations[0]
    assert top.passage.id == f"{SLUG}#p9"
    assert _marked(top.passage.text, top.highlights).startswith("the activation of an ALBA-TCP air and sea fleet")


def test_who_marks_the_speaker_with_his_title(engine: Engine) -> None:
    top = engine.ask("Who proposed an air and sea fleet for the region?").citations[0]
    assert top.passage.id == f"{SLUG}#p9"
    assert _marked(top.passage.text, top.highlights) == "Maduro"
    top = engine.ask("Which leader insisted on coordination to demand respect for migrants?").citations[0]
    assert top.passage.id == f"{SLUG}#p8"
    assert _marked(top.passage.text, top.highlights) == "Venezuelan President Nicolás Maduro"


def test_highlights_stay_inside_the_verbatim_text_for_every_dev_style_question(engine: Engine) -> None:
    for question in ("what did dominica's leader want beyond money stuff", "how does the article end",
                     "¿Cuándo fue la cumbre?", "who penned this", "which countries met"):
        for citation in engine.ask(question, top_k=5).citations:
            assert citation.highlights
            for start, end in citation.highlights:
                assert 0 <= start < end <= len(citation.passage.text)


# -- the mechanism, on plain text ----------------------------------------------------------------


def test_the_focus_is_what_the_wh_phrase_asks_for() -> None:
    assert question_focus("Which news outlet published the story?").nouns == ("outlet",)
    assert question_focus("which bank is paying for it").nouns == ("bank",)
    assert question_focus("what kind of fleet did he want").nouns == ("fleet",)
    assert question_focus("Which leader reminded everyone of the settlers?").person  # not "reminded"
    assert question_focus("¿Quién escribió el artículo?").person
    assert question_focus("How much money will it cost?").kinds == ("money",)
    assert question_focus("what year was it founded").kinds == ("year",)  # "year" names a kind, not a thing
    assert not question_focus("What did Maduro propose?")


def test_phrases_of_each_kind_are_whole() -> None:
    text = "On Monday, February 3, 2025 they pledged USD 10 million for more than 30,000 migrants in two weeks."
    assert [text[s:e] for s, e in kind_phrases(text, "time")] == ["Monday, February 3, 2025"]
    assert [text[s:e] for s, e in kind_phrases(text, "money")] == ["USD 10 million"]
    assert [text[s:e] for s, e in kind_phrases(text, "count")] == [
        "10 million", "more than 30,000 migrants", "two weeks"
    ]
    text = "the Community of Latin American and Caribbean States (CELAC) and member countries"
    assert [text[s:e] for s, e in noun_phrases(text, "community")] == [
        "the Community of Latin American and Caribbean States (CELAC)"
    ]


def test_a_phrase_that_only_repeats_the_question_is_not_an_answer() -> None:
    text = "The regional group met. Member countries agreed on a plan."
    sentences = sentence_spans(text)
    spans = Highlighter().spans(text, sentences, np.array([0.2, 0.6]), question_focus("which regional group met"))
    assert spans == (sentences[1],), "no 'the regional group' for 'which regional group': the best sentence instead"


def test_without_a_focus_the_sentences_within_the_margin_are_marked() -> None:
    text = "First point here. Second point here. Third point here."
    sentences = sentence_spans(text)
    spans = Highlighter(margin=0.05).spans(text, sentences, np.array([0.50, 0.53, 0.20]), question_focus("and so?"))
    assert spans == (sentences[0], sentences[1])


@pytest.mark.parametrize("question", ["What does the photo show?", "¿Qué muestra la foto?", "who took the picture?"])
def test_a_question_about_the_photo_is_answered_by_the_caption_marked_in_the_details(engine: Engine,
                                                                                     question: str) -> None:
    answer = engine.ask(question)
    first = answer.citations[0]
    caption = engine.catalog.corpus.article(SLUG).photo_caption
    assert answer.answered and first.passage.kind == "metadata"
    assert [first.passage.text[a:b] for a, b in first.highlights] == [caption]
