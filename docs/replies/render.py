"""Draw a Discord "create message" payload as a PNG that looks like Discord's dark theme.

    python docs/replies/render.py a.json [b.json ...]   # writes a.png next to each

A JSON file holds the payload itself, or {"payload": {...}, "asker": "...", "question": "..."}.
Standard library only; the picture is taken by headless Chromium (`chromium` or `chromium-browser`).
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

_SANS = '"gg sans", "Noto Sans", "Helvetica Neue", Helvetica, Arial, "DejaVu Sans", "Liberation Sans", sans-serif'
_MONO = 'Consolas, "Andale Mono WT", "DejaVu Sans Mono", "Liberation Mono", Menlo, monospace'
_CSS = f"""
html {{ background: #313338; }}
body {{ margin: 0; padding: 14px 16px 14px 0; background: #313338; color: #dbdee1;
  font: 16px/1.375 {_SANS}; -webkit-font-smoothing: antialiased; }}
.reply {{ position: relative; display: flex; align-items: center; gap: 4px; margin: 0 0 4px 72px;
  font-size: 14px; line-height: 18px; color: #b5bac1; white-space: nowrap; }}
.reply::before {{ content: ""; position: absolute; left: -36px; top: 8px; width: 30px; height: 12px;
  border-left: 2px solid #4e5058; border-top: 2px solid #4e5058; border-top-left-radius: 6px; }}
.reply .mini {{ width: 16px; height: 16px; border-radius: 50%; background: #80848e; flex: none; }}
.reply .who {{ color: #f2f3f5; font-weight: 500; flex: none; }}
.reply .q {{ min-width: 0; overflow: hidden; text-overflow: ellipsis; }}
.msg {{ display: flex; }}
.avatar {{ width: 40px; height: 40px; border-radius: 50%; background: #5865f2; color: #fff; flex: none;
  margin: 2px 16px 0 16px; display: flex; align-items: center; justify-content: center;
  font-weight: 600; font-size: 18px; }}
.body {{ min-width: 0; flex: 1; }}
.head {{ display: flex; align-items: center; gap: 4px; line-height: 22px; }}
.name {{ color: #f2f3f5; font-weight: 500; }}
.app {{ background: #5865f2; color: #fff; font-size: 10px; font-weight: 600; line-height: 15px;
  padding: 0 4px; border-radius: 3px; margin-left: 2px; }}
.time {{ color: #949ba4; font-size: 12px; margin-left: 4px; }}
.md {{ white-space: pre-wrap; overflow-wrap: anywhere; }}
.md a, .embed .title a {{ color: #00a8fc; text-decoration: none; }}
.md code {{ font: 85%/1.125 {_MONO}; background: #2b2d31; border: 1px solid #1e1f22; border-radius: 4px;
  padding: 0 .2em; }}
.embed .md code {{ background: #1e1f22; }}
.md pre {{ font: 14px/1.125 {_MONO}; background: #2b2d31; border: 1px solid #1e1f22; border-radius: 4px;
  padding: 7px; margin: 6px 0 0; white-space: pre-wrap; max-width: 90%; }}
.embed .md pre {{ background: #1e1f22; }}
.quote {{ border-left: 4px solid #4e5058; border-radius: 4px; padding: 0 8px 0 12px; margin: 2px 0; }}
.spoiler {{ background: #1e1f22; color: transparent; border-radius: 4px; }}
.h1, .h2, .h3 {{ color: #f2f3f5; font-weight: 700; margin: 8px 0 0; line-height: 1.375; }}
.h1 {{ font-size: 1.5em; }} .h2 {{ font-size: 1.25em; }} .h3 {{ font-size: 1em; }}
.sub {{ color: #949ba4; font-size: .8125em; }}
.li {{ position: relative; padding-left: 18px; }}
.li::before {{ content: "\\2022"; position: absolute; left: 4px; }}
.embed {{ max-width: 516px; box-sizing: border-box; background: #2b2d31; border-left: 4px solid #1e1f22;
  border-radius: 4px; padding: 8px 16px 16px 12px; margin-top: 8px; font-size: 14px; line-height: 18px; }}
.embed > div {{ margin-top: 8px; }}
.embed .author {{ color: #f2f3f5; font-weight: 600; }}
.embed .title {{ color: #f2f3f5; font-weight: 600; font-size: 16px; line-height: 22px; }}
.embed .row {{ display: flex; gap: 8px; }}
.embed .field {{ flex: 1; min-width: 0; }}
.embed .fname {{ color: #f2f3f5; font-weight: 600; margin-bottom: 2px; }}
.embed .footer {{ color: #949ba4; font-size: 12px; font-weight: 500; line-height: 16px; white-space: pre-wrap; }}
.buttons {{ display: flex; flex-wrap: wrap; gap: 8px; margin-top: 8px; }}
.buttons + .buttons {{ margin-top: 8px; }}
.btn {{ display: inline-flex; align-items: center; gap: 6px; height: 32px; min-width: 60px; box-sizing: border-box;
  padding: 2px 16px; justify-content: center; border-radius: 8px; color: #fff; font-size: 14px;
  font-weight: 500; background: #4e5058; white-space: nowrap; }}
.btn.s1 {{ background: #5865f2; }} .btn.s3 {{ background: #248046; }} .btn.s4 {{ background: #da373c; }}
.btn.off {{ opacity: .5; }}
.btn .emoji {{ font-size: 18px; line-height: 1; }}
"""

_ESCAPE_OR_CODE = re.compile(r"\\([^0-9A-Za-z\s])|```(?:[\w+-]*\n)?(.*?)\n?```|(`+)(.+?)\3", re.S)
_LINK = re.compile(r"\[([^\]\n]+)\]\((?:&lt;)?(https?://[^\s)\x00]+?)(?:&gt;)?\)")
_URL = re.compile(r"&lt;(https?://[^\s\x00]+?)&gt;|https?://(?:(?!&lt;|&gt;|&quot;)[^\s\x00])+")
_INLINE = [
    (re.compile(r"\*\*\*(?!\s)(.+?)\*\*\*"), r"<strong><em>\1</em></strong>"),
    (re.compile(r"\*\*(?!\s)(.+?)\*\*"), r"<strong>\1</strong>"),
    (re.compile(r"__(.+?)__(?!_)"), r"<u>\1</u>"),
    (re.compile(r"\*(?![\s*])(.+?)(?<![\s*])\*"), r"<em>\1</em>"),
    (re.compile(r"(?<![\w_])_(?!\s)(.+?)_(?![\w_])"), r"<em>\1</em>"),
    (re.compile(r"~~(.+?)~~"), r"<s>\1</s>"),
    (re.compile(r"\|\|(.+?)\|\|"), r'<span class="spoiler">\1</span>'),
]
_TOKEN = re.compile(r"\x00(\d+)\x00")


def markdown_html(text: str) -> str:
    """Discord's markdown (the subset bots use) as HTML: everything escaped first, then formatted."""
    stash: list[str] = []

    def keep(fragment: str) -> str:
        stash.append(fragment)
        return f"\x00{len(stash) - 1}\x00"

    def restore(s: str) -> str:
        while "\x00" in s:
            s = _TOKEN.sub(lambda m: stash[int(m[1])], s)
        return s

    def escape_or_code(m: re.Match[str]) -> str:
        if m[1] is not None:
            return keep(html.escape(m[1]))
        if m[4] is None:
            return keep(f"<pre>{html.escape(m[2])}</pre>")
        return keep(f"<code>{html.escape(m[4].strip() or m[4])}</code>")

    def link(m: re.Match[str]) -> str:
        return keep(f'<a href="{restore(m[2])}">') + m[1] + keep("</a>")

    def url(m: re.Match[str]) -> str:
        href = m[1] or m[0]
        tail = ""
        while href[-1] in ".,:;!?'" or (href[-1] == ")" and href.count("(") < href.count(")")):
            href, tail = href[:-1], href[-1] + tail
        return keep(f'<a href="{restore(href)}">{restore(href)}</a>') + tail

    text = _ESCAPE_OR_CODE.sub(escape_or_code, text.replace("\x00", "").replace("\r\n", "\n"))
    text = html.escape(text, quote=True)
    text = _URL.sub(url, _LINK.sub(link, text))
    for pattern, replacement in _INLINE:
        text = pattern.sub(replacement, text)
    return restore(_blocks(text.split("\n"), in_quote=False))


def _blocks(lines: list[str], *, in_quote: bool) -> str:
    """Line-level markdown: block quotes (consecutive `> ` lines, or `>>> ` to the end), headings, lists."""
    out: list[str] = []
    inline = False  # the previous piece was a text line: the next one starts after a line break
    i = 0
    while i < len(lines):
        line, block = lines[i], None
        if not in_quote and line.startswith("&gt;&gt;&gt; "):
            block = f'<div class="quote">{_blocks([line[13:], *lines[i + 1:]], in_quote=True)}</div>'
            i = len(lines)
        elif not in_quote and (line.startswith("&gt; ") or line == "&gt;"):
            body = []
            while i < len(lines) and (lines[i].startswith("&gt; ") or lines[i] == "&gt;"):
                body.append(lines[i][5:])
                i += 1
            block = f'<div class="quote">{_blocks(body, in_quote=True)}</div>'
        elif m := re.match(r"(#{1,3}) (?=\S)(.*)$", line):
            block, i = f'<div class="h{len(m[1])}">{m[2]}</div>', i + 1
        elif m := re.match(r"-# (?=\S)(.*)$", line):
            block, i = f'<div class="sub">{m[1]}</div>', i + 1
        elif m := re.match(r"( *)[-*] (?=\S)(.*)$", line):
            indent = 1 + len(m[1]) // 2
            block, i = f'<div class="li" style="margin-left:{(indent - 1) * 18}px">{m[2]}</div>', i + 1
        if block is not None:
            out.append(block)
            inline = False
            continue
        out.append(("<br>" if inline else "") + line)
        inline, i = True, i + 1
    return "".join(out)


def _text(value: object) -> str:
    return html.escape(value) if isinstance(value, str) else ""


def _embed_html(embed: dict[str, Any]) -> str:
    color = embed.get("color")
    bar = f"#{color:06x}" if isinstance(color, int) and not isinstance(color, bool) and color > 0 else "#1e1f22"
    parts: list[str] = []
    author = embed.get("author") or {}
    if author.get("name"):
        parts.append(f'<div class="author">{_text(author["name"])}</div>')
    if embed.get("title"):
        title = markdown_html(str(embed["title"]))
        if isinstance(embed.get("url"), str):
            title = f'<a href="{html.escape(embed["url"])}">{title}</a>'
        parts.append(f'<div class="title md">{title}</div>')
    if embed.get("description"):
        parts.append(f'<div class="md">{markdown_html(str(embed["description"]))}</div>')
    row: list[str] = []
    rows: list[str] = []
    for field in embed.get("fields") or []:
        cell = (f'<div class="field"><div class="fname md">{markdown_html(str(field.get("name", "")))}</div>'
                f'<div class="md">{markdown_html(str(field.get("value", "")))}</div></div>')
        if not field.get("inline") or len(row) == 3:
            if row:
                rows.append(f'<div class="row">{"".join(row)}</div>')
            row = []
        if field.get("inline"):
            row.append(cell)
        else:
            rows.append(f'<div class="row">{cell}</div>')
    if row:
        rows.append(f'<div class="row">{"".join(row)}</div>')
    parts.extend(rows)
    footer = embed.get("footer") or {}
    if footer.get("text"):
        parts.append(f'<div class="footer">{_text(footer["text"])}</div>')
    return f'<div class="embed" style="border-left-color:{bar}">{"".join(parts)}</div>'


def _button_html(button: dict[str, Any]) -> str:
    style = button.get("style") if button.get("style") in (1, 2, 3, 4, 5) else 2
    inner = ""
    emoji = button.get("emoji") or {}
    if emoji.get("name"):
        name = str(emoji["name"])
        inner += f'<span class="emoji">{html.escape(f":{name}:" if emoji.get("id") else name)}</span>'
    if button.get("label"):
        inner += f"<span>{_text(str(button['label']))}</span>"
    if style == 5:
        inner += '<span class="emoji" style="font-size:14px">\u2197</span>'
    return f'<span class="btn s{style}{" off" if button.get("disabled") else ""}">{inner}</span>'


def message_html(payload: dict[str, Any], *, bot_name: str = "summit-bot", asker: str | None = None,
                 question: str | None = None) -> str:
    """A standalone HTML page (inline CSS, no network) drawing `payload` as one Discord message."""
    reply = ""
    if asker or question:
        who = f'<span class="who">@{html.escape(asker)}</span>' if asker else ""
        q = html.escape(" ".join((question or "").split()))
        reply = f'<div class="reply"><span class="mini"></span>{who}<span class="q">{q}</span></div>'
    body = [f'<div class="head"><span class="name">{html.escape(bot_name)}</span><span class="app">APP</span>'
            '<span class="time">Today at 12:00</span></div>']
    if payload.get("content"):
        body.append(f'<div class="md">{markdown_html(str(payload["content"]))}</div>')
    body.extend(_embed_html(embed) for embed in payload.get("embeds") or [] if isinstance(embed, dict))
    for row in payload.get("components") or []:
        buttons = [_button_html(c) for c in row.get("components") or [] if c.get("type") == 2]
        if buttons:
            body.append(f'<div class="buttons">{"".join(buttons)}</div>')
    initial = html.escape(bot_name[:1].upper() or "?")
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(bot_name)}</title>'
            f"<style>{_CSS}</style></head><body>{reply}<div class=\"msg\"><div class=\"avatar\">{initial}</div>"
            f'<div class="body">{"".join(body)}</div></div></body></html>\n')


PROBE_HEIGHT = 4000  # the window of the measuring pass: taller than any one message
_MEASURE = ("<script>document.documentElement.setAttribute('data-render-height',"
            "Math.ceil(document.documentElement.getBoundingClientRect().height))</script>")


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        if found := shutil.which(name):
            return found
    raise RuntimeError("headless Chromium is needed to draw the picture: install `chromium` (or chromium-browser)")


def _run_chromium(binary: str, profile: str, width: int, height: int, *args: str) -> str:
    command = [binary, "--headless", "--disable-gpu", "--no-sandbox", "--hide-scrollbars", "--no-first-run",
               "--disable-dev-shm-usage", "--force-color-profile=srgb", "--force-device-scale-factor=1",
               f"--user-data-dir={profile}", f"--window-size={width},{height}", *args]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise RuntimeError(f"chromium could not run ({binary}): {error}") from error
    if done.returncode != 0:
        raise RuntimeError(f"chromium failed (exit {done.returncode}): {done.stderr.strip()}")
    return done.stdout


def render_png(html_page: str, out: Path, *, width: int = 700) -> None:
    """Screenshot `html_page` with headless Chromium into `out`, exactly as tall as its content.

    Two passes: the first lays the page out in a tall window and reads back its height (--dump-dom),
    the second takes the picture at that height."""
    binary = _chromium()
    out = Path(out).resolve()
    with tempfile.TemporaryDirectory(prefix="render-") as tmp:
        page = Path(tmp, "page.html")
        probe = Path(tmp, "probe.html")
        page.write_text(html_page, encoding="utf-8")
        lower = html_page.lower()
        at = lower.rfind("</body>") if "</body>" in lower else len(html_page)
        probe.write_text(html_page[:at] + _MEASURE + html_page[at:], encoding="utf-8")
        dom = _run_chromium(binary, str(Path(tmp, "profile")), width, PROBE_HEIGHT, "--dump-dom", probe.as_uri())
        found = re.search(r'data-render-height="(\d+)"', dom)
        if not found:
            raise RuntimeError("chromium did not report the page's height (--dump-dom gave no data-render-height)")
        height = max(1, min(int(found[1]), 16384))
        out.unlink(missing_ok=True)
        _run_chromium(binary, str(Path(tmp, "profile")), width, height, f"--screenshot={out}", page.as_uri())
        if not out.is_file() or out.stat().st_size == 0:
            raise RuntimeError(f"chromium wrote no picture at {out}")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or any(a in ("-h", "--help") for a in args):
        print(__doc__.strip() if __doc__ else "usage: render.py a.json [b.json ...]")
        return 0 if args else 2
    for name in args:
        source = Path(name)
        try:
            data = json.loads(source.read_text(encoding="utf-8"))
            wrapped = isinstance(data, dict) and isinstance(data.get("payload"), dict)
            payload = data["payload"] if wrapped else data
            if not isinstance(payload, dict):
                raise ValueError("the file holds neither a payload object nor {\"payload\": {...}}")
            page = message_html(payload, asker=data.get("asker") if wrapped else None,
                                question=data.get("question") if wrapped else None)
            render_png(page, source.with_suffix(".png"))
        except (OSError, ValueError, RuntimeError) as error:
            print(f"{source}: {error}", file=sys.stderr)
            return 1
        print(source.with_suffix(".png"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
