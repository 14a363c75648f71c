"""`summit-bot report` on a store filled here: the expected figures as text, JSON and HTML (opened in real
headless Chromium, which must draw its charts), and `--export-eval` records that the eval loader reads."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from bot.answering.engine import Engine
from bot.report import CONFIDENCES, parse_since
from bot.settings import Settings
from bot.store import QuestionRecord, Store, utcnow
from bot.tools.evaluation import load_questions
from tests.conftest import CORPUS_DIR, make_settings

SUMMIT_BOT = Path(sys.executable).with_name("summit-bot")
G1, G2 = 111, 222
ASKED = [  # (question, confidence, latency ms, message id)
    ("What did Maduro propose?", "high", 10, 101), ("What did Maduro propose?", "high", 20, 102),
    ("What did Maduro propose?", "high", 30, 103), ("What was proposed by Maduro?", "high", 40, 104),
    ("Who wrote the article?", "medium", 50, 105), ("Who wrote the article?", "medium", 60, 106),
    ("who is the author of the article", "medium", 70, 107),
    ("How do I bake sourdough bread?", "none", 80, 108), ("How do I bake sourdough bread?", "none", 90, 109),
    ("how to make sourdough bread", "none", 100, 110), ("What is the capital of France?", "none", 110, 111),
]
SHOWN = ("alba-summit-2025-02-06#meta", "alba-summit-2025-02-06#p1")


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory, engine: Engine) -> Path:
    """A state directory whose store holds ASKED (server G1), one question elsewhere, one too old, and votes."""
    root = tmp_path_factory.mktemp("report")
    store = Store.open(make_settings(root))
    now = utcnow()
    for i, (question, confidence, latency, message_id) in enumerate(ASKED):
        store.record(QuestionRecord(question, None, confidence, SHOWN, latency, store.user_key(i), guild_id=G1,
                                    channel_id=1, message_id=message_id, followup_of=110 if message_id == 111 else None,
                                    asked_at=now - dt.timedelta(hours=i + 1)))
    store.record(QuestionRecord("Which bank funds the plan?", None, "high", SHOWN, 500, "x", guild_id=G2,
                                message_id=200, asked_at=now - dt.timedelta(days=1)))
    store.record(QuestionRecord("An old question", None, "high", SHOWN, 5, "y", guild_id=G1, message_id=300,
                                asked_at=now - dt.timedelta(days=10)))
    a, b, c = (store.user_key(n) for n in (1001, 1002, 1003))
    for message_id, voter, value in ((101, a, 1), (101, b, 1), (105, a, -1), (105, b, 1), (108, c, -1)):
        store.vote(message_id, voter, value).result(10)
    store.comment(105, a, "It names the outlet, not the author").result(10)
    store.close()
    return root


def report(root: Path, settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SUMMIT_BOT_", "DISCORD_"))}
    env.update(SUMMIT_BOT_STATE_DIR=str(root / "state"), SUMMIT_BOT_INDEX_DIR=str(settings.index_dir),
               SUMMIT_BOT_CORPUS_DIR=str(CORPUS_DIR), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    result = subprocess.run([str(SUMMIT_BOT), "report", *args], env=env, cwd=root, capture_output=True, text=True,
                            timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    return result


def test_the_json_report_has_the_figures_of_the_store(filled: Path, settings: Settings) -> None:
    data = json.loads(report(filled, settings, "--since", "7d", "--guild", str(G1), "--json").stdout)
    assert data["questions"] == 11 and data["followups"] == 1
    assert data["confidence"] == {"high": 4, "medium": 3, "none": 4}
    assert data["confidence_share"] == {"high": 0.364, "medium": 0.273, "none": 0.364}
    assert (data["latency_p50_ms"], data["latency_p95_ms"]) == (60, 110)
    assert (data["votes_up"], data["votes_down"]) == (3, 2)
    top = [(g["question"], g["count"], g["wordings"]) for g in data["top"]]
    assert top == [  # the same question in other words counted together (embeddings), largest first
        ("What did Maduro propose?", 4, ["What was proposed by Maduro?"]),
        ("How do I bake sourdough bread?", 3, ["how to make sourdough bread"]),
        ("Who wrote the article?", 3, ["who is the author of the article"]),
        ("What is the capital of France?", 1, []),
    ]
    assert [(g["question"], g["count"]) for g in data["refused"]] == [
        ("How do I bake sourdough bread?", 3), ("What is the capital of France?", 1)]
    down = [(d["question"], d["down"], d["up"], d["passage_ids"], d["comments"]) for d in data["down_voted"]]
    assert down == [("How do I bake sourdough bread?", 1, 0, list(SHOWN), []),
                    ("Who wrote the article?", 1, 1, list(SHOWN), ["It names the outlet, not the author"])]
    everywhere = json.loads(report(filled, settings, "--since", "7d", "--json").stdout)
    assert everywhere["questions"] == 12 and everywhere["latency_p95_ms"] == 500  # G2 counted, the old one not
    assert json.loads(report(filled, settings, "--since", "30d", "--json").stdout)["questions"] == 13


def test_the_text_report_says_the_same(filled: Path, settings: Settings) -> None:
    text = report(filled, settings, "--guild", str(G1)).stdout
    assert "Questions: 11 (1 follow-up)" in text
    assert "Confidence: high 36% (4), medium 27% (3), none 36% (4)" in text
    assert "Votes: 3 up, 2 down" in text and "Answer time: p50 60 ms, p95 110 ms" in text
    assert "     4×  What did Maduro propose?  (also: What was proposed by Maduro?)" in text
    assert "“It names the outlet, not the author”" in text


def test_export_eval_writes_refused_and_down_voted_questions_to_label(filled: Path, settings: Settings,
                                                                      tmp_path: Path) -> None:
    out = tmp_path / "to-label.jsonl"
    result = report(filled, settings, "--guild", str(G1), "--export-eval", str(out))
    assert "wrote 4 question(s) to label" in result.stderr
    records = load_questions(out)  # the eval format, as `summit-bot eval` reads it
    assert [(q.question, q.kind, q.expected) for q in records] == [
        ("How do I bake sourdough bread?", "off_topic", ()), ("how to make sourdough bread", "off_topic", ()),
        ("What is the capital of France?", "off_topic", ()), ("Who wrote the article?", "in_scope", ())]
    raw = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert raw[-1]["shown"] == list(SHOWN) and "down_voted" in raw[-1]["tags"]


def test_a_bad_period_is_refused_with_one_line(filled: Path, settings: Settings) -> None:
    with pytest.raises(AssertionError, match="--since takes a period"):
        report(filled, settings, "--since", "last tuesday")
    assert parse_since("2w", dt.datetime(2025, 3, 1)) == dt.datetime(2025, 2, 15)


# -- the HTML page in a real browser ------------------------------------------------------------------


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.skip("Chromium is not installed (.ci/run installs it: apt-get install chromium)")
    return found


def png_pixels(data: bytes) -> tuple[int, int, list[tuple[int, int, int]]]:
    """Width, height and RGB pixels of an 8-bit, non-interlaced RGB or RGBA PNG (Chromium's screenshots)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = chunk
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and colour in (2, 6), (depth, colour)
    channels = 4 if colour == 6 else 3
    raw = zlib.decompress(idat)
    stride = width * channels
    rows: list[bytearray] = []
    previous = bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 255
        rows.append(line)
        previous = line
    pixels = [tuple(row[x * channels:x * channels + 3]) for row in rows for x in range(width)]
    return width, height, pixels  # type: ignore[return-value]


def test_the_html_page_draws_its_charts_in_headless_chromium(filled: Path, settings: Settings,
                                                             tmp_path: Path) -> None:
    browser = chromium()
    page = tmp_path / "report.html"
    report(filled, settings, "--guild", str(G1), "--html", str(page))
    source = page.read_text(encoding="utf-8")
    assert "<script" not in source and "http://" not in source.replace("http://www.w3.org/2000/svg", "")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}",
             "--window-size=1000,1400", "--hide-scrollbars"]
    dom = subprocess.run([browser, *flags, "--dump-dom", page.as_uri()], capture_output=True, text=True,
                         timeout=120, check=True).stdout
    assert dom.count('class="bar ') >= 3 and dom.count('class="share ') == 3
    assert '<b id="questions">11</b>' in dom and '<b id="p95">110 ms</b>' in dom
    shot = tmp_path / "report.png"
    subprocess.run([browser, *flags, f"--screenshot={shot}", page.as_uri()], capture_output=True, timeout=120,
                   check=True)
    width, height, pixels = png_pixels(shot.read_bytes())
    assert (width, height) == (1000, 1400)
    colours = {"high": (0x2E, 0x7D, 0x32), "medium": (0xF9, 0xA8, 0x25), "none": (0x9E, 0x9E, 0x9E)}
    drawn = {name: sum(1 for p in pixels if all(abs(a - b) <= 3 for a, b in zip(p, rgb, strict=True)))
             for name, rgb in colours.items()}
    assert all(drawn[c] > 2000 for c in CONFIDENCES), drawn  # both charts painted in each confidence's colour


