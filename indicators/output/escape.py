"""Text from ledgers and file names, escaped at the one place it leaves for each medium.

Every string a user typed into a cell or a file name is hostile where it is shown: Markdown would
fetch `![x](https://evil.example)`, Plotly would draw `<a href>` as a working link, a terminal would
obey `\\x1b]0;…`. Each medium has one function here, and the code that writes to that medium (the
pages' `ui.md`, `style.finish` for charts, the command line's `say`) calls it for every value.
"""

from __future__ import annotations

import html
import re

# Every ASCII punctuation character may be backslash-escaped in CommonMark; Streamlit adds `:` (emoji,
# icons, coloured text) and `$` (LaTeX) to what it interprets.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=\"'^%@;,/?])")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")
# GitHub-flavoured Markdown links bare URLs, www. names and e-mail addresses even when every character is
# escaped; an invisible word joiner after each `:`, `@` and `www` keeps them text.
WORD_JOINER = "\u2060"
_AUTOLINKS = re.compile(r"(?<=[:@])|(?<=www)(?=\\?\.)", re.IGNORECASE)
# C0 and C1 controls but tab, DEL, and the bidirectional overrides that reorder what is shown. A line
# break counts: one printed line must not pass for two (a label that forges a batch in a listing).
_TERMINAL_UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def markdown(value: object) -> str:
    """A value as literal text inside Markdown (Streamlit's flavour): nothing in it formats, links or loads."""
    text = _LINE_BREAKS.sub(" ", str(value))  # folded before terminal() would show them as codes
    return _AUTOLINKS.sub(WORD_JOINER, _MARKDOWN_SPECIAL.sub(r"\\\1", terminal(text)))


# In prose pasted as Markdown, only what would format, link, load or break out of the text is escaped
# (a sentence keeps its 12.3% and parentheses readable).
_PROSE_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|!~$&])")  # & too: &lt; in a cell stays as typed


def markdown_prose(value: object) -> str:
    """A sentence as literal Markdown text for pasting elsewhere: emphasis, links, images, HTML,
    headings, tables and bare links stay text; other punctuation is left as written."""
    text = _LINE_BREAKS.sub(" ", str(value))
    return _AUTOLINKS.sub(WORD_JOINER, _PROSE_SPECIAL.sub(r"\\\1", terminal(text)))


def html_text(value: object) -> str:
    """A value as literal text in HTML: tags and entities show as typed."""
    return html.escape(str(value), quote=True)


def plotly(value: object) -> str:
    """A value as literal text in a Plotly label, title or hover: its pseudo-HTML tags become text, and
    a bidirectional override (a file name `\u202egpj.exe` that shows as exe.jpg) shows as its code."""
    return html.escape(_BIDI.sub(lambda m: f"\\u{ord(m.group()):04x}", str(value)), quote=False)


def terminal(value: object) -> str:
    """One line safe to print: line breaks, control and bidirectional-override characters shown as codes."""
    return _TERMINAL_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", str(value))
