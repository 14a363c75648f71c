"""Validate eval/dev_questions.jsonl against the corpus article.

Run from the repo root:  python eval/check_dev_questions.py
Exits non-zero if any check fails; prints counts per kind / lang / tag.
"""
from __future__ import annotations

import json
import re
import sys
import tomllib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "corpus" / "alba-summit-2025-02-06.md"
QUESTIONS = ROOT / "eval" / "dev_questions.jsonl"
DOC = ARTICLE.stem

KINDS = {"in_scope", "off_topic"}
LANGS = {"en", "es"}
MIN = {"en_in_scope": 70, "by_country": 12, "off_topic": 30, "es_in_scope": 12,
       "es_off_topic": 4, "per_passage_en": 2, "meta_en": 4}


def load_article():
    text = ARTICLE.read_text(encoding="utf-8")
    _, front, body = text.split("+++", 2)
    meta = tomllib.loads(front)
    blocks = [b.strip() for b in re.split(r"\n\s*\n", body) if b.strip()]
    paras = [b for b in blocks if not b.startswith("#")]
    return meta, paras


def longest_shared_run(a: str, b: str) -> int:
    """Length (in words) of the longest word sequence shared by a and b."""
    wa = re.findall(r"\w+", a.lower())
    wb = re.findall(r"\w+", b.lower())
    best = 0
    prev = [0] * (len(wb) + 1)
    for x in wa:
        cur = [0] * (len(wb) + 1)
        for j, y in enumerate(wb, 1):
            if x == y:
                cur[j] = prev[j - 1] + 1
                best = max(best, cur[j])
        prev = cur
    return best


def main() -> int:
    meta, paras = load_article()
    valid_ids = {f"{DOC}#p{i}" for i in range(1, len(paras) + 1)} | {f"{DOC}#meta"}
    names = set()
    for p in meta.get("people", []):
        names.add(p["name"].lower())
        names.update(a.lower() for a in p.get("aliases", []))

    errors, warnings = [], []
    rows, seen = [], set()
    for n, line in enumerate(QUESTIONS.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            errors.append(f"line {n}: blank line")
            continue
        try:
            r = json.loads(line)
        except json.JSONDecodeError as e:
            errors.append(f"line {n}: invalid JSON ({e})")
            continue
        rows.append(r)
        qid = r.get("id")
        if set(r) != {"id", "question", "expected", "kind", "lang", "tags"}:
            errors.append(f"{qid}: keys are {sorted(r)}")
        if not re.fullmatch(r"q\d{3,}", str(qid)):
            errors.append(f"line {n}: bad id {qid!r}")
        if qid in seen:
            errors.append(f"{qid}: duplicate id")
        seen.add(qid)
        if r.get("kind") not in KINDS:
            errors.append(f"{qid}: bad kind {r.get('kind')!r}")
        if r.get("lang") not in LANGS:
            errors.append(f"{qid}: bad lang {r.get('lang')!r}")
        if not isinstance(r.get("question"), str) or not r["question"].strip():
            errors.append(f"{qid}: empty question")
        exp, tags = r.get("expected", []), r.get("tags", [])
        if not isinstance(exp, list) or not isinstance(tags, list):
            errors.append(f"{qid}: expected/tags must be lists")
            continue
        if len(set(exp)) != len(exp):
            errors.append(f"{qid}: duplicate expected ids")
        for e in exp:
            if e not in valid_ids:
                errors.append(f"{qid}: unknown passage id {e}")
        if r.get("kind") == "off_topic" and exp:
            errors.append(f"{qid}: off_topic must have expected == []")
        if r.get("kind") == "in_scope" and not exp:
            errors.append(f"{qid}: in_scope needs at least one expected id")
        if (r.get("lang") == "es") != ("spanish" in tags):
            errors.append(f"{qid}: 'spanish' tag must match lang == es")
        if ("metadata" in tags) != (f"{DOC}#meta" in exp):
            errors.append(f"{qid}: 'metadata' tag must match #meta in expected")
        if "by_country" in tags:
            q = r["question"].lower()
            hit = [a for a in names if re.search(rf"(?<!\w){re.escape(a)}(?!\w)", q)]
            if hit:
                errors.append(f"{qid}: by_country question names a leader {hit}")
        # copied-wording heads-up: long verbatim runs from the expected paragraph
        for e in exp:
            if e.endswith("#meta") or e not in valid_ids:
                continue
            k = int(e.rsplit("#p", 1)[1])
            run = longest_shared_run(r["question"], paras[k - 1])
            if run >= 5:
                warnings.append(f"{qid}: shares a {run}-word run with {e}")

    ins_en = [r for r in rows if r.get("kind") == "in_scope" and r.get("lang") == "en"]
    cover = Counter(e for r in ins_en for e in r["expected"])
    for pid in sorted(valid_ids, key=lambda s: (s.endswith("meta"), int(s.rsplit("p", 1)[1]) if "#p" in s else 0)):
        need = MIN["meta_en"] if pid.endswith("#meta") else MIN["per_passage_en"]
        if cover[pid] < need:
            errors.append(f"{pid}: only {cover[pid]} English in-scope questions (need {need})")

    count = Counter((r.get("kind"), r.get("lang")) for r in rows)
    tag_count = Counter(t for r in rows for t in r.get("tags", []))
    checks = {
        "en_in_scope": count[("in_scope", "en")],
        "es_in_scope": count[("in_scope", "es")],
        "off_topic": count[("off_topic", "en")] + count[("off_topic", "es")],
        "es_off_topic": count[("off_topic", "es")],
        "by_country": tag_count["by_country"],
    }
    for k, v in checks.items():
        if v < MIN[k]:
            errors.append(f"count {k} = {v} < {MIN[k]}")

    print(f"{len(rows)} questions, {len(paras)} paragraphs in {ARTICLE.name}")
    for (kind, lang), v in sorted(count.items()):
        print(f"  {kind:9} {lang}: {v}")
    print("  tags: " + ", ".join(f"{t}={v}" for t, v in sorted(tag_count.items())))
    print("  English in-scope coverage: " + ", ".join(
        f"{pid.split('#')[1]}={cover[pid]}" for pid in sorted(
            valid_ids, key=lambda s: (s.endswith("meta"), int(s.rsplit("p", 1)[1]) if "#p" in s else 0))))
    multi = [r["id"] for r in rows if len(r.get("expected", [])) > 1]
    print(f"  questions with >1 expected id: {len(multi)} ({', '.join(multi)})")
    for w in warnings:
        print("WARN " + w)
    for e in errors:
        print("ERROR " + e)
    print("OK" if not errors else f"{len(errors)} error(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