def test_the_text_report_in_spanish(filled: Path, settings: Settings) -> None:
    text = report(filled, settings, "--guild", str(G1), "--lang", "es").stdout
    assert text.startswith("Preguntas del ")
    assert "Preguntas: 11 (1 de seguimiento)" in text
    assert "Confianza: alta 36\u00a0% (4), media 27\u00a0% (3), ninguna 36\u00a0% (4)" in text
    assert "Votos: 3 a favor, 2 en contra" in text
    assert "(también: What was proposed by Maduro?)" in text  # the questions as people asked them


def test_the_text_report_shows_control_characters_typed_by_members_as_escapes(tmp_path: Path) -> None:
    """A 👎 comment or question with escape sequences, NUL, a right-to-left override or newlines: the terminal
    receives none of them (no title change, clear screen or colours), and no forged report line."""
    from bot.report import build_report, render_text

    store = Store.open(make_settings(tmp_path))
    hostile = "\x1b]0;owned\x07\x1b[2J\x1b[31mred\x00 \u202eevil\nVoted down:\n  99↓ forged"
    try:
        store.record(QuestionRecord(hostile, None, "none", SHOWN, 5, "x", guild_id=G1, message_id=1))
        store.vote(1, "x", -1).result(10)
        store.comment(1, "x", hostile).result(10)
        store.flush()
        now = utcnow()
        text = render_text(store.read(lambda conn: build_report(
            conn, since=now - dt.timedelta(days=1), until=now + dt.timedelta(seconds=1))))
    finally:
        store.close()
    assert not [ch for ch in text if ch != "\n" and (ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0 or ch == "\u202e")]
    assert "\\x1b]0;owned" in text and "\\u202e" in text  # shown, not acted on
    assert not [line for line in text.split("\n") if line.startswith("  99↓ forged")]


def test_grouping_a_long_question_log_compares_a_bounded_number_of_wordings() -> None:
    """A busy server's year of questions: only the most frequent wordings are embedded and compared (a
    bounded cost), the rest are grouped by their words; the groups that lead are still found."""
    import numpy as np

    from bot.report import MAX_COMPARED, group_questions

    embedded: list[int] = []

    def encode(batch: list[str]) -> np.ndarray:
        embedded.append(len(batch))
        rng = np.random.default_rng(len(batch))
        vectors = rng.normal(size=(len(batch), 256)).astype(np.float32)
        vectors[[i for i, text in enumerate(batch) if "maduro" in text.lower()]] = 1.0  # one meaning
        return vectors

    texts = (["What did Maduro propose?"] * 30 + ["what did maduro propose"] * 5 + ["Maduro's proposal?"] * 4
             + [f"a question asked once, number {i}" for i in range(5_000)])
    groups = group_questions(texts, encode)
    assert sum(embedded) <= MAX_COMPARED
    assert len(groups[0]) == 39  # the three wordings of one question, grouped by meaning
    assert sum(len(g) for g in groups) == len(texts)
