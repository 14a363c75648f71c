"""`summit-bot report`: what people asked over a period, from the question store.

The questions most asked (the same question in other words counted together: their embeddings are
close), those refused (the gaps in the corpus), those voted down with the passages shown, the share
answered at each confidence, votes, and answer time p50/p95. As text, JSON, or one self-contained HTML
page with inline SVG charts; `export_eval` writes refused and down-voted questions as eval records.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.atomic import atomic_file
from bot.i18n import Texts, texts
from bot.store import parse_passage_ids, questions, votes

Encoder = Callable[[list[str]], np.ndarray]

SAME_QUESTION = 0.82  # cosine above which two questions are taken as the same question in other words
TOP = 10
CONFIDENCES = ("high", "medium", "none")
_SINCE_RE = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class ReportError(ValueError):
    """A bad option (e.g. an unreadable --since)."""


def parse_since(text: str, now: dt.datetime) -> dt.datetime:
    """"7d", "24h", "90m", "2w", or a date ("2025-02-01"): the start of the period (UTC, naive)."""
    match = _SINCE_RE.match(text)
    if match:
        return now - dt.timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    try:
        start = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise ReportError(f"--since takes a period like 7d, 24h, 2w or a date like 2025-02-01, not {text!r}") from None
    return start.astimezone(dt.UTC).replace(tzinfo=None) if start.tzinfo else start


@dataclass
class Group:
    """One question, with the other wordings of it, and how often it was asked."""

    question: str
    count: int
    wordings: list[str]
    answered: int


@dataclass
class DownVoted:
    question: str
    searched_for: str | None
    confidence: str
    passage_ids: list[str]
    up: int
    down: int
    comments: list[str]


@dataclass
class Report:
    since: str
    until: str
    guild_id: int | None
    questions: int
    followups: int
    confidence: dict[str, int]
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    votes_up: int
    votes_down: int
    top: list[Group] = field(default_factory=list)
    refused: list[Group] = field(default_factory=list)
    down_voted: list[DownVoted] = field(default_factory=list)
    per_day: list[dict[str, Any]] = field(default_factory=list)

    def share(self, confidence: str) -> float:
        return self.confidence.get(confidence, 0) / self.questions if self.questions else 0.0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["confidence_share"] = {c: round(self.share(c), 3) for c in CONFIDENCES}
        return data


def percentile(values: Sequence[float], share: float) -> float | None:
    """Nearest-rank percentile; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[max(0, math.ceil(share * len(ordered)) - 1)], 1)


MAX_COMPARED = 500  # distinct wordings compared by meaning in one report (the most frequent first)


