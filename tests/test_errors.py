"""`bot.errors`: one clear line for each known failure, from a module the runtime can import without the tools."""

from __future__ import annotations

import subprocess
import sys

from bot.answering.question import QuestionError
from bot.errors import describe
from bot.tools.evaluation import EvalError


def test_a_tools_input_error_and_a_question_error_are_told_as_they_are() -> None:
    assert describe(EvalError("line 3: no question")) == "line 3: no question"
    assert describe(QuestionError("That question is 600 characters long")) == "That question is 600 characters long"
    assert describe(RuntimeError("boom")) is None  # unexpected: the caller logs the traceback


def test_the_error_module_imports_no_tool() -> None:
    code = "import sys, bot.errors; print([m for m in sys.modules if m.startswith('bot.tools')])"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == "[]"
