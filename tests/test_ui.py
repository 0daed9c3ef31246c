"""The pages' one entry for values into Markdown (`ui.md`), and a check that no page goes around it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import ui
from indicators.output.escape import WORD_JOINER

ROOT = Path(__file__).resolve().parent.parent
# Streamlit elements whose text is rendered as Markdown (labels included).
MARKDOWN_ELEMENTS = {
    "markdown",
    "caption",
    "info",
    "warning",
    "error",
    "success",
    "toast",
    "title",
    "header",
    "subheader",
    "write",
    "expander",
    "metric",
    "button",
    "download_button",
    "text_input",
    "selectbox",
    "radio",
    "checkbox",
    "page_link",
    "tabs",
}
SOURCES = [ROOT / "ui.py", ROOT / "dashboard.py", *sorted((ROOT / "pages").glob("*.py"))]


def _formatted(node: ast.AST) -> bool:
    """An f-string, a %-format or a .format() call: text built from values in place."""
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        return True
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_no_page_puts_a_built_string_into_markdown_except_through_ui_md(path):
    offenders = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in MARKDOWN_ELEMENTS:
            arguments = [*node.args[:1], *(k.value for k in node.keywords if k.arg in ("label", "body"))]
            offenders += [f"{path.name}:{node.lineno}" for a in arguments if _formatted(a)]
    assert offenders == [], "use ui.md(template, *values) so that every value is escaped"


@pytest.mark.parametrize(
    "name",
    ["![x](https://evil.example/p.png).xlsx", "[点这里](https://evil.example).xlsx", ":red[假] $x$ <b>粗</b>.xlsx"],
)
def test_md_makes_every_value_literal_text(name):
    shown = ui.md("文件“{}”与批次 {} 相同", name, 3)
    assert shown.startswith("文件“") and "与批次 3 相同" in shown
    unescaped = re.sub(r"\\.", "", shown)  # what Markdown still sees once escaped characters are taken out
    for mark in "![]():$<>":
        assert mark not in unescaped, (mark, shown)
    assert re.sub(r"\\(.)", r"\1", shown).replace(WORD_JOINER, "") == f"文件“{name}”与批次 3 相同", "as written"


def test_what_the_pages_directory_workaround_relies_on_still_holds():
    """ui.ensure_entrypoint and conftest.navigation_only switch Streamlit's legacy `pages/` mode off
    through `PagesManager.uses_pages_directory`, and AppTest builds its PagesManager by that name: if a
    Streamlit upgrade changes either, this fails first (then look for a public way to do without)."""
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.testing.v1 import app_test

    assert "uses_pages_directory" in vars(PagesManager)
    assert app_test.PagesManager is PagesManager
