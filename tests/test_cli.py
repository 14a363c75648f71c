"""The terminal face, through the real entry point: answers, JSON shape, batch mode, errors."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.answering.engine import Engine
from bot.cli import SIMILARITY_NOTE, build_parser, main
from bot.settings import Settings
from tests.conftest import SLUG

MADURO = "What did Maduro propose for the region's food supply?"


@pytest.fixture
def env(settings: Settings, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Point the CLI at the session's (already built) index; `engine` guarantees it exists."""
    values = {
        "SUMMIT_BOT_INDEX_DIR": str(settings.index_dir),
        "SUMMIT_BOT_STATE_DIR": str(settings.state_dir),
        "SUMMIT_BOT_CORPUS_DIR": str(settings.corpus_dir),
        "NO_COLOR": "1",
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return {**os.environ, **values}


def _run(args: list[str], env: dict[str, str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True, env=env,
        timeout=120, cwd=Path(__file__).parent,
    )


def test_ask_json_subprocess_puts_the_fleet_paragraph_first(env: dict[str, str]) -> None:
    result = _run(["ask", "--json", MADURO], env)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)  # exactly one JSON object
    assert set(answer) == {"question", "searched_for", "answered", "confidence", "unmentioned", "leaders", "overview",
                           "results"}
    assert answer["searched_for"] is None
    assert answer["question"] == MADURO and answer["answered"] is True
    first = answer["results"][0]
    assert first["passage_id"] == f"{SLUG}#p9"
    assert "air and sea fleet" in first["text"]
    assert {"rank", "score", "passage_id", "text", "section", "paragraph", "article", "highlights"} <= set(first)
    assert first["rank"] == 1 and first["paragraph"] == 9 and isinstance(first["score"], float)
    assert set(first["article"]) == {"title", "author", "published", "outlet", "url"}
    assert first["article"]["author"] == "Pablo Meriguet" and first["article"]["published"] == "2025-02-06"
    assert "Traceback" not in result.stderr


def test_ask_readable_output(env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", MADURO]) == 0
    out = capsys.readouterr().out
    assert "[1] Maduro’s call for migrant rights and regional security — ¶9  (similarity 0." in out
    assert "air and sea fleet" in out and "Pablo Meriguet" in out


def test_the_number_beside_each_passage_is_named_and_explained(
    env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """The ranking also weighs keywords, so the similarity need not descend: the output must say what it is."""
    assert main(["ask", "-q", "What did Arce warn about?"]) == 0
    out = capsys.readouterr().out
    shown = [float(x) for x in re.findall(r"\(similarity (\d\.\d\d)\)", out)]
    assert len(shown) == 3 and "score" not in out
    assert " ".join(out.split()).endswith(" ".join(SIMILARITY_NOTE.split()))


def test_batch_mode_gives_one_record_per_input_line_blank_ones_included(env: dict[str, str]) -> None:
    result = _run(["ask", "--json", "--top-k", "2"], env, stdin=f"{MADURO}\n\nwho wrote the article?\n   \n")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["question"] for r in lines] == [MADURO, "", "who wrote the article?", ""]
    assert [len(r["results"]) for r in lines] == [2, 0, 2, 0]
    assert lines[0]["results"][0]["passage_id"] == f"{SLUG}#p9"
    assert "error" not in lines[0] and lines[1]["error"] == "line 2 is empty: give one question per line"
    assert lines[3]["error"].startswith("line 4 is empty") and lines[3]["answered"] is False
    assert set(lines[1]) == set(lines[0]) | {"error"}  # an error record has the answer's keys


def test_batch_mode_survives_an_undecodable_line_under_strict_decoding(env: dict[str, str]) -> None:
    stdin = b"What did Maduro propose?\nWho wrote \xff it?\r\nWhat did Arce warn about?"  # no final newline
    result = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--json"], input=stdin, capture_output=True, timeout=120,
        env={**env, "PYTHONIOENCODING": "utf-8:strict"}, cwd=Path(__file__).parent,
    )
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]
    assert [r["question"] for r in records] == ["What did Maduro propose?", "Who wrote \ufffd it?",
                                                "What did Arce warn about?"]
    assert records[1]["error"].startswith("line 2 is not valid UTF-8 (byte 0xff at position 11)")
    assert records[1]["results"] == [] and records[0]["answered"] and records[2]["results"]


def test_a_reader_that_closes_the_pipe_early_ends_the_command_quietly(env: dict[str, str]) -> None:
    """`summit-bot leaders | head -0`: no "BrokenPipeError", and the exit status of a SIGPIPE (141)."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before anything is written
    try:
        result = subprocess.run([sys.executable, "-m", "bot", "leaders"], stdout=write_end, stderr=subprocess.PIPE,
                                text=True, env=env, timeout=60, cwd=Path(__file__).parent)
    finally:
        os.close(write_end)
    assert (result.returncode, result.stderr) == (141, "")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ask", ""], "Please ask a question"),
        (["ask", "   \x00\u200b  "], "Please ask a question"),
        (["ask", "x" * 600], "please keep it to at most 500"),
        (["ask", "q", "--top-k", "0"], "--top-k must be between 1 and 25"),
        (["ask", "q", "--bogus"], "unrecognized arguments: --bogus"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_user_mistakes_are_one_line_and_exit_2(
    env: dict[str, str], capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert _exit_code(args) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def _exit_code(args: list[str]) -> int | str | None:
    """main's return value, or the code argparse exits with (usage errors raise SystemExit)."""
    try:
        return main(args)
    except SystemExit as exc:
        return exc.code


