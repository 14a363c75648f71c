"""CI runs property tests reproducibly: hypothesis's "ci" profile (tests/conftest.py) is chosen when CI is set."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(("ci", "derandomized"), [("true", True), (None, False)])
def test_hypothesis_is_derandomized_exactly_when_ci_is_set(ci: str | None, derandomized: bool) -> None:
    code = "import hypothesis, tests.conftest; print(hypothesis.settings.default.derandomize)"
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "GITHUB_ACTIONS", "TF_BUILD", "BUILDKITE",
                                                             "CIRCLECI", "CIRRUS_CI", "CODEBUILD_BUILD_ID",
                                                             "GITLAB_CI", "HEROKU_TEST_RUN_ID", "TEAMCITY_VERSION",
                                                             "bamboo.buildKey")}
    env["PYTHONPATH"] = str(ROOT)
    if ci is not None:
        env["CI"] = ci
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=120, check=True)
    assert done.stdout.strip() == str(derandomized)
