"""Follow-up questions read in the previous question's context (bot/answering/followup.py), through the real engine,
and the follow-up Recall@3 on the blind pairs against the two baselines."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot.answering.engine import Engine
from bot.answering.followup import FollowUps, Turn
from bot.corpus.catalog import Catalog
from bot.settings import PROJECT_ROOT
from bot.text import fold
from bot.tools.followup_eval import load_pairs, metrics, run


@pytest.fixture(scope="module")
def followups(engine: Engine) -> FollowUps:
    return FollowUps(engine.catalog)


def speaker_passages(catalog: Catalog, name: str) -> set[str]:
    speaker = catalog.speaker(name)
    assert speaker is not None
    return set(speaker.passage_ids)


def test_and_another_country_swaps_the_person_into_the_previous_question(followups: FollowUps,
                                                                         engine: Engine) -> None:
    rewrite = followups.rewrite("and Bolivia?", Turn("what did Cuba's president say"))
    assert rewrite.how == "swap" and rewrite.query == "what did Bolivia's president say"
    answer = engine.ask("and Bolivia?", previous=Turn("what did Cuba's president say"))
    assert answer.question == "and Bolivia?" and answer.searched_for == "what did Bolivia's president say"
    assert answer.citations[0].passage.id in speaker_passages(engine.catalog, "Luis Arce")


def test_a_pronoun_is_read_as_the_person_of_the_previous_question(followups: FollowUps, engine: Engine) -> None:
    previous = engine.ask("What did Arce say about migration?")
    turn = Turn(previous.searched_for or previous.question, tuple(c.passage.id for c in previous.citations))
    rewrite = followups.rewrite("what else did he say?", turn)
    assert rewrite.how == "topic" and "Arce" in rewrite.query
    assert rewrite.exclude == turn.passage_ids[:1]  # "else": not the answer already given
    answer = engine.ask("what else did he say?", previous=turn)
    assert answer.searched_for is not None and "Arce" in answer.searched_for
    shown = [c.passage.id for c in answer.citations]
    assert turn.passage_ids[0] not in shown
    assert shown[0] in speaker_passages(engine.catalog, "Luis Arce")


def test_a_pronoun_after_an_unnamed_question_refers_to_the_person_the_answer_quoted(followups: FollowUps,
                                                                                   engine: Engine) -> None:
    arce = sorted(speaker_passages(engine.catalog, "Luis Arce"))[0]
    rewrite = followups.rewrite("did he say anything about money?", Turn("who spoke about migrants", (arce,)))
    assert rewrite.query.endswith("Luis Arce")


def test_a_follow_up_that_stands_on_its_own_is_searched_alone(followups: FollowUps) -> None:
    turn = Turn("What did Maduro propose?")
    for question in ("What did Skerrit say about reparations and the colonial past?",
                     "How many migrants were held at the Guantanamo base by the United States?"):
        assert followups.rewrite(question, turn).query == question
        assert followups.rewrite(question, turn).how == "alone"


def test_an_elliptical_follow_up_carries_the_previous_topic(followups: FollowUps) -> None:
    rewrite = followups.rewrite("how many?", Turn("what did canel say about guantanamo"))
    assert rewrite.how == "topic" and rewrite.query == "how many? what did canel say about guantanamo"
    spanish = followups.rewrite("¿y Nicaragua?", Turn("¿qué dijo el presidente de Cuba?"))
    assert spanish.how == "swap" and fold(spanish.query) == fold("¿qué dijo el presidente de Nicaragua?")


def test_the_follow_up_module_holds_no_word_of_the_corpus(engine: Engine) -> None:
    """Its code, that is: the docstrings may give examples."""
    tree = ast.parse((PROJECT_ROOT / "bot" / "answering" / "followup.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
            body[0] = ast.Pass()
    source = fold(ast.unparse(tree))  # comments dropped too
    for speaker in engine.catalog.speakers:
        for form in (*speaker.person.name_forms, speaker.person.country, *speaker.person.country_aliases):
            assert fold(form) not in source, form


def test_follow_up_recall_beats_both_baselines_on_the_blind_pairs(engine: Engine) -> None:
    pairs = load_pairs(PROJECT_ROOT / "eval" / "followups.jsonl")
    assert len(pairs) >= 30
    table = metrics(run(engine, pairs))
    context, alone, naive = table["context"], table["no context"], table["naive"]
    assert context["recall@3"] >= 0.95, table
    assert context["recall@3"] >= naive["recall@3"] and context["recall@3"] > alone["recall@3"], table
    assert context["recall@1"] > naive["recall@1"] and context["recall@1"] > alone["recall@1"], table


def test_the_follow_up_file_must_hold_pairs(tmp_path: Path) -> None:
    from bot.tools.followup_eval import FollowupFileError

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"first": "x"}\n', encoding="utf-8")
    with pytest.raises(FollowupFileError, match=r"bad\.jsonl:1"):
        load_pairs(bad)
