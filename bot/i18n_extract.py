"""Which messages the catalogs must translate: those marked in the code, and the corpus's offices and countries.

`pybabel extract -F babel.cfg` (run by `make messages`) and the test that keeps the catalogs complete
both use this: the code's messages come from Babel's Python extractor with `bot.i18n.KEYWORDS`; the
front matter of every corpus article gives each person's `office` and `country`, which the bot shows
translated (`t.p_("office", "President")`), so a new article with a new country fails the tests until
its Spanish form is in the catalog.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from babel.messages.extract import extract, extract_from_dir

from bot.i18n import KEYWORDS

Message = tuple[str | None, str | tuple[str, ...]]  # (context, id or (singular, plural))
FENCE = "+++"
DATA_CONTEXTS = ("office", "country")


def extract_front_matter(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, str, tuple[str, str], list[str]]]:
    """A Babel extraction method: `office` and `country` of every `[[people]]` entry, as `p_(context, value)`."""
    lines = fileobj.read().decode("utf-8").splitlines()
    if not lines or lines[0].strip() != FENCE:
        return
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == FENCE)
        meta = tomllib.loads("\n".join(lines[1:end]))
    except (StopIteration, tomllib.TOMLDecodeError):
        return  # the corpus loader reports broken front matter; nothing to extract here
    blocks = [i for i in range(end) if lines[i].strip() == "[[people]]"]
    for number, person in enumerate(meta.get("people") or []):
        if not isinstance(person, dict):
            continue
        start = blocks[number] if number < len(blocks) else 0
        for key in DATA_CONTEXTS:
            value = person.get(key)
            if isinstance(value, str) and value:
                line = next((i + 1 for i in range(start, end) if lines[i].strip().startswith(key)), start + 1)
                yield line, "p_", (key, value), [f"{key} of {person.get('name', '?')}"]


def code_messages(package: Path) -> dict[Message, list[str]]:
    """Every message marked in the Python code under `package`, with where it is ("file:line")."""
    found: dict[Message, list[str]] = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(package), [("**.py", "python")], keywords=KEYWORDS  # type: ignore[arg-type]  # Babel stubs
    ):  # keyword specs narrower than the (index, (context, index)) tuples its extractor accepts
        found.setdefault((context, message), []).append(f"{filename}:{lineno}")
    return found


def corpus_messages(corpus_dir: Path) -> dict[Message, list[str]]:
    """Every office and country named in the corpus front matter."""
    found: dict[Message, list[str]] = {}
    for path in sorted(corpus_dir.glob("*.md")):
        with path.open("rb") as fileobj:
            # As above; and the stub wants an extractor typed with its Mapping arguments.
            found_here = extract(extract_front_matter, fileobj, keywords=KEYWORDS)  # type: ignore[arg-type]
            for lineno, message, _comments, context in found_here:
                found.setdefault((context, message), []).append(f"{path.name}:{lineno}")
    return found