def group_questions(texts: list[str], encode: Encoder | None, threshold: float = SAME_QUESTION) -> list[list[int]]:
    """Indices of `texts` grouped: the same words (case and spacing aside), or embeddings closer than
    `threshold`. Greedy, most frequent wording first; groups in order of size."""
    norm = [" ".join(t.casefold().split()).rstrip("?!. ") for t in texts]
    by_text: dict[str, list[int]] = defaultdict(list)
    for i, key in enumerate(norm):
        by_text[key].append(i)
    keys = sorted(by_text, key=lambda k: (-len(by_text[k]), k))
    if encode is None or len(keys) < 2:
        return [by_text[k] for k in keys]
    # Only the most frequent wordings are compared by meaning (bounded work however long the log): the rest
    # were asked too rarely to change which groups lead, and stay grouped by their exact words.
    compared, rest = keys[:MAX_COMPARED], keys[MAX_COMPARED:]
    vectors = np.asarray(encode([texts[by_text[k][0]] for k in compared]), dtype=np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
    heads = np.zeros((len(compared), vectors.shape[1]), dtype=np.float32)  # one row per group, filled in order
    groups: list[list[int]] = []
    for i, key in enumerate(compared):
        if groups:
            sims = heads[: len(groups)] @ vectors[i]
            best = int(np.argmax(sims))
            if sims[best] >= threshold:
                groups[best].extend(by_text[key])
                continue
        heads[len(groups)] = vectors[i]
        groups.append(list(by_text[key]))
    groups += [list(by_text[k]) for k in rest]
    return sorted(groups, key=lambda g: -len(g))


def _groups(rows: list[Any], encode: Encoder | None, limit: int) -> list[Group]:
    texts = [r.question for r in rows]
    out = []
    for indices in group_questions(texts, encode)[:limit]:
        wordings = list(dict.fromkeys(texts[i] for i in indices))
        out.append(Group(wordings[0], len(indices), wordings[1:6],
                         sum(1 for i in indices if rows[i].confidence != "none")))
    return out


def build_report(conn: Connection, *, since: dt.datetime, until: dt.datetime, guild_id: int | None = None,
                 encode: Encoder | None = None, top: int = TOP) -> Report:
    """The report over [since, until), for one server or all."""
    where = [questions.c.asked_at >= since, questions.c.asked_at < until]
    if guild_id is not None:
        where.append(questions.c.guild_id == guild_id)
    rows = conn.execute(sa.select(questions).where(*where).order_by(questions.c.asked_at)).all()
    message_ids = [r.message_id for r in rows if r.message_id is not None]
    vote_rows = conn.execute(sa.select(votes).where(votes.c.message_id.in_(message_ids))).all() if message_ids else []
    by_message: dict[int, list[Any]] = defaultdict(list)
    for vote in vote_rows:
        by_message[vote.message_id].append(vote)

    confidence = Counter(r.confidence for r in rows)
    latencies = [r.latency_ms for r in rows]
    down_voted = []
    for row in rows:
        cast = by_message.get(row.message_id, []) if row.message_id is not None else []
        down = sum(1 for v in cast if v.value < 0)
        if down:
            down_voted.append(DownVoted(row.question, row.searched_for, row.confidence,
                                        parse_passage_ids(row.passage_ids), sum(1 for v in cast if v.value > 0),
                                        down, [v.comment for v in cast if v.comment]))
    down_voted.sort(key=lambda d: (-d.down, d.question))
    days: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        days[row.asked_at.date().isoformat()][row.confidence] += 1
    per_day = [{"day": day, **{c: days[day].get(c, 0) for c in CONFIDENCES}} for day in sorted(days)]
    return Report(
        since=since.isoformat(timespec="seconds"), until=until.isoformat(timespec="seconds"), guild_id=guild_id,
        questions=len(rows), followups=sum(1 for r in rows if r.followup_of is not None),
        confidence={c: confidence.get(c, 0) for c in CONFIDENCES},
        latency_p50_ms=percentile(latencies, 0.5), latency_p95_ms=percentile(latencies, 0.95),
        votes_up=sum(1 for v in vote_rows if v.value > 0), votes_down=sum(1 for v in vote_rows if v.value < 0),
        top=_groups(list(rows), encode, top),
        refused=_groups([r for r in rows if r.confidence == "none"], encode, top),
        down_voted=down_voted[:top], per_day=per_day,
    )


# -- text ----------------------------------------------------------------------------------------


ENGLISH = texts("en")


def terminal_safe(text: str) -> str:
    """`text` with what a terminal would act on shown as escapes instead: control characters (escape
    sequences, NUL, newlines that would forge report lines) and invisible format characters (a right-to-left
    override); what people typed stays readable, none of it reaches the terminal as a command."""
    return "".join(
        ch if unicodedata.category(ch) not in _UNSAFE_CATEGORIES else ch.encode("unicode_escape").decode("ascii")
        for ch in text
    )


_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})


def render_text(report: Report, t: Texts = ENGLISH) -> str:
    """The report as plain text, its framing in the language of `t`; the questions and comments as people typed
    them, made `terminal_safe`."""
    return terminal_safe_lines(_render_text(report, t))


def terminal_safe_lines(text: str) -> str:
    return "\n".join(terminal_safe(line) for line in text.split("\n"))


