"""The aligned plain-text table both benchmarks print: figures beside baselines, targets and results."""

from __future__ import annotations

import unicodedata

RESULTS = {None: "", True: "PASS", False: "FAIL"}


def columns(text: str) -> int:
    """How many terminal columns a text takes: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def print_aligned(head: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    """Print rows under a head, each column padded to its widest cell, with rules around the head."""
    cells = [head, *rows]
    widths = [max(columns(c[i]) for c in cells) for i in range(len(head))]
    rule = "  ".join("-" * w for w in widths)
    print(rule)
    for i, line in enumerate(cells):
        print("  ".join(text + " " * (w - columns(text)) for text, w in zip(line, widths, strict=True)).rstrip())
        if i == 0:
            print(rule)
    print(rule)
