"""The cell normalisers against the spec's "Layout tolerance" rules (docs/data-format.md).

Property tests render valid values in every form the spec accepts and check they come back as the
same value; impossible or unknown values must come back as a Chinese error, never as an exception.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, time

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from indicators.ingest.normalize import (
    normalize_header,
    outcome_class,
    parse_case_type,
    parse_channel,
    parse_count,
    parse_date,
    parse_hours,
    parse_outcome,
    parse_yesno,
)
from indicators.schema import DATASETS

CHINESE = re.compile(r"[\u4e00-\u9fff]")
FAST = settings(max_examples=200, deadline=None)


def assert_chinese_error(parsed) -> None:
    assert parsed.value is None
    assert parsed.error, "an invalid value must be reported, not accepted"
    assert CHINESE.search(parsed.error), f"the message must be Chinese: {parsed.error!r}"


# --- dates -------------------------------------------------------------------------------------------

# The spec's text forms; in the separated forms month and day may have one or two digits.
SEPARATED = ("{y}-{m}-{d}", "{y}/{m}/{d}", "{y}.{m}.{d}", "{y}年{m}月{d}日")
COMPACT = "{y:04d}{m:02d}{d:02d}"

# Every date a ledger may hold (normalize.SERIAL_FIRST_DAY to SERIAL_LAST_DAY), and dates outside it.
dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))
outside = st.dates(min_value=date(1, 1, 1), max_value=date(1999, 12, 31)) | st.dates(min_value=date(2101, 1, 1))
times = st.none() | st.builds(
    lambda h, m, s, pad: (f"{h:02d}" if pad else str(h)) + f":{m:02d}" + (f":{s:02d}" if s is not None else ""),
    st.integers(0, 23),
    st.integers(0, 59),
    st.none() | st.integers(0, 59),
    st.booleans(),
)


def render(form: str, y: int, m: int, d: int, pad_month: bool, pad_day: bool) -> str:
    if form == COMPACT:
        return COMPACT.format(y=y, m=m, d=d)
    return form.format(y=y, m=f"{m:02d}" if pad_month else str(m), d=f"{d:02d}" if pad_day else str(d))


@FAST
@given(
    day=dates,
    form=st.sampled_from((*SEPARATED, COMPACT)),
    pad_month=st.booleans(),
    pad_day=st.booleans(),
    clock=times,
)
@example(day=date(2025, 1, 5), form=COMPACT, pad_month=True, pad_day=True, clock="09:30")
@example(day=date(2025, 1, 5), form="{y}年{m}月{d}日", pad_month=False, pad_day=False, clock="09:30")
def test_every_text_form_of_a_date_parses_back_to_that_date(day, form, pad_month, pad_day, clock):
    text = render(form, day.year, day.month, day.day, pad_month, pad_day)
    if clock is not None:
        text = f"{text} {clock}"
    parsed = parse_date(text)
    assert parsed.error is None, f"{text!r} was refused: {parsed.error}"
    assert parsed.value == day


@FAST
@given(day=dates, hour=st.integers(0, 23), minute=st.integers(0, 59))
def test_excel_date_cells_keep_their_date_and_lose_the_time(day, hour, minute):
    assert parse_date(datetime.combine(day, time(hour, minute))).value == day
    assert parse_date(day).value == day


@FAST
@given(day=outside, form=st.sampled_from((*SEPARATED, COMPACT)), cell=st.booleans())
def test_a_date_outside_2000_to_2100_is_an_error_in_every_form(day, form, cell):
    raw = datetime.combine(day, time()) if cell else render(form, day.year, day.month, day.day, True, True)
    assert_chinese_error(parse_date(raw))


@FAST
@given(
    year=st.integers(1900, 2999),
    month_day=st.one_of(
        # a real month with a day past its end
        st.integers(1, 12).flatmap(lambda m: st.tuples(st.just(m), st.integers(29, 31))),
        # a month that does not exist
        st.tuples(st.integers(13, 99), st.integers(1, 31)),
        # day or month zero
        st.tuples(st.just(0), st.integers(1, 28)),
        st.tuples(st.integers(1, 12), st.just(0)),
    ),
    form=st.sampled_from((*SEPARATED, COMPACT)),
    clock=st.sampled_from(("", " 09:30")),
)
@example(year=2025, month_day=(2, 30), form="{y}-{m}-{d}", clock="")
@example(year=2025, month_day=(13, 45), form="{y}-{m}-{d}", clock="")
def test_a_date_that_does_not_exist_is_an_error_not_an_exception(year, month_day, form, clock):
    month, day = month_day
    if 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]:
        return  # a real date (29 Feb of a leap year): covered by the round-trip test
    text = render(form, year, month, day, pad_month=True, pad_day=True) + clock
    assert_chinese_error(parse_date(text))


@pytest.mark.parametrize("text", ["2025-02-30", "2025-13-45", "2025年2月30日", "20250230", "2023/2/29", "2025.4.31"])
def test_impossible_dates_named_in_the_spec_are_errors(text):
    assert_chinese_error(parse_date(text))


@pytest.mark.parametrize("text", ["下周一", "2025", "1/5/2025", "2025-01", "05.01.2025", "2025-1-5-1", "abc"])
def test_unreadable_date_text_is_an_error(text):
    assert_chinese_error(parse_date(text))


def test_a_leap_day_exists_in_leap_years_only():
    assert parse_date("2024-02-29").value == date(2024, 2, 29)
    assert_chinese_error(parse_date("2025-02-29"))


@pytest.mark.parametrize("raw", [None, "", "   ", "\u3000", float("nan")])
def test_a_blank_date_is_missing_not_an_error(raw):
    parsed = parse_date(raw)
    assert parsed.ok and parsed.value is None


# --- yes / no ----------------------------------------------------------------------------------------

YES_FORMS = ("是", "Y", "yes", "√", "✓", "1", "TRUE")
NO_FORMS = ("否", "N", "no", "×", "✗", "0", "FALSE")
padding = st.text(alphabet=" \u3000", max_size=2)


def any_case(word: str, flags: list[bool]) -> str:
    return "".join(c.upper() if up else c.lower() for c, up in zip(word, flags + [False] * len(word), strict=False))


@FAST
@given(
    answer=st.booleans(),
    data=st.data(),
    left=padding,
    right=padding,
)
def test_every_yes_no_form_in_any_case_maps_to_its_answer(answer, data, left, right):
    word = data.draw(st.sampled_from(YES_FORMS if answer else NO_FORMS))
    flags = data.draw(st.lists(st.booleans(), min_size=len(word), max_size=len(word)))
    text = left + any_case(word, flags) + right
    parsed = parse_yesno(text)
    assert parsed.error is None, f"{text!r} was refused: {parsed.error}"
    assert parsed.value is answer


@pytest.mark.parametrize(
    ("raw", "answer"), [(True, True), (False, False), (1, True), (0, False), (1.0, True), (0.0, False)]
)
def test_yes_no_as_excel_booleans_and_numbers(raw, answer):
    assert parse_yesno(raw).value is answer


@pytest.mark.parametrize("raw", ["可能", "yes?", "2", "是否", "对", "ok", -1])
def test_other_yes_no_values_are_errors(raw):
    assert_chinese_error(parse_yesno(raw))


def test_a_blank_yes_no_is_missing():
    assert parse_yesno("").ok and parse_yesno("").value is None


# --- headers -----------------------------------------------------------------------------------------

HEADERS = sorted({h for d in DATASETS for c in d.columns for h in c.headers})
WHITESPACE = [chr(i) for i in range(0x3001) if chr(i).isspace()]  # every Unicode space up to U+3000
UNIT_TEXT = st.text(alphabet=st.characters(exclude_characters="（）()[]【】", codec="utf-8"), max_size=6)
UNITS = st.builds(
    lambda pair, inner: pair[0] + inner + pair[1],
    st.sampled_from([("（", "）"), ("(", ")"), ("[", "]"), ("【", "】")]),
    UNIT_TEXT,
)


@FAST
@given(
    header=st.sampled_from(HEADERS),
    data=st.data(),
    unit=st.none() | UNITS,
)
def test_header_normalisation_removes_any_white_space_and_bracketed_units(header, data, unit):
    # white space (including U+3000 and line breaks) before, between and after the characters
    gaps = data.draw(
        st.lists(
            st.text(alphabet=st.sampled_from(WHITESPACE), max_size=3),
            min_size=len(header) + 1,
            max_size=len(header) + 1,
        )
    )
    text = gaps[0] + "".join(ch + gap for ch, gap in zip(header, gaps[1:], strict=True))
    if unit is not None:
        text += unit
    assert normalize_header(text) == header


def test_the_spec_header_examples():
    assert normalize_header("收件\n日期") == "收件日期"
    assert normalize_header("学时（小时）") == "学时"


@pytest.mark.parametrize(
    "raw", ["\u3000学\u3000时\u3000（小时）", "学时\r\n（小时）", "学 时 (h)", "学时【小时】", " 学时\t"]
)
def test_unit_and_white_space_variants_of_one_header(raw):
    assert normalize_header(raw) == "学时"


def test_blank_header_cells_normalise_to_nothing():
    assert normalize_header(None) == ""
    assert normalize_header(" \u3000\n") == ""


# --- channels ----------------------------------------------------------------------------------------

QUOTE_PAIRS = [("《", "》"), ("“", "”"), ('"', '"'), ("「", "」")]
QUOTES = "".join(a + b for a, b in QUOTE_PAIRS)
CHANNELS_2024 = ["来信来访", "重庆市智能信访工作平台", "自然资源部系统", "民呼我为", "国土空间平台"]
channel_names = st.sampled_from(CHANNELS_2024) | st.text(
    alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF) | st.sampled_from("ABCxyz0123·-《》“”"),
    min_size=1,
    max_size=12,
).filter(lambda s: s[0] not in QUOTES and s[-1] not in QUOTES)


@FAST
@given(name=channel_names, pair=st.sampled_from(QUOTE_PAIRS), inner=padding, outer=padding)
def test_a_channel_loses_the_quotes_around_it(name, pair, inner, outer):
    left, right = pair
    text = f"{outer}{left}{inner}{name}{inner}{right}{outer}"
    assert parse_channel(text).value == name


@FAST
@given(name=channel_names, outer=padding)
def test_a_channel_without_quotes_is_kept_as_written(name, outer):
    assert parse_channel(f"{outer}{name}{outer}").value == name


def test_new_channels_are_accepted_and_inner_quotes_kept():
    assert parse_channel("《民呼我为》").value == "民呼我为"
    assert parse_channel("“渝快办”平台").value == "“渝快办”平台"
    assert parse_channel("12345热线").value == "12345热线"
    assert parse_channel("").value is None


# --- case types --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "case_type"),
    [
        ("行政诉讼", "行政诉讼"),
        ("行政复议", "行政复议"),
        ("行政诉讼（二审）", "行政诉讼"),
        ("行政诉讼(一审)", "行政诉讼"),
        ("行政复议案件", "行政复议"),
        (" 行政诉讼 ", "行政诉讼"),
    ],
)
def test_case_type_is_the_kind_the_text_starts_with(raw, case_type):
    assert parse_case_type(raw).value == case_type


@pytest.mark.parametrize("raw", ["民事诉讼", "诉讼", "二审行政诉讼", "复议", "刑事"])
def test_other_case_types_are_errors(raw):
    assert_chinese_error(parse_case_type(raw))


# --- outcomes ----------------------------------------------------------------------------------------

LOST = ("撤销", "确认违法", "确认无效", "变更", "责令履行", "败诉")
WITHDRAWN = ("撤诉", "撤回", "调解", "和解", "终止")
UPHELD = ("驳回", "维持", "胜诉")
CLASSES = (("lost", LOST), ("withdrawn", WITHDRAWN), ("upheld", UPHELD))


@pytest.mark.parametrize(("cls", "word"), [(cls, w) for cls, words in CLASSES for w in words])
def test_each_outcome_word_gives_its_class(cls, word):
    assert outcome_class(f"判决{word}") == cls
    parsed = parse_outcome(f"判决{word}")
    assert parsed.ok and parsed.value == f"判决{word}"


@pytest.mark.parametrize(
    ("text", "cls"),
    [
        ("部分撤销、部分驳回", "lost"),  # contains 撤销 and 驳回: the first class wins
        ("驳回诉讼请求，撤销原决定", "lost"),
        ("确认违法，驳回其他诉讼请求", "lost"),
        ("准予撤诉", "withdrawn"),
        ("调解后维持", "withdrawn"),
        ("驳回诉讼请求", "upheld"),
        ("维持原行政行为", "upheld"),
        ("胜诉", "upheld"),
    ],
)
def test_outcome_classes_are_tried_in_the_spec_order(text, cls):
    assert outcome_class(text) == cls


@FAST
@given(
    st.lists(st.sampled_from([w for _, ws in CLASSES for w in ws]), min_size=1, max_size=5), st.sampled_from("、，；")
)
def test_an_outcome_belongs_to_the_first_class_any_of_its_words_names(words, sep):
    text = sep.join(words)
    expected = next(cls for cls, ws in CLASSES if any(w in text for w in ws))
    assert outcome_class(text) == expected


def test_an_empty_outcome_is_pending_and_an_unknown_one_an_error():
    assert outcome_class("") == "pending"
    assert parse_outcome("").ok and parse_outcome("").value is None
    assert outcome_class("审理中") is None
    assert_chinese_error(parse_outcome("审理中"))
    assert_chinese_error(parse_outcome("其他"))


# --- counts and hours --------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "value"), [("60", 60), (60, 60), (60.0, 60), ("0", 0), (" 12 ", 12), ("1,200", 1200)])
def test_counts(raw, value):
    parsed = parse_count(raw)
    assert parsed.ok and parsed.value == value


@pytest.mark.parametrize("raw", ["-1", -1, -3.0, "1.5", 2.5, "很多", "nan"])
def test_negative_or_fractional_counts_are_errors(raw):
    assert_chinese_error(parse_count(raw))


@pytest.mark.parametrize(("raw", "value"), [("2", 2.0), (1.5, 1.5), ("0.5", 0.5), (0, 0.0), ("3", 3.0)])
def test_hours(raw, value):
    parsed = parse_hours(raw)
    assert parsed.ok and parsed.value == value


@pytest.mark.parametrize("raw", ["-1", -0.5, "两小时", "inf", float("inf")])
def test_negative_or_unreadable_hours_are_errors(raw):
    assert_chinese_error(parse_hours(raw))


@FAST
@given(
    st.integers(min_value=-(10**6), max_value=-1) | st.floats(max_value=-1e-9, allow_nan=False, allow_infinity=False)
)
def test_any_negative_number_is_an_error_for_counts_and_hours(number):
    assert_chinese_error(parse_count(number))
    assert_chinese_error(parse_hours(number))
    assert_chinese_error(parse_count(str(number)))
    assert_chinese_error(parse_hours(str(number)))
