"""The terminal face, through the real entry point: answers, JSON shape, batch mode, errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.engine import Engine
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
    assert set(answer) == {"question", "searched_for", "answered", "confidence", "results"}
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
    assert "[1] Maduro’s call for migrant rights and regional security — ¶9" in out
    assert "air and sea fleet" in out and "Pablo Meriguet" in out and "score" in out


def test_batch_mode_reads_json_lines(env: dict[str, str]) -> None:
    result = _run(["ask", "--json", "--top-k", "2"], env, stdin=f"{MADURO}\n\nwho wrote the article?\n   \n")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["question"] for r in lines] == [MADURO, "who wrote the article?"]
    assert all(len(r["results"]) == 2 for r in lines)
    assert lines[0]["results"][0]["passage_id"] == f"{SLUG}#p9"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ask", ""], "Please ask a question"),
        (["ask", "   \x00\u200b  "], "Please ask a question"),
        (["ask", "x" * 600], "please keep it under 500"),
        (["ask", "q", "--top-k", "0"], "--top-k must be between 1 and 25"),
        (["ask", "q", "--bogus"], "unrecognized arguments: --bogus"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_user_mistakes_are_one_line_and_nonzero(
    env: dict[str, str], capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) if args[-1] in ("--bogus", "frobnicate") else _nothing():
        code = main(args)
        assert code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> bool:
        return False


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
