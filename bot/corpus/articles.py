"""The corpus: Markdown articles with TOML front matter, and the people who speak in them."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from bot.text import contains_words, fold

FENCE = "+++"
HEADING_RE = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


class CorpusError(Exception):
    """A corpus file (or folder) that cannot be used; the message names the file and the problem."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


@dataclass(frozen=True)
class Person:
    """A head of state or government who spoke at the summit."""

    name: str
    office: str
    country: str
    aliases: tuple[str, ...] = ()
    country_aliases: tuple[str, ...] = ()

    @property
    def name_forms(self) -> tuple[str, ...]:
        """The full name followed by every alias."""
        return (self.name, *self.aliases)

    def mentioned_in(self, text: str) -> bool:
        """True if the name or an alias occurs in `text` as whole words (accent-insensitive)."""
        folded = fold(text)
        return any(contains_words(folded, fold(form)) for form in self.name_forms)


@dataclass(frozen=True)
class Term:
    """A name the article uses and the other names readers use for it ("United States": "EE.UU.")."""

    name: str
    aliases: tuple[str, ...]

    def mentioned_in(self, text: str) -> bool:
        """True if the term occurs in `text` as whole words, case kept ("US" is not "us")."""
        return contains_words(text, self.name)


@dataclass(frozen=True)
class Block:
    """One body block: a heading (level 1–6) or a paragraph (level 0)."""

    text: str
    level: int = 0

    @property
    def is_heading(self) -> bool:
        return self.level > 0


@dataclass(frozen=True)
class Article:
    """One article: its metadata, its speakers and its body's blocks (read from its file when asked: a saved
    index brings its passages, so a start neither parses nor keeps a large corpus's paragraphs)."""

    slug: str
    path: Path
    title: str
    author: str | None
    published: dt.date | None
    outlet: str | None
    url: str | None
    people: tuple[Person, ...]
    fingerprint: str  # SHA-256 of the file's bytes
    extra: dict[str, object] = field(default_factory=dict, compare=False, hash=False)
    terms: tuple[Term, ...] = ()
    photo_caption: str | None = None  # the caption of the article's photo, as the article prints it

    @cached_property
    def blocks(self) -> tuple[Block, ...]:
        """The body's headings and paragraphs, in order, from the file as it was loaded (`CorpusError` if it has
        changed since: the index is keyed by what was loaded)."""
        raw, _, body = _read_article(self.path)
        if hashlib.sha256(raw).hexdigest() != self.fingerprint:
            raise CorpusError(self.path, "the file changed while it was being used; load the corpus again")
        return _parse_body(body)

    @property
    def paragraphs(self) -> list[str]:
        return [block.text for block in self.blocks if not block.is_heading]


@dataclass(frozen=True)
class Corpus:
    """Every article in the corpus folder, sorted by slug."""

    directory: Path
    articles: tuple[Article, ...]

    @property
    def fingerprint(self) -> str:
        digest = hashlib.sha256()
        for article in self.articles:
            digest.update(f"{article.slug}\0{article.fingerprint}\0".encode())
        return digest.hexdigest()

    def article(self, slug: str) -> Article:
        for article in self.articles:
            if article.slug == slug:
                return article
        raise KeyError(slug)

    @property
    def people(self) -> list[tuple[Article, Person]]:
        return [(article, person) for article in self.articles for person in article.people]


def load_corpus(directory: Path) -> Corpus:
    """Load every `*.md` article (`.MD` too) in `directory`; raise `CorpusError` on the first broken one.

    An article's slug is its file name without the extension. Two files whose slugs differ only in
    case (`Summit.md`, `summit.MD`) are refused: they are one article saved twice, and on a
    case-insensitive file system they would even be the same file.
    """
    if not directory.is_dir():
        raise CorpusError(directory, "corpus folder not found (set SUMMIT_BOT_CORPUS_DIR to the folder of articles)")
    files = sorted(
        p for p in directory.iterdir()
        if p.suffix.lower() == ".md" and not p.name.startswith((".", "_")) and p.name.lower() != "readme.md"
        and p.is_file()
    )
    if not files:
        raise CorpusError(directory, "no articles (*.md) in the corpus folder")
    seen: dict[str, Path] = {}
    for path in files:
        other = seen.setdefault(path.stem.casefold(), path)
        if other is not path:
            raise CorpusError(path, f"same article name as {other.name} (names are compared ignoring case): "
                                    "keep one of the two files")
    articles = tuple(load_article(path) for path in files)
    return Corpus(directory=directory, articles=articles)


