"""Cell normalisers: one scalar function per cell kind, shared by the reader, validator and tests.

Each parser takes a raw cell (str, int, float, bool, datetime or None) and returns a `Parsed`:
the normalised value, or the Chinese text of what was expected.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from ..schema import Kind

# White space as ledgers hold it: every Unicode space (the full-width U+3000 among them) and the
# zero-width characters and byte-order marks that copying from web pages leaves behind.
BLANK_CHARS = "".join(chr(c) for c in range(0x3001) if chr(c).isspace()) + "\u200b\u2060\ufeff\u180e"
BLANK_RE = re.compile(f"[{re.escape(BLANK_CHARS)}]+")
UNIT_BRACKETS_RE = re.compile(r"[（(\[【][^）)\]】]*[）)\]】]")
CHANNEL_QUOTES = "《》“”\"「」〈〉'‘’"

YES_WORDS = frozenset({"是", "y", "yes", "√", "✓", "✔", "1", "true"})
NO_WORDS = frozenset({"否", "n", "no", "×", "✗", "✘", "0", "false"})
YESNO_FORMS = "是/否、Y/N、yes/no、√/×、✓/✗、1/0、TRUE/FALSE"
DATE_FORMS = "2025-01-05、2025/1/5、2025.1.5、2025年1月5日、20250105 或 Excel 日期"

CASE_TYPES = ("行政复议", "行政诉讼")

# Outcome classes, tried in this order: a value belongs to the first class one of whose words it contains.
OUTCOME_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("lost", ("撤销", "确认违法", "确认无效", "变更", "责令履行", "败诉")),
    ("withdrawn", ("撤诉", "撤回", "调解", "和解", "终止")),
    ("upheld", ("驳回", "维持", "胜诉")),
)
PENDING = "pending"
OUTCOME_LABELS = {"lost": "败诉/被纠错", "withdrawn": "撤诉/调解", "upheld": "胜诉/维持", PENDING: "未结"}

_SEP_DATE = re.compile(r"^(\d{4})\s*([-/.])\s*(\d{1,2})\s*\2\s*(\d{1,2})(?:[\sT]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_CN_DATE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?(?:\s*\d{1,2}[:：]\d{2}(?:[:：]\d{2})?)?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:[\sT]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_EXCEL_EPOCH = date(1899, 12, 30)
_EXCEL_1904_EPOCH = date(1904, 1, 1)  # workbooks saved with the 1904 date system (old Mac Excel)
# Every date lies within these days; a number in a date cell is an Excel serial date only within them
# (data-format.md). Anything earlier is a typo (1025 for 2025) or a number formatted as a date.
SERIAL_FIRST_DAY, SERIAL_LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)
# Control characters a text cell may not hold: Unicode's Cc but tab and line breaks, and the
# bidirectional controls (U+061C, U+200E/F, U+202A-E, U+2066-9) that make text show in another order.
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# Upper bounds of numbers, far above any session and within every database's integer.
MAX_COUNT = 1_000_000
MAX_HOURS = 1_000
_NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


@dataclass(frozen=True)
class Parsed:
    """A normalised cell: `value`, or `error` saying in Chinese what was expected."""

    value: Any = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


MISSING = Parsed(None)


def is_blank(raw: Any) -> bool:
    """True for None, NaN, NaT and text that is only white space."""
    if raw is None:
        return True
    if isinstance(raw, str):
        return not raw.strip(BLANK_CHARS)
    if isinstance(raw, float) and math.isnan(raw):
        return True
    try:
        return bool(raw != raw)  # NaT and pandas NA
    except TypeError:
        return True


def squeeze(raw: Any) -> str:
    """A cell as text without any white space ("" for a blank cell)."""
    if raw is None:
        return ""
    return BLANK_RE.sub("", raw if isinstance(raw, str) else str(raw))


def normalize_header(raw: Any) -> str:
    """A header cell as it is matched: no white space anywhere, no bracketed units."""
    if is_blank(raw):
        return ""
    text = BLANK_RE.sub("", str(raw))
    return UNIT_BRACKETS_RE.sub("", text)


def cell_text(raw: Any) -> str:
    """A cell as trimmed text; whole numbers lose Excel's trailing `.0`."""
    if isinstance(raw, str):
        return raw.strip(BLANK_CHARS)
    if is_blank(raw):
        return ""
    if isinstance(raw, bool):
        return "是" if raw else "否"
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, datetime):
        return raw.strftime("%Y-%m-%d %H:%M") if (raw.hour or raw.minute) else raw.strftime("%Y-%m-%d")
    if isinstance(raw, date):
        return raw.isoformat()
    return str(raw).strip(BLANK_CHARS)


