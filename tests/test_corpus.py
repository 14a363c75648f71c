"""The corpus loader: the real article parses; each kind of broken file fails loudly, naming file and problem."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from bot.corpus.articles import CorpusError, load_article, load_corpus
from tests.conftest import CORPUS_DIR, SLUG

SEED = CORPUS_DIR.parent.parent / "shared" / "seed" / f"{SLUG}.txt"


def test_real_article_metadata_and_people() -> None:
    corpus = load_corpus(CORPUS_DIR)
    article = corpus.article(SLUG)
    assert article.title.startswith("“We must Remain United")
    assert article.author == "Pablo Meriguet"
    assert article.published == dt.date(2025, 2, 6)
    assert article.outlet == "Peoples Dispatch"
    assert article.url is None  # the seed gives no link; none is invented
    names = {p.name for p in article.people}
    assert {"Nicolás Maduro", "Miguel Díaz-Canel", "Luis Arce"} <= names
    assert len(article.paragraphs) == 23


def test_body_is_verbatim_and_metadata_lines_are_not_body() -> None:
    article = load_corpus(CORPUS_DIR).article(SLUG)
    body = "\n".join(article.paragraphs)
    if SEED.is_file():  # every paragraph of the seed article is in the body, word for word
        for paragraph in SEED.read_text(encoding="utf-8").split("\n\n"):
            paragraph = paragraph.strip()
            if len(paragraph) > 100:
                assert paragraph in article.paragraphs
    assert "By Pablo Meriguet" not in body
    assert "Source:" not in body
    assert "Photo: ALBA-TCP" not in body


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


GOOD_BODY = "\n## A heading\n\nMaduro spoke. Then he left.\n"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("no front matter\n\nMaduro spoke.\n", "missing front matter"),
        ('+++\ntitle = "T"\n\nMaduro spoke.\n', "not closed"),
        ("+++\ntitle = \n+++\n" + GOOD_BODY, "bad front matter (TOML)"),
        ('+++\nauthor = "A"\n+++\n' + GOOD_BODY, "front matter has no 'title'"),
        ('+++\ntitle = ""\n+++\n' + GOOD_BODY, "'title' must be a non-empty string"),
        ('+++\ntitle = "T"\npublished = "Feb 6"\n+++\n' + GOOD_BODY, "'published' must be a TOML date"),
        ('+++\ntitle = "T"\n[[people]]\nname = "Luis Arce"\noffice = "President"\ncountry = "Bolivia"\n'
         'aliases = ["Arce"]\n+++\n' + GOOD_BODY, "person 'Luis Arce': none of 'Luis Arce', 'Arce' occurs"),
        ('+++\ntitle = "T"\n[[people]]\nname = "Nicolás Maduro"\ncountry = "Venezuela"\n+++\n' + GOOD_BODY,
         "[[people]] entry 1: front matter has no 'office'"),
        ('+++\ntitle = "T"\n+++\n\n## Only a heading\n', "no paragraphs"),
        ('+++\ntitle = "T"\naliases = ["US"]\n+++\n' + GOOD_BODY, "'aliases' must be a table"),
        ('+++\ntitle = "T"\n[aliases]\n"Maduro" = "the president"\n+++\n' + GOOD_BODY,
         "'Maduro' must name a list of non-empty strings"),
        ('+++\ntitle = "T"\n[aliases]\n"United States" = ["EE.UU."]\n+++\n' + GOOD_BODY,
         "[aliases]: 'United States' does not occur in the article body"),
    ],
)
def test_broken_files_fail_with_file_name_and_reason(tmp_path: Path, text: str, problem: str) -> None:
    path = _write(tmp_path, "broken.md", text)
    with pytest.raises(CorpusError) as caught:
        load_article(path)
    assert str(path) in str(caught.value)
    assert problem in str(caught.value)


def test_term_aliases_parse_and_match_case_sensitively(tmp_path: Path) -> None:
    text = '+++\ntitle = "T"\n[aliases]\n"US" = ["EE.UU.", "Estados Unidos"]\n+++\n\nThe US spoke to us.\n'
    [term] = load_article(_write(tmp_path, "ok.md", text)).terms
    assert (term.name, term.aliases) == ("US", ("EE.UU.", "Estados Unidos"))
    assert term.mentioned_in("the US economy") and not term.mentioned_in("help us")
    real = load_corpus(CORPUS_DIR).article(SLUG)
    assert any(t.name == "United States" and "Estados Unidos" in t.aliases for t in real.terms)


def test_alias_is_enough_and_matching_ignores_accents(tmp_path: Path) -> None:
    text = ('+++\ntitle = "T"\n[[people]]\nname = "Nicolás Maduro"\noffice = "President"\ncountry = "Venezuela"\n'
            'aliases = ["Maduro"]\n+++\n\nNicolas Maduro spoke.\n')
    assert load_article(_write(tmp_path, "ok.md", text)).people[0].name == "Nicolás Maduro"


def test_second_article_just_works_and_bad_one_names_itself(tmp_path: Path) -> None:
    shutil.copy(CORPUS_DIR / f"{SLUG}.md", tmp_path)
    _write(tmp_path, "second.md", '+++\ntitle = "Second"\n+++\n\nAnother paragraph.\n')
    corpus = load_corpus(tmp_path)
    assert [a.slug for a in corpus.articles] == [SLUG, "second"]
    _write(tmp_path, "third.md", "garbage")
    with pytest.raises(CorpusError, match=r"third\.md"):
        load_corpus(tmp_path)


def test_empty_or_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="no articles"):
        load_corpus(tmp_path)
    with pytest.raises(CorpusError, match="not found"):
        load_corpus(tmp_path / "nope")


def test_an_article_saved_with_a_byte_order_mark_loads_like_one_without(tmp_path: Path) -> None:
    text = '+++\ntitle = "T"\n+++\n' + GOOD_BODY
    plain = load_article(_write(tmp_path, "plain.md", text))
    (tmp_path / "bom.md").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    with_bom = load_article(tmp_path / "bom.md")
    assert (with_bom.title, with_bom.blocks) == (plain.title, plain.blocks)


def test_toml_errors_give_the_line_number_of_the_file(tmp_path: Path) -> None:
    lines = ["+++", 'title = "T"', 'author = "A"', "published = not-a-date", "+++"]
    path = _write(tmp_path, "bad.md", "\n".join(lines) + "\n" + GOOD_BODY)
    with pytest.raises(CorpusError, match=r"\(at line 4, column 13\)"):
        load_article(path)
    assert lines[4 - 1].startswith("published")  # line 4 of the file is indeed the bad one


def test_an_upper_case_md_extension_is_an_article_too(tmp_path: Path) -> None:
    _write(tmp_path, "first.md", '+++\ntitle = "First"\n+++\n\nOne paragraph.\n')
    _write(tmp_path, "SECOND.MD", '+++\ntitle = "Second"\n+++\n\nAnother paragraph.\n')
    _write(tmp_path, "README.MD", "not an article")
    assert [a.title for a in load_corpus(tmp_path).articles] == ["Second", "First"]


def test_two_files_whose_names_differ_only_in_case_are_refused_naming_both(tmp_path: Path) -> None:
    text = '+++\ntitle = "Same"\n+++\n\nOne paragraph.\n'
    _write(tmp_path, "summit.md", text)
    _write(tmp_path, "Summit.md", text)
    if len(list(tmp_path.iterdir())) == 1:
        pytest.skip("case-insensitive file system: the two names are one file")
    with pytest.raises(CorpusError, match=r"summit\.md: same article name as Summit\.md"):
        load_corpus(tmp_path)