def _render_text(report: Report, t: Texts = ENGLISH) -> str:
    scope = (t._("server {id}", id=report.guild_id) if report.guild_id is not None else t._("all servers"))
    lines = [t._("Questions from {since} to {until} UTC ({scope})", since=report.since, until=report.until,
                 scope=scope), ""]
    if not report.questions:
        return "\n".join([*lines, t._("No questions were recorded in this period.")])
    names = {"high": t.p_("confidence", "high"), "medium": t.p_("confidence", "medium"),
             "none": t.p_("confidence", "none")}
    shares = ", ".join(f"{names[c]} {t.percent(report.share(c))} ({report.confidence[c]})" for c in CONFIDENCES)
    p50 = "-" if report.latency_p50_ms is None else f"{t.number(report.latency_p50_ms, 0)} ms"
    p95 = "-" if report.latency_p95_ms is None else f"{t.number(report.latency_p95_ms, 0)} ms"
    none = "  " + t._("none")
    lines += [
        t.n_("Questions: {count} ({n} follow-up)", "Questions: {count} ({n} follow-ups)", report.followups,
             count=report.questions),
        t._("Confidence: {shares}", shares=shares),
        t._("Votes: {up} up, {down} down", up=report.votes_up, down=report.votes_down),
        t._("Answer time: p50 {p50}, p95 {p95}", p50=p50, p95=p95),
        "", t._("Most asked:"),
    ]
    lines += [_group_line(g, t) for g in report.top]
    lines += ["", t._("Refused (gaps in the corpus):")]
    lines += [_group_line(g, t) for g in report.refused] or [none]
    lines += ["", t._("Voted down:")]
    for d in report.down_voted:
        shown = t._("shown: {passages}", passages=", ".join(d.passage_ids) or "-")
        lines.append(f"  {d.down}↓ {d.up}↑  {terminal_safe(d.question)}  [{names.get(d.confidence, d.confidence)}] "
                     f"{shown}")
        lines += [f"      “{terminal_safe(c)}”" for c in d.comments]
    if not report.down_voted:
        lines.append(none)
    return "\n".join(lines)


def _group_line(group: Group, t: Texts = ENGLISH) -> str:
    also = ("  " + t._("(also: {wordings})", wordings="; ".join(map(terminal_safe, group.wordings)))
            if group.wordings else "")
    return f"  {group.count:>4}×  {terminal_safe(group.question)}{also}"


# -- HTML ----------------------------------------------------------------------------------------

_COLOURS = {"high": "#2e7d32", "medium": "#f9a825", "none": "#9e9e9e"}


