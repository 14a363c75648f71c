"""The reader: the shipped model matches its manifest, refuses to run damaged, reads what the bot shows it,
and decides between a passage that answers and one that only shares the question's words."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from bot.answering.engine import Engine
from bot.corpus.passages import Passage
from bot.retrieval.reader import MODEL_FILE, READER_DIR, Reader, ReaderError, reader_text, reader_texts, verify


def paragraph(number: int, text: str, section: str | None = "A heading") -> Passage:
    return Passage(id=f"a#p{number}", article="a", text=text, section=section, paragraph=number)


def test_the_shipped_reader_matches_its_manifest() -> None:
    manifest = verify(READER_DIR)
    assert set(manifest["files"]) >= {"model.onnx", "tokenizer.json"}  # type: ignore[call-overload]
    assert (READER_DIR / "MODEL_CARD.md").is_file()


def test_a_damaged_reader_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    damaged = tmp_path / "reader"
    shutil.copytree(READER_DIR, damaged)
    data = bytearray((damaged / MODEL_FILE).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (damaged / MODEL_FILE).write_bytes(bytes(data))
    with pytest.raises(ReaderError, match="does not match its manifest"):
        Reader(damaged)
    (damaged / MODEL_FILE).unlink()
    with pytest.raises(ReaderError, match="missing"):
        Reader(damaged)


def test_the_reader_reads_the_heading_and_the_paragraph_a_passage_leans_on() -> None:
    before = paragraph(1, "The ministers agreed to set up a fund for the victims.")
    leaning = paragraph(2, "This effort will be funded by a joint investment of USD 10 million.")
    standalone = paragraph(3, "The meeting closed on Friday.", section=None)
    assert reader_text(leaning, before) == f"A heading\n{before.text} {leaning.text}"
    assert reader_text(standalone, leaning) == standalone.text


def test_the_reader_tells_the_answering_passage_from_one_that_only_shares_words(engine: Engine) -> None:
    reader = engine.reader
    assert reader is not None
    answers = ("In addition, Maduro proposed the activation of an ALBA-TCP air and sea fleet to safeguard the "
               "countries and the food supply of the entire region.")
    mentions = ("Cuban President Miguel Díaz-Canel called on ALBA members to strengthen unity and respond as a "
                "single bloc to the challenges posed by the future under the Trump administration.")
    p = reader.probabilities("What did Maduro propose for the region's food supply?", [answers, mentions])
    assert p[0] >= 0.5 > p[1]


def test_the_query_path_runs_the_reader_without_torch(engine: Engine) -> None:
    import subprocess

    code = ("import sys; from bot.retrieval.reader import Reader; r = Reader(); "
            "r.probabilities('who wrote it?', ['Title: x\\nAuthor: y']); "
            "print('torch' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert result.stdout.strip() == "False"


def test_the_reader_reads_a_question_about_what_a_speaker_never_said_lower(engine: Engine) -> None:
    """The near-miss likeness cannot see: the same speaker's paragraph, asked about what it says and about
    what it never mentions."""
    reader = engine.reader
    assert reader is not None
    [speaker] = engine.catalog.find_speakers("Pierre")
    texts = dict(zip((p.id for p in engine.index.passages), reader_texts(engine.index.passages), strict=True))
    passage = texts[speaker.passage_ids[0]]
    said, never = reader.probabilities("what did pierre say about unity",
                                       [passage])[0], reader.probabilities(
        "What did Philip Pierre say about the deportations?", [passage])[0]
    assert said > 2 * never


def test_the_first_passage_is_read_and_its_reading_reaches_the_decision(engine: Engine) -> None:
    found = engine.retriever.retrieve("What did Maduro propose for the region's food supply?", 5)
    assert found.hits[0].passage.id.endswith("#p9")
    assert found.signals.reader_top >= 0.5 and found.signals.reader_margin > 0
    assert engine.decision.features[:2] == ("reader_logit", "reader_margin")