def text_problem(raw: Any, max_chars: int | None) -> str | None:
    """What is wrong with a text cell: a control character, or (when limited) more than `max_chars` characters.

    A number in a text column is measured as the text it becomes (1e200 is 201 characters).
    """
    if isinstance(raw, str) and (bad := _CONTROL_RE.search(raw)):
        return f"含有不可见的控制字符（U+{ord(bad.group()):04X}），请删去后重新输入该单元格"
    if max_chars is not None and len(text := cell_text(raw)) > max_chars:
        return f"内容过长（{len(text):,} 个字符），此列最多 {max_chars:,} 个字符"
    return None


def parse_text(raw: Any) -> Parsed:
    text = cell_text(raw)
    return Parsed(text or None)


def parse_channel(raw: Any) -> Parsed:
    """A channel name, trimmed, without the quotes or title marks around it."""
    text = cell_text(raw)
    while len(text) >= 2 and text[0] in CHANNEL_QUOTES and text[-1] in CHANNEL_QUOTES:
        text = text[1:-1].strip()
    return Parsed(text or None)


def _within_range(day: date) -> Parsed:
    """A date, or an error when it lies outside SERIAL_FIRST_DAY to SERIAL_LAST_DAY."""
    if SERIAL_FIRST_DAY <= day <= SERIAL_LAST_DAY:
        return Parsed(day)
    return Parsed(
        error=f"日期不在 {SERIAL_FIRST_DAY} 至 {SERIAL_LAST_DAY} 之间（可能是年份写错，或数字被设成了日期格式），请核对"
    )


def _make_date(year: int, month: int, day: int, raw: Any) -> Parsed:
    try:
        return _within_range(date(year, month, day))
    except ValueError:
        return Parsed(
            error=f"日期不存在（{year}年没有{month}月{day}日）" if 1 <= month <= 12 else f"日期不存在（没有{month}月）"
        )


def parse_date(raw: Any, date1904: bool = False) -> Parsed:
    """Excel date cells, or text in any of the spec's forms; a trailing time is ignored.

    `date1904`: the workbook counts serial numbers from 1904-01-01 (a plain number in a date column).
    """
    if is_blank(raw):
        return MISSING
    if isinstance(raw, datetime):
        return _within_range(raw.date())
    if isinstance(raw, date):
        return _within_range(raw)
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        epoch = _EXCEL_1904_EPOCH if date1904 else _EXCEL_EPOCH
        if float(raw).is_integer() and 10_000_000 <= raw <= 99_999_999:
            text = str(int(raw))
        elif (SERIAL_FIRST_DAY - epoch).days <= raw < (SERIAL_LAST_DAY - epoch).days + 1:
            return Parsed(epoch + timedelta(days=int(raw)))
        else:
            return Parsed(
                error=f"数字不是日期（数字只在对应 {SERIAL_FIRST_DAY} 至 {SERIAL_LAST_DAY} 时按 Excel 日期读取），"
                "请填写如 2025-01-05 的日期"
            )
    else:
        text = BLANK_RE.sub(" ", str(raw)).strip()
    for pattern in (_SEP_DATE, _CN_DATE, _COMPACT_DATE):
        match = pattern.match(text)
        if match:
            groups = [g for g in match.groups() if g and g.isdigit()]
            return _make_date(int(groups[0]), int(groups[1]), int(groups[2]), raw)
    return Parsed(error="无法识别的日期")


