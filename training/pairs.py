"""The reader's training pairs, from the invented reports and the questions written blind about them.

    .venv/bin/python -m training.pairs            # writes training/build/pairs.jsonl and its summary

Every report is cut into passages by the bot's own code (`bot.corpus.passages`) and read as the bot reads them
(`bot.retrieval.reader.reader_text`). Each question becomes (question, passage, label) pairs:
- an answerable question: label 1 with each passage its evidence lies in; label 0 with the report's
  passages most like it that do not answer (hard negatives, by the query model's cosine) and one other;
- an unanswerable question: label 0 with the report's passages most like it;
- made by program: an answerable question with a name of its answering passage swapped for a name of
  the same report that the passage never uses, label 0 with that passage ("what did Y say" where X spoke).
A Spanish question is read as its Apertium English translation (as the bot reads it) and also as
typed (as the bot reads it where Apertium is not installed), with the same labels.

Reports are split into training and validation by a seeded shuffle of their names; the validation
reports' pairs never take part in training.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import sys
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bot.corpus.articles import load_article
from bot.corpus.passages import Passage, article_passages
from bot.index.embeddings import BUNDLED_MODEL, resolve_model
from bot.retrieval.reader import reader_texts
from bot.retrieval.translate import Translator

ROOT = Path(__file__).resolve().parent
DATA = ROOT / "data"
BUILD = ROOT / "build"
SEED = 20250
VALIDATION_SHARE = 0.12
HARD_NEGATIVES = 3
UNANSWERABLE_NEGATIVES = 4
SWAP_SHARE = 0.5  # of the answerable English questions, the share that also yields a swapped negative

_WORD_RE = re.compile(r"[A-Z][a-zà-ÿ'-]{2,}(?:\s+[A-Z][a-zà-ÿ'-]{2,})*")
_COMMON_CAPITALISED = frozenset(
    "The This That These Those They Their There Then Than When Where What Which While Who Whom Whose Why How "
    "And But For With From Into Onto Over Under After Before During Since Until Under About Also Although "
    "January February March April May June July August September October November December Monday Tuesday "
    "Wednesday Thursday Friday Saturday Sunday President Prime Minister Minister Secretary Director Chair "
    "Chairman Chairwoman Chief Executive Mayor Governor Senator General Commissioner Ambassador Professor Doctor "
    "Dr Mr Mrs Ms Speaking Speaker Asked According However Meanwhile Earlier Later Under Photo Title Author "
    "Published Outlet In On At By As It He She We Our His Her Its Of To".split()
)


@dataclass
class Report:
    name: str
    passages: list[Passage]
    texts: list[str]  # what the reader reads of each passage
    questions: list[dict[str, object]] = field(default_factory=list)


def fold(text: str) -> str:
    """Comparable text: NFKC, straight quotes, one space, lower case."""
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"}))
    return " ".join(text.split()).lower()


def load_reports(data: Path = DATA) -> list[Report]:
    spec = resolve_model(BUNDLED_MODEL)
    count = spec.token_counter()
    reports = []
    for path in sorted((data / "reports").glob("*.md")):
        article = load_article(path)
        passages = list(article_passages(article, max_tokens=spec.max_seq_length, count_tokens=count))
        report = Report(path.stem, passages, reader_texts(passages))
        questions = data / "questions" / f"{path.stem}.jsonl"
        report.questions = [json.loads(line) for line in questions.read_text(encoding="utf-8").splitlines()
                            if line.strip()]
        reports.append(report)
    return reports


def evidence_rows(report: Report, evidence: Sequence[str]) -> list[int] | None:
    """The passages the evidence spans lie in; None when a span is found in none (the question is dropped)."""
    rows: list[int] = []
    folded = [fold(p.text) for p in report.passages]
    for span in evidence:
        if span == "META":
            rows.append(0)
            continue
        needle = fold(span).strip(" .,;:\"'")
        found = [i for i, text in enumerate(folded) if needle and needle in text]
        if not found:  # a span running across a passage split: its first words
            head = " ".join(needle.split()[:6])
            found = [i for i, text in enumerate(folded) if head and head in text][:1]
        if not found:
            return None
        rows.extend(r for r in found if r not in rows)
    return rows


def names_in(text: str) -> set[str]:
    """Capitalised names of a text (runs of capitalised words, common sentence openers dropped)."""
    names = set()
    for match in _WORD_RE.finditer(text):
        words = [w for w in match.group().split() if w not in _COMMON_CAPITALISED]
        names.update(words)
    return names


def split_reports(reports: Sequence[Report]) -> tuple[list[Report], list[Report]]:
    names = sorted(r.name for r in reports)
    random.Random(SEED).shuffle(names)
    held = set(names[: max(1, round(len(names) * VALIDATION_SHARE))])
    return [r for r in reports if r.name not in held], [r for r in reports if r.name in held]


class Encoder:
    """The query model, to rank a report's passages for hard negatives."""

    def __init__(self) -> None:
        from sentence_transformers import SentenceTransformer

        spec = resolve_model(BUNDLED_MODEL)
        self._model = SentenceTransformer(str(spec.folder), device="cpu")

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return np.asarray(self._model.encode(list(texts), batch_size=64, normalize_embeddings=True))


