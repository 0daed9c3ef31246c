"""Hostile text from cells and file names stays text in every medium: Markdown, Plotly, the terminal."""

from __future__ import annotations

import re

import pytest

from indicators.output import escape

HOSTILE = [
    "![x](https://evil.example/pixel.png)",
    "[点这里](https://evil.example)",
    '<a href="https://evil.example">官方通知</a>',
    "<img src=x onerror=alert(1)>",
    "<span style='font-size:80px'>大</span>",
    ":red[伪造的警告] :material/warning: :smile:",
    "$\\frac{1}{0}$",
    "**粗体** _斜体_ `代码` # 标题",
    "\x1b]0;被改了标题\x07\x1b[2J",
    "第一行\n# 第二行标题",
    "\u202etxt.exe",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_escapes_every_character_that_could_format_link_or_load(text):
    shown = escape.markdown(text)
    unescaped = re.sub(r"\\(.)", "", shown)  # what is left once every escaped character is taken out
    for mark in "![]()<>`*_:$#\\":
        assert mark not in unescaped, (mark, shown)
    assert "\n" not in shown and "\x1b" not in shown


@pytest.mark.parametrize(
    "text", ["https://evil.example/x", "www.evil.example", "admin@evil.example", "WWW.EVIL.EXAMPLE"]
)
def test_markdown_breaks_what_gfm_would_link_without_any_syntax(text):
    shown = escape.markdown(text).replace("\\", "")
    assert "://" not in shown and "www." not in shown.lower() and not re.search(r"@\w", shown)
    assert shown.replace(escape.WORD_JOINER, "") == text


def test_markdown_keeps_chinese_and_plain_words_as_they_are():
    assert escape.markdown("信访台账 2025年") == "信访台账 2025年"
    assert re.sub(r"\\(.)", r"\1", escape.markdown("2025.xlsx")) == "2025.xlsx"


@pytest.mark.parametrize("text", HOSTILE)
def test_plotly_text_has_no_tag_left(text):
    shown = escape.plotly(text)
    assert "<" not in shown and ">" not in shown and "\u202e" not in shown
    back = shown.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").replace("\\u202e", "\u202e")
    assert back == text


def test_terminal_shows_control_and_bidi_characters_as_codes():
    shown = escape.terminal("a\x1b]0;title\x07b\x1b[2Jc\u202ed\x9be\tf\ng\rh")
    assert shown == "a\\u001b]0;title\\u0007b\\u001b[2Jc\\u202ed\\u009be\tf\\u000ag\\u000dh"


def test_terminal_escaping_keeps_json_valid_and_equal():
    import json

    value = {"单位": "法规科\x9b\u202e", "名": "a\\\x85"}
    text = json.dumps(value, ensure_ascii=False)
    assert json.loads(escape.terminal(text)) == value