def parse_yesno(raw: Any) -> Parsed:
    """是/否 and the other accepted forms, in any case."""
    if is_blank(raw):
        return MISSING
    if isinstance(raw, bool):
        return Parsed(raw)
    word = cell_text(raw).lower().replace(" ", "")
    if word in YES_WORDS:
        return Parsed(True)
    if word in NO_WORDS:
        return Parsed(False)
    return Parsed(error=f"应为是或否（{YESNO_FORMS}）")


def parse_case_type(raw: Any) -> Parsed:
    """行政复议 or 行政诉讼, from text that starts with one of them."""
    text = BLANK_RE.sub("", cell_text(raw))
    if not text:
        return MISSING
    for case_type in CASE_TYPES:
        if text.startswith(case_type):
            return Parsed(case_type)
    return Parsed(error="案件类型应以“行政复议”或“行政诉讼”开头")


def outcome_class(text: str | None) -> str | None:
    """The class of an outcome text (lost / withdrawn / upheld), pending when empty, None if unknown."""
    if not text:
        return PENDING
    for cls, words in OUTCOME_WORDS:
        if any(word in text for word in words):
            return cls
    return None


def parse_outcome(raw: Any) -> Parsed:
    """The outcome text as written; it must fall in one of the outcome classes."""
    text = cell_text(raw)
    if not text:
        return MISSING
    if outcome_class(text) is None:
        words = "、".join(w for _, ws in OUTCOME_WORDS for w in ws)
        return Parsed(error=f"无法归类的审理结果，应含以下字词之一：{words}；未结请留空")
    return Parsed(text)


def _parse_number(raw: Any) -> float | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float)):
        return float(raw)
    text = BLANK_RE.sub("", cell_text(raw)).replace(",", "")
    text = re.sub(r"(人|人次|小时|学时|课时|h|H)$", "", text)
    return float(text) if _NUMBER_RE.match(text) else None


def parse_count(raw: Any) -> Parsed:
    """A whole number ≥ 0 (people)."""
    if is_blank(raw):
        return MISSING
    number = _parse_number(raw)
    if number is None or not math.isfinite(number) or not number.is_integer() or number < 0:
        return Parsed(error="应为不小于 0 的整数")
    if number > MAX_COUNT:
        return Parsed(error=f"人数过大（超过 {MAX_COUNT:,}），请核对")
    return Parsed(int(number))


def parse_hours(raw: Any) -> Parsed:
    """A number of hours ≥ 0."""
    if is_blank(raw):
        return MISSING
    number = _parse_number(raw)
    if number is None or not math.isfinite(number) or number < 0:
        return Parsed(error="应为不小于 0 的数字（小时）")
    if number > MAX_HOURS:
        return Parsed(error=f"学时过大（超过 {MAX_HOURS:,} 小时），请核对")
    return Parsed(number)


PARSERS = {
    Kind.TEXT: parse_text,
    Kind.CHANNEL: parse_channel,
    Kind.DATE: parse_date,
    Kind.YESNO: parse_yesno,
    Kind.CASE_TYPE: parse_case_type,
    Kind.OUTCOME: parse_outcome,
    Kind.COUNT: parse_count,
    Kind.HOURS: parse_hours,
}

ACCEPTED_FORMS = {
    Kind.TEXT: "文本",
    Kind.CHANNEL: "文本（书名号、引号会被去掉）",
    Kind.DATE: DATE_FORMS,
    Kind.YESNO: YESNO_FORMS,
    Kind.CASE_TYPE: "以“行政复议”或“行政诉讼”开头的文本",
    Kind.OUTCOME: "；".join(f"{OUTCOME_LABELS[c]}：{'、'.join(ws)}" for c, ws in OUTCOME_WORDS) + "；留空为未结",
    Kind.COUNT: "不小于 0 的整数",
    Kind.HOURS: "不小于 0 的数字（小时）",
}
