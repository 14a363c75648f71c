"""Read the project's Dockerfile: stages, their instructions, and the runtime stage's install command.

The lean-install test runs what the runtime stage runs, so a change to one shows up in the other.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from pathlib import Path

from bot.settings import PROJECT_ROOT

DOCKERFILE = PROJECT_ROOT / "Dockerfile"
WHEEL_DIR_IN_IMAGE = "/tmp/dist"  # where the runtime stage mounts the build stage's wheel
APP_DIR_IN_IMAGE = "/opt/summit-bot"  # what the build stage builds (index/, onnx/) and the runtime copies


@dataclass
class Instruction:
    keyword: str
    arguments: str

    @property
    def words(self) -> list[str]:
        return shlex.split(self.arguments)


@dataclass
class Stage:
    name: str
    base: str
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]

    def env(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for instruction in self.all("ENV"):
            for word in instruction.words:
                key, _, value = word.partition("=")
                values[key] = value
        return values

    def copies_from(self, stage: str) -> list[tuple[str, str]]:
        """(source, destination) of every `COPY --from=<stage>`."""
        pairs = []
        for instruction in self.all("COPY"):
            words = instruction.words
            if f"--from={stage}" in words:
                paths = [w for w in words if not w.startswith("--")]
                pairs.append((paths[0], paths[-1]))
        return pairs


def logical_lines(text: str) -> list[str]:
    """Instructions with their continuation lines joined; comments and blank lines dropped."""
    lines: list[str] = []
    current = ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        lines.append(current + stripped)
        current = ""
    if current:
        lines.append(current)
    return lines


def parse(path: Path = DOCKERFILE) -> dict[str, Stage]:
    """The stages of a Dockerfile by name (instructions before the first FROM are left out)."""
    stages: dict[str, Stage] = {}
    stage: Stage | None = None
    for line in logical_lines(path.read_text(encoding="utf-8")):
        keyword, _, arguments = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            words = arguments.split()
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else str(len(stages))
            stage = stages[name] = Stage(name, words[0])
        elif stage is not None:
            stage.instructions.append(Instruction(keyword, arguments.strip()))
    return stages


def runtime_pip_install(stage: Stage) -> list[str]:
    """The arguments of the runtime stage's one `pip [--python VENV] install` (what follows `install`)."""
    commands = []
    for instruction in stage.all("RUN"):
        for part in instruction.arguments.split("&&"):
            words = shlex.split(part)
            for i, word in enumerate(words):
                if word.endswith("pip") and "install" in words[i + 1:i + 4]:
                    commands.append(words[words.index("install", i) + 1:])
    if len(commands) != 1:
        raise AssertionError(f"the runtime stage should run one pip install, found {commands}")
    return commands[0]


def runtime_venv_command(stage: Stage) -> list[str]:
    """The `python -m venv ...` options of the runtime stage (without the target folder)."""
    for instruction in stage.all("RUN"):
        for part in instruction.arguments.split("&&"):
            words = shlex.split(part)
            if "venv" in words and "-m" in words:
                start = words.index("venv") + 1
                return [w for w in words[start:] if w.startswith("--")]
    raise AssertionError("the runtime stage makes no venv")
