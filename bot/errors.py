"""One place that turns known failures into one clear line for a person."""

from __future__ import annotations

from bot.answering.question import QuestionError
from bot.corpus.articles import CorpusError
from bot.extras import IndexToolsMissing
from bot.index.embeddings import EmbeddingError
from bot.index.files import IndexUnusable


class InputFileError(ValueError):
    """A file a tool was given that it cannot use (a question set, say): the message is for whoever ran it.
    The tools raise their own subclasses (`bot.tools.evaluation.EvalError`); this module imports none of them."""


def describe(exc: BaseException) -> str | None:
    """A one-line, user-facing message for a known failure, or None for an unexpected one."""
    if isinstance(exc, CorpusError):
        return f"broken corpus file: {exc}"
    if isinstance(exc, EmbeddingError | IndexToolsMissing):
        return str(exc)
    if isinstance(exc, IndexUnusable):
        return f"index problem: {exc}"
    if isinstance(exc, QuestionError | InputFileError):
        return str(exc)
    if isinstance(exc, PermissionError):
        return f"permission denied: {exc.filename or exc}"
    if isinstance(exc, OSError) and exc.filename:
        return f"{exc.strerror or 'I/O error'}: {exc.filename}"
    return None