def _read_article(path: Path) -> tuple[bytes, dict[str, object], str]:
    """The file's bytes, its front matter and its body."""
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except OSError as exc:
        raise CorpusError(path, f"cannot read file ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        raise CorpusError(path, f"not valid UTF-8 ({exc.reason} at byte {exc.start})") from exc
    text = text.removeprefix("\ufeff")  # a byte-order mark, as some Windows editors save UTF-8
    meta, body = _split_front_matter(path, text.replace("\r\n", "\n"))
    return raw, meta, body


def load_article(path: Path) -> Article:
    """Parse one article file, checking its front matter and its people against its body."""
    raw, meta, body = _read_article(path)
    if not _has_paragraph(body):
        raise CorpusError(path, "the body has no paragraphs")

    title = _required_str(path, meta, "title")
    people = _parse_people(path, meta.get("people", []))
    # the body's words, a space apart (as its blocks write them); only when something is to be found in it
    body_text = " ".join(body.split()) if people or meta.get("aliases") else ""
    for person in people:
        if not person.mentioned_in(body_text):
            forms = ", ".join(repr(f) for f in person.name_forms)
            raise CorpusError(path, f"person {person.name!r}: none of {forms} occurs in the article body")

    terms = _parse_terms(path, meta.get("aliases", {}))
    for term in terms:
        if not term.mentioned_in(body_text):
            raise CorpusError(path, f"[aliases]: {term.name!r} does not occur in the article body")

    published = meta.get("published")
    if published is not None and (not isinstance(published, dt.date) or isinstance(published, dt.datetime)):
        raise CorpusError(path, "front matter 'published' must be a TOML date like 2025-02-06")
    known = {"title", "author", "published", "outlet", "url", "people", "aliases", "photo_caption"}
    return Article(
        slug=path.stem,
        path=path,
        title=title,
        author=_optional_str(path, meta, "author"),
        published=published,
        outlet=_optional_str(path, meta, "outlet"),
        url=_optional_str(path, meta, "url"),
        people=people,
        fingerprint=hashlib.sha256(raw).hexdigest(),
        extra={key: value for key, value in meta.items() if key not in known},
        terms=terms,
        photo_caption=_optional_str(path, meta, "photo_caption"),
    )


_FENCE_LINE_RE = re.compile(rf"^[^\S\n]*{re.escape(FENCE)}[^\S\n]*$", re.MULTILINE)  # a line that strips to FENCE


def _split_front_matter(path: Path, text: str) -> tuple[dict[str, object], str]:
    first, _, rest = text.partition("\n")
    if first.strip() != FENCE:
        raise CorpusError(path, f"missing front matter: the file must start with a '{FENCE}' line")
    closing = _FENCE_LINE_RE.search(rest)  # found without splitting a large body into lines
    if closing is None:
        raise CorpusError(path, f"front matter is not closed by a second '{FENCE}' line")
    try:
        meta = tomllib.loads(rest[:closing.start()])
    except tomllib.TOMLDecodeError as exc:
        raise CorpusError(path, f"bad front matter (TOML): {_file_lines(str(exc))}") from exc
    return meta, rest[closing.end() + 1:]


def _file_lines(message: str) -> str:
    """tomllib counts lines from the front matter's first line; the file has the opening fence above it."""
    return re.sub(r"\(at line (\d+), column (\d+)\)",
                  lambda m: f"(at line {int(m[1]) + 1}, column {m[2]})", message)


def _has_paragraph(body: str) -> bool:
    """Whether `body` has a paragraph: a line that is no heading is enough (at C speed), else the blocks say."""
    if any(line.strip() and not HEADING_RE.match(line.strip()) for line in _first_lines(body)):
        return True
    return any(not block.is_heading for block in _parse_body(body))


def _first_lines(body: str, count: int = 50) -> list[str]:
    return body.split("\n", count)[:count]


def _parse_body(body: str) -> tuple[Block, ...]:
    blocks: list[Block] = []
    for chunk in re.split(r"\n\s*\n", body):
        lines = [line.strip() for line in chunk.strip().split("\n") if line.strip()]
        if not lines:
            continue
        heading = HEADING_RE.match(lines[0]) if len(lines) == 1 else None
        if heading:
            blocks.append(Block(text=heading.group(2), level=len(heading.group(1))))
        else:
            blocks.append(Block(text=" ".join(lines)))
    return tuple(blocks)


def _required_str(path: Path, meta: dict[str, object], key: str) -> str:
    value = meta.get(key)
    if value is None:
        raise CorpusError(path, f"front matter has no '{key}'")
    if not isinstance(value, str) or not value.strip():
        raise CorpusError(path, f"front matter '{key}' must be a non-empty string")
    return value.strip()


def _optional_str(path: Path, meta: dict[str, object], key: str) -> str | None:
    return _required_str(path, meta, key) if key in meta else None


def _parse_terms(path: Path, raw: object) -> tuple[Term, ...]:
    if not isinstance(raw, dict):
        raise CorpusError(path, "front matter 'aliases' must be a table: \"term\" = [\"other name\", ...]")
    terms = []
    for name, value in raw.items():
        if not name.strip() or not isinstance(value, list) or not value or not all(
            isinstance(v, str) and v.strip() for v in value
        ):
            raise CorpusError(path, f"[aliases]: {name!r} must name a list of non-empty strings")
        terms.append(Term(name.strip(), tuple(v.strip() for v in value)))
    return tuple(terms)


def _parse_people(path: Path, raw: object) -> tuple[Person, ...]:
    if not isinstance(raw, list):
        raise CorpusError(path, "front matter 'people' must be a list of [[people]] tables")
    people: list[Person] = []
    for number, entry in enumerate(raw, start=1):
        where = f"[[people]] entry {number}"
        if not isinstance(entry, dict):
            raise CorpusError(path, f"{where} must be a table")
        try:
            name, office, country = (_required_str(path, entry, key) for key in ("name", "office", "country"))
        except CorpusError as exc:
            raise CorpusError(path, f"{where}: {exc.problem}") from None
        lists = {}
        for key in ("aliases", "country_aliases"):
            value = entry.get(key, [])
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                raise CorpusError(path, f"{where} ({name}): '{key}' must be a list of non-empty strings")
            lists[key] = tuple(v.strip() for v in value)
        people.append(Person(name, office, country, lists["aliases"], lists["country_aliases"]))
    return tuple(people)