def pairs_for(report: Report, rng: random.Random, encoder: Encoder, translator: Translator | None,
              stats: defaultdict[str, int]) -> Iterable[dict[str, object]]:
    passages = encoder.encode(report.texts)
    names_by_row = [names_in(t) for t in report.texts]
    report_names = sorted(set().union(*names_by_row) - {""})
    questions = [str(q["q"]) for q in report.questions]
    vectors = encoder.encode(questions) if questions else np.zeros((0, passages.shape[1]))
    for q, vector in zip(report.questions, vectors, strict=True):
        question, lang = str(q["q"]).strip(), str(q.get("lang", "en"))
        answerable = bool(q.get("answerable"))
        order = list(np.argsort(-(passages @ vector)))
        if answerable:
            rows = evidence_rows(report, list(q.get("evidence") or []))  # type: ignore[arg-type]
            if rows is None:
                stats["dropped_evidence_not_found"] += 1
                continue
            others = [int(r) for r in order if r not in rows]
            rest = others[HARD_NEGATIVES:]
            negatives = others[:HARD_NEGATIVES] + rng.sample(rest, k=min(1, len(rest)))
            labelled = [(r, 1) for r in rows] + [(r, 0) for r in negatives]
            kind = "answerable"
        else:
            rows = []
            labelled = [(int(r), 0) for r in order[:UNANSWERABLE_NEGATIVES]]
            kind = str(q.get("kind", "unanswerable"))
        stats[f"questions_{kind}"] += 1
        stats[f"questions_{lang}"] += 1
        forms = [question]
        if lang == "es" and translator is not None:
            english = translator.translate(question)
            if english:
                forms.insert(0, english)
        for form in forms:
            for row, label in labelled:
                yield {"question": form, "text": report.texts[row], "label": label, "report": report.name,
                       "passage": report.passages[row].id, "kind": kind, "lang": lang,
                       "translated": form != question}
        if answerable and lang == "en" and rows and rng.random() < SWAP_SHARE:
            swapped = swap_name(question, report.texts[rows[0]], report_names, rng)
            if swapped is not None:
                stats["questions_swap_made_by_program"] += 1
                yield {"question": swapped, "text": report.texts[rows[0]], "label": 0, "report": report.name,
                       "passage": report.passages[rows[0]].id, "kind": "swap_made_by_program", "lang": lang,
                       "translated": False}


def swap_name(question: str, text: str, report_names: Sequence[str], rng: random.Random) -> str | None:
    """`question` with a name it shares with `text` replaced by a name of the report that `text` never uses."""
    in_text = names_in(text)
    folded_text = fold(text)
    shared = [n for n in in_text if re.search(rf"\b{re.escape(n)}\b", question, flags=re.IGNORECASE)]
    absent = [n for n in report_names if fold(n) not in folded_text]
    if not shared or not absent:
        return None
    old, new = rng.choice(sorted(shared)), rng.choice(absent)
    return re.sub(rf"\b{re.escape(old)}\b", new, question, count=1, flags=re.IGNORECASE)


def data_hash(data: Path = DATA) -> str:
    digest = hashlib.sha256()
    for path in sorted(data.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(data).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="Build the reader's training pairs (training/build/).")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--build", type=Path, default=BUILD)
    args = parser.parse_args(argv)
    build: Path = args.build
    reports = load_reports(args.data)
    train, validation = split_reports(reports)
    translator = Translator.apertium()
    if not translator.available:
        print("Apertium's spa-eng pair is not installed: Spanish questions are read as typed only", file=sys.stderr)
    encoder = Encoder()
    rng = random.Random(SEED)
    build.mkdir(exist_ok=True)
    summary: dict[str, object] = {"data_sha256": data_hash(args.data), "seed": SEED, "reports": len(reports),
                                  "validation_reports": sorted(r.name for r in validation)}
    for split, chosen in (("train", train), ("validation", validation)):
        stats: dict[str, int] = {}
        counts: defaultdict[str, int] = defaultdict(int)
        rows = [pair for report in chosen for pair in pairs_for(report, rng, encoder, translator, counts)]
        stats.update(counts)
        stats["pairs"] = len(rows)
        stats["positive_pairs"] = sum(int(r["label"]) for r in rows)  # type: ignore[call-overload]
        with (build / f"{split}.jsonl").open("w", encoding="utf-8") as out:
            for row in rows:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
        summary[split] = stats
        print(split, json.dumps(stats, sort_keys=True))
    (build / "pairs_summary.json").write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    translator.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