def test_a_500_character_question_is_accepted(env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "-q", "--json", ("Maduro " * 100)[:500]]) == 0
    assert json.loads(capsys.readouterr().out)["results"]


@pytest.mark.parametrize("args", [["-v", "sources"], ["sources", "-v"], ["sources", "--verbose"],
                                  ["-q", "leaders"], ["leaders", "-q"], ["ask", "-v", "Who spoke?"]])
def test_verbose_and_quiet_are_accepted_before_or_after_the_subcommand(args: list[str]) -> None:
    parsed = build_parser().parse_args(args)
    assert (parsed.verbose, parsed.quiet) == ("-v" in args or "--verbose" in args, "-q" in args)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DISCORD_GUILD_ID", "0", "DISCORD_GUILD_ID: '0' is not a Discord id"),
        ("ALLOWED_CHANNEL_IDS", ",,,", "ALLOWED_CHANNEL_IDS has an empty item in ',,,'"),
        ("ALLOWED_CHANNEL_IDS", "-1", "ALLOWED_CHANNEL_IDS: '-1' is not a Discord id"),
    ],
)
def test_bad_discord_ids_stop_every_command_with_one_settings_line(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    name: str, value: str, message: str,
) -> None:
    monkeypatch.setenv(name, value)
    assert main(["sources"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"summit-bot: invalid settings: {message}") and err.count("\n") == 1
    assert "Value error" not in err


def test_index_exits_1_when_the_index_cannot_be_saved(
    env: dict[str, str], settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    shared = settings.index_dir.parent
    shutil.copytree(shared / "embedding-cache", tmp_path / "embedding-cache")  # rebuilt without the model
    (tmp_path / "onnx").symlink_to(shared / "onnx", target_is_directory=True)
    (tmp_path / "index").write_text("a file where the index folder should be")
    monkeypatch.setenv("SUMMIT_BOT_INDEX_DIR", str(tmp_path / "index"))
    assert main(["index", "-q"]) == 1
    out, err = capsys.readouterr()
    assert "indexed" not in out
    assert err.startswith(f"summit-bot: could not save the index to {tmp_path / 'index'}") and err.count("\n") == 1
    assert (tmp_path / "index").read_text() == "a file where the index folder should be"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["embedding-cache", "index", "onnx"]  # no leftovers


def test_unreadable_corpus_is_one_line(env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "bad.md").write_text("+++\ntitle = \n+++\n\ntext\n")
    monkeypatch.setenv("SUMMIT_BOT_CORPUS_DIR", str(tmp_path))
    assert main(["ask", "anything"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("summit-bot: broken corpus file:") and "bad.md" in err and "\n" not in err


def test_leaders_and_sources_json(env: dict[str, str], engine: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["leaders", "--json"]) == 0
    leaders = json.loads(capsys.readouterr().out)
    assert [entry["name"] for entry in leaders] == [s.person.name for s in engine.catalog.speakers]
    maduro = next(entry for entry in leaders if entry["name"] == "Nicolás Maduro")
    assert maduro["office"] == "President" and maduro["country"] == "Venezuela"
    assert maduro["passage_ids"] == [f"{SLUG}#p8", f"{SLUG}#p9"]
    assert main(["sources", "--json"]) == 0
    sources = json.loads(capsys.readouterr().out)
    assert sources == [{"slug": SLUG, "title": engine.catalog.corpus.article(SLUG).title, "author": "Pablo Meriguet",
                        "published": "2025-02-06", "outlet": "Peoples Dispatch", "url": None, "passages": 24}]


def test_about_tells_the_operator_what_the_bot_answers_from(env: dict[str, str], engine: Engine,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["about", "--json"]) == 0
    facts = json.loads(capsys.readouterr().out)
    assert facts["model"] == engine.info.model_id and facts["passages"] == engine.info.passages == 24
    assert facts["articles"] == 1 and facts["built_at"] == engine.info.built_at
    assert facts["reader"] is True and isinstance(facts["see_translation_button"], bool)
    assert main(["about"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith("model ") and line.endswith(engine.info.model_id) for line in lines)
    assert any(line.startswith("reader ") and line.endswith(" on") for line in lines)


def test_index_command_reports_current(env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["index"]) == 0
    assert "index is current: 24 passages" in capsys.readouterr().out


def test_light_commands_do_not_import_torch(env: dict[str, str]) -> None:
    code = ("import sys, contextlib; from bot.cli import main; main(['leaders']); main(['sources']);"
            "exec('with contextlib.suppress(SystemExit): main([\\'--help\\'])');"
            "bad = [m for m in ('torch', 'sentence_transformers', 'discord', 'onnxruntime') if m in sys.modules];"
            "print('IMPORTED', bad)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "IMPORTED []" in result.stdout