def _bar_chart(per_day: list[dict[str, Any]]) -> str:
    """Questions per day, stacked by confidence (inline SVG)."""
    width, height, pad = 640, 220, 30
    if not per_day:
        return ""
    peak = max(sum(d[c] for c in CONFIDENCES) for d in per_day) or 1
    step = (width - 2 * pad) / len(per_day)
    bar = max(2.0, step * 0.7)
    parts = [f'<svg id="per-day" role="img" aria-label="Questions per day" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">',
             f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" stroke="#555"/>']
    for i, day in enumerate(per_day):
        x = pad + i * step + (step - bar) / 2
        y = height - pad
        for confidence in CONFIDENCES:
            h = (height - 2 * pad) * day[confidence] / peak
            if h:
                y -= h
                parts.append(f'<rect class="bar {confidence}" x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" '
                             f'height="{h:.1f}" fill="{_COLOURS[confidence]}"><title>{day["day"]}: '
                             f'{day[confidence]} {confidence}</title></rect>')
        parts.append(f'<text x="{x + bar / 2:.1f}" y="{height - pad + 14}" font-size="10" '
                     f'text-anchor="middle">{html.escape(day["day"][5:])}</text>')
    parts.append(f'<text x="{pad}" y="{pad - 10}" font-size="11">max {peak} a day</text></svg>')
    return "".join(parts)


def _share_chart(report: Report) -> str:
    """The share answered at each confidence, as one horizontal stacked bar (inline SVG)."""
    width, height = 640, 60
    parts = [f'<svg id="confidence" role="img" aria-label="Share per confidence" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">']
    x = 0.0
    for confidence in CONFIDENCES:
        w = width * report.share(confidence)
        if w:
            parts.append(f'<rect class="share {confidence}" x="{x:.1f}" y="0" width="{w:.1f}" height="34" '
                         f'fill="{_COLOURS[confidence]}"><title>{confidence}: {report.share(confidence):.0%}'
                         f'</title></rect>')
            parts.append(f'<text x="{x + 4:.1f}" y="50" font-size="11">{confidence} '
                         f'{report.share(confidence):.0%}</text>')
        x += w
    parts.append("</svg>")
    return "".join(parts)


def render_html(report: Report) -> str:
    """One self-contained page: no script, no external file; the charts are inline SVG."""
    e = html.escape
    scope = f"server {report.guild_id}" if report.guild_id is not None else "all servers"

    def groups_table(groups: list[Group], caption: str, table_id: str) -> str:
        rows = "".join(f"<tr><td class='n'>{g.count}</td><td>{e(g.question)}"
                       + (f"<div class='also'>also: {e('; '.join(g.wordings))}</div>" if g.wordings else "")
                       + "</td></tr>" for g in groups) or "<tr><td colspan='2'>none</td></tr>"
        return f"<h2>{e(caption)}</h2><table id='{table_id}'><tr><th>Times</th><th>Question</th></tr>{rows}</table>"

    down_rows = "".join(
        f"<tr><td class='n'>{d.down}</td><td class='n'>{d.up}</td><td>{e(d.question)}"
        + "".join(f"<div class='also'>“{e(c)}”</div>" for c in d.comments)
        + f"</td><td>{e(d.confidence)}</td><td>{e(', '.join(d.passage_ids))}</td></tr>"
        for d in report.down_voted) or "<tr><td colspan='5'>none</td></tr>"
    p50 = "–" if report.latency_p50_ms is None else f"{report.latency_p50_ms:.0f} ms"
    p95 = "–" if report.latency_p95_ms is None else f"{report.latency_p95_ms:.0f} ms"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>summit-bot report</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; color: #222; }}
table {{ border-collapse: collapse; width: 100%; margin-bottom: 1.5rem; }}
td, th {{ border-bottom: 1px solid #ddd; padding: .3rem .5rem; text-align: left; vertical-align: top; }}
td.n {{ text-align: right; width: 4rem; }} .also {{ color: #666; font-size: .85rem; }}
.figures span {{ display: inline-block; margin-right: 2rem; }} .figures b {{ font-size: 1.4rem; }}
</style></head><body>
<h1>What people asked summit-bot</h1>
<p>{e(report.since)} to {e(report.until)} UTC, {e(scope)}.</p>
<p class="figures"><span><b id="questions">{report.questions}</b> questions</span>
<span><b>{report.followups}</b> follow-ups</span>
<span><b id="votes-up">{report.votes_up}</b> 👍 / <b id="votes-down">{report.votes_down}</b> 👎</span>
<span>answer time p50 <b id="p50">{p50}</b>, p95 <b id="p95">{p95}</b></span></p>
<h2>Questions per day</h2>{_bar_chart(report.per_day)}
<h2>Share per confidence</h2>{_share_chart(report)}
{groups_table(report.top, "Most asked", "top")}
{groups_table(report.refused, "Refused: the gaps in the corpus", "refused")}
<h2>Voted down</h2><table id="down-voted"><tr><th>👎</th><th>👍</th><th>Question</th><th>Confidence</th>
<th>Passages shown</th></tr>{down_rows}</table>
</body></html>
"""


# -- the loop back into the eval set -------------------------------------------------------------


def export_eval(conn: Connection, path: Path, *, since: dt.datetime, until: dt.datetime,
                guild_id: int | None = None) -> int:
    """Refused and down-voted questions as eval records (JSON Lines), to be labelled; how many were written.

    `kind` is the bot's guess (refused: `off_topic`; down-voted: `in_scope`) and `expected` is empty:
    a maintainer sets both before adding a record to the dev set. `shown` keeps the passages shown.
    """
    from bot.retrieval.language import looks_spanish

    report = build_report(conn, since=since, until=until, guild_id=guild_id, encode=None, top=10_000)
    records: list[dict[str, Any]] = []
    seen: set[str] = set()
    for group in report.refused:
        for text in (group.question, *group.wordings):
            if text.casefold() not in seen:
                seen.add(text.casefold())
                records.append({"question": text, "kind": "off_topic", "tags": ["from_log", "refused"]})
    for down in report.down_voted:
        if down.question.casefold() not in seen:
            seen.add(down.question.casefold())
            record: dict[str, Any] = {"question": down.question, "kind": "in_scope", "shown": down.passage_ids,
                                      "tags": ["from_log", "down_voted"]}
            if down.comments:
                record["comments"] = down.comments
            records.append(record)
    with atomic_file(path, "w", encoding="utf-8") as out:  # a failure leaves no half-written file
        for number, record in enumerate(records, start=1):
            lang = "es" if looks_spanish(record["question"]) else "en"
            row = {"id": f"log{number:03d}", "question": record["question"], "expected": [],
                   "kind": record["kind"], "lang": lang, "tags": record["tags"]}
            row.update({k: v for k, v in record.items() if k in ("shown", "comments")})
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return len(records)
