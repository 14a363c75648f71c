"""docs/replies/render.py: Discord payloads drawn as HTML (markdown, escaping) and as PNG with headless Chromium."""

from __future__ import annotations

import importlib.util
import shutil
import struct
import sys
from pathlib import Path
from types import ModuleType

import pytest

RENDER_PATH = Path(__file__).resolve().parents[1] / "docs" / "replies" / "render.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("reply_pictures_render", RENDER_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


render = _load()


def test_markdown_bold_italic_underline_strike_and_code_become_tags() -> None:
    out = render.markdown_html("**b** *i* _j_ __u__ ~~s~~ `a*b*c`")
    assert "<strong>b</strong>" in out
    assert "<em>i</em>" in out and "<em>j</em>" in out
    assert "<u>u</u>" in out and "<s>s</s>" in out
    assert "<code>a*b*c</code>" in out  # no markdown inside code


def test_markdown_consecutive_quote_lines_form_one_block_quote() -> None:
    out = render.markdown_html("intro\n> one\n> **two**\nafter")
    assert out.count('<div class="quote">') == 1
    assert '<div class="quote">one<br><strong>two</strong></div>' in out
    assert out.startswith("intro") and out.endswith("after")


def test_markdown_backslash_escapes_show_the_literal_character() -> None:
    out = render.markdown_html(r"\*not italic\* \_x\_ \[a\]\(b\) \\ \> \- \# \~ \| \`")
    assert "<em>" not in out and "<a " not in out and "<code>" not in out
    assert "*not italic*" in out and "_x_" in out and "[a](b)" in out
    assert "\\ &gt; - # ~ | `" in out
    assert render.markdown_html(r"\> not a quote") == "&gt; not a quote"


def test_markdown_masked_link_keeps_url_out_of_italics_and_newlines_break() -> None:
    out = render.markdown_html("[the *transcript*](https://example.org/a_b_c?x=1&y=2)\nnext\u200b")
    assert '<a href="https://example.org/a_b_c?x=1&amp;y=2">the <em>transcript</em></a>' in out
    assert "<br>next\u200b" in out


def test_user_text_with_script_tag_is_escaped_everywhere() -> None:
    evil = "<script>alert(1)</script>"
    page = render.message_html({
        "content": evil,
        "embeds": [{"title": evil, "description": evil, "author": {"name": evil}, "footer": {"text": evil},
                    "fields": [{"name": evil, "value": evil, "inline": True}]}],
        "components": [{"type": 1, "components": [{"type": 2, "style": 1, "label": evil, "custom_id": "x"}]}],
    }, bot_name=evil, asker=evil, question=evil)
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_footer_and_author_are_plain_text_without_markdown() -> None:
    page = render.message_html({"embeds": [{"author": {"name": "**a**"}, "footer": {"text": "_f_"}}]})
    assert "**a**" in page and "_f_" in page and "<strong>" not in page and "<em>" not in page


def test_payload_without_embeds_or_components_still_renders() -> None:
    page = render.message_html({"content": "just text"})
    assert page.startswith("<!DOCTYPE html>") and "just text" in page and 'class="embed"' not in page
    assert "summit-bot" in render.message_html({})  # even an empty payload draws the author line


def test_render_png_writes_a_cropped_png_with_chromium(tmp_path: Path) -> None:
    if not any(shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome")):
        pytest.skip("headless Chromium is not installed (chromium / chromium-browser)")
    payload = {"content": "**Hello** > there",
               "embeds": [{"title": "T", "description": "> quoted\nplain", "color": 0x5865F2,
                           "fields": [{"name": "a", "value": "1", "inline": True}], "footer": {"text": "f"}}],
               "components": [{"type": 1, "components": [{"type": 2, "style": 1, "label": "Go", "custom_id": "g"}]}]}
    out = tmp_path / "reply.png"
    render.render_png(render.message_html(payload, asker="ana", question="Q?"), out, width=640)
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert width == 640
    assert 100 < height < render.PROBE_HEIGHT // 4  # fits the content, not the tall measuring window


def test_main_renders_a_wrapped_json_file_next_to_it(tmp_path: Path) -> None:
    if not any(shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome")):
        pytest.skip("headless Chromium is not installed (chromium / chromium-browser)")
    source = tmp_path / "a.json"
    source.write_text('{"payload": {"content": "hi"}, "asker": "ana", "question": "why?"}', encoding="utf-8")
    assert render.main([str(source)]) == 0
    assert (tmp_path / "a.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
