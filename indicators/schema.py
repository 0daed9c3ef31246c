"""The one declaration of every dataset users upload: columns, synonyms, types, keys and rules.

The reader, the validator, the store's tables, the error messages, the template and the docs all
derive from these objects: a column's name, synonyms, type, role and the rules that tie it to other
columns are written here and nowhere else. Code that reads a field names it through its Column
constant (`RECEIVED_ON.field`), never as a string of its own.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    """How a cell is read and what it becomes."""

    TEXT = "text"
    CHANNEL = "channel"
    DATE = "date"
    YESNO = "yesno"
    CASE_TYPE = "case_type"
    OUTCOME = "outcome"
    COUNT = "count"
    HOURS = "hours"


# Kinds whose cells are text as users type them: their length and characters are limited.
TEXT_KINDS = frozenset({Kind.TEXT, Kind.CHANNEL, Kind.CASE_TYPE, Kind.OUTCOME})
MAX_KEY_CHARS = 100  # a text cell of a key column
MAX_TEXT_CHARS = 1_000  # any other text cell
MAX_META_CHARS = 200  # a batch's label and its importer's name
MAX_FILE_NAME_CHARS = 255  # an uploaded file's name, as file systems allow
# A key cell that starts with this marks a row of the downloadable template as an example: never imported.
EXAMPLE_MARK = "【示例】"
# The template's own instructions sheet: skipped as such, not reported as a sheet that matches nothing.
INSTRUCTIONS_SHEET = "填表说明"


@dataclass(frozen=True)
class Column:
    """One column of a dataset: stored as `field`, shown and matched as `name` or a synonym.

    `not_before` names the field of a date this date may not precede; `future_ok` lets a date lie
    after the day of the import (a scheduled hearing); `only_with` names a field without whose value
    a value here is suspicious (a warning, not an error); `blank` says what an empty cell means.
    """

    field: str
    name: str
    kind: Kind
    required: bool = False
    synonyms: tuple[str, ...] = ()
    example: str = ""
    note: str = ""
    not_before: str | None = None
    future_ok: bool = False
    only_with: str | None = None
    blank: str = (
        ""  # what an empty cell means, shown as —（…）; "" → that of `only_with` when it is empty too, else 未填写
    )

    @property
    def headers(self) -> tuple[str, ...]:
        """Every header text that names this column, canonical first."""
        return (self.name, *self.synonyms)


@dataclass(frozen=True)
class Dataset:
    """A ledger kind: its columns, key, the words that name its sheets and its period dates."""

    id: str
    name: str
    sheet_words: tuple[str, ...]
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    date_fields: tuple[str, ...]
    row_label: str

    def column(self, field: str) -> Column:
        """The column stored as `field`."""
        for col in self.columns:
            if col.field == field:
                return col
        raise KeyError(field)

    @property
    def fields(self) -> list[str]:
        return [c.field for c in self.columns]

    @property
    def required(self) -> list[Column]:
        return [c for c in self.columns if c.required]

    @property
    def key_names(self) -> str:
        """The key as users read it, e.g. `日期 + 名称`."""
        return " + ".join(self.column(f).name for f in self.key)

    @property
    def example_column(self) -> Column:
        """The key column whose text carries EXAMPLE_MARK in the template's example row."""
        return next(self.column(f) for f in self.key if self.column(f).kind in TEXT_KINDS)

    def max_chars(self, column: Column) -> int:
        """How many characters a text cell of the column may hold."""
        return MAX_KEY_CHARS if column.field in self.key else MAX_TEXT_CHARS


UNIT_FIELD = "unit"
_UNIT_NOTE = "留空即默认单位"

# 信访 — petitions
PETITION_NO = Column("petition_no", "信访编号", Kind.TEXT, True, ("编号", "信访件编号", "件号"), "XF2025-0001")
RECEIVED_ON = Column("received_on", "收件日期", Kind.DATE, True, ("登记日期", "受理日期", "来信日期"), "2025-01-05")
CHANNEL = Column(
    "channel",
    "来源渠道",
    Kind.CHANNEL,
    True,
    ("渠道", "信访渠道", "来源"),
    "民呼我为",
    "开放列表：来信来访、重庆市智能信访工作平台、自然资源部系统、民呼我为、国土空间平台，新渠道照录",
)
CATEGORY = Column("category", "事项类别", Kind.TEXT, False, ("类别", "问题类别"), "规划管理")
CLOSED_ON = Column(
    "closed_on",
    "办结日期",
    Kind.DATE,
    False,
    ("结案日期",),
    "2025-01-20",
    "未办结的留空",
    not_before=RECEIVED_ON.field,
    blank="未办结",
)
ON_TIME = Column("on_time", "是否按期办结", Kind.YESNO, False, ("按期办结",), "是", only_with=CLOSED_ON.field)
PETITION_UNIT = Column(UNIT_FIELD, "单位", Kind.TEXT, False, ("责任单位",), "", _UNIT_NOTE)

PETITIONS = Dataset(
    id="petitions",
    name="信访",
    sheet_words=("信访",),
    key=(PETITION_NO.field,),
    date_fields=(RECEIVED_ON.field,),
    row_label="件信访",
    columns=(PETITION_NO, RECEIVED_ON, CHANNEL, CATEGORY, CLOSED_ON, ON_TIME, PETITION_UNIT),
)

# 复议应诉 — reconsideration and litigation cases
CASE_NO = Column("case_no", "案号", Kind.TEXT, True, ("案件编号", "编号"), "（2025）渝0113行初1号")
CASE_TYPE = Column(
    "case_type",
    "案件类型",
    Kind.CASE_TYPE,
    True,
    ("类型",),
    "行政诉讼",
    "以“行政复议”或“行政诉讼”开头，如“行政诉讼（二审）”",
)
FILED_ON = Column("filed_on", "收案日期", Kind.DATE, True, ("立案日期", "收到日期"), "2025-01-10")
HEARING_ON = Column(
    "hearing_on",
    "开庭日期",
    Kind.DATE,
    False,
    (),
    "2025-03-18",
    "行政诉讼开庭时填写；可晚于导入当天（已排期的开庭）",
    not_before=FILED_ON.field,
    future_ok=True,
    blank="未开庭",
)
HEAD_APPEARED = Column(
    "head_appeared",
    "负责人是否出庭",
    Kind.YESNO,
    False,
    ("负责人出庭", "机关负责人出庭"),
    "是",
    "有开庭日期时填写",
    only_with=HEARING_ON.field,
)
# 结案日期 and 审理结果 each need the other (a decided case has both): their fields are named once here.
_CONCLUDED, _OUTCOME = "concluded_on", "outcome"
CONCLUDED_ON = Column(
    _CONCLUDED,
    "结案日期",
    Kind.DATE,
    False,
    ("审结日期",),
    "",
    "未结案的留空",
    not_before=FILED_ON.field,
    only_with=_OUTCOME,
    blank="未结案",
)
OUTCOME = Column(
    _OUTCOME,
    "审理结果",
    Kind.OUTCOME,
    False,
    ("结果", "裁判结果", "复议结果"),
    "",
    "留空即未结（审理中）",
    only_with=_CONCLUDED,
    blank="审理中",
)
# What the official outcome table (table 4 of the government-information-disclosure annual report) needs.
AFTER_REVIEW = Column(
    "after_review",
    "复议后起诉",
    Kind.YESNO,
    False,
    ("是否复议后起诉", "经复议后起诉", "是否经复议"),
    "否",
    "行政诉讼填写：是否经行政复议后起诉；留空即未经复议直接起诉",
    blank="未经复议直接起诉",
)
DISCLOSURE = Column(
    "disclosure",
    "政府信息公开",
    Kind.YESNO,
    False,
    ("是否政府信息公开", "涉及政府信息公开", "信息公开案件"),
    "否",
    "案件是否涉及政府信息公开（政府信息公开年报表4只统计这类案件）；留空即否",
    blank="按否计",
)
CASE_UNIT = Column(UNIT_FIELD, "单位", Kind.TEXT, False, ("责任单位",), "", _UNIT_NOTE)

LITIGATION = Dataset(
    id="litigation",
    name="复议应诉",
    sheet_words=("复议", "应诉", "诉讼", "案件"),
    key=(CASE_NO.field,),
    date_fields=(FILED_ON.field, HEARING_ON.field, CONCLUDED_ON.field),
    row_label="件案件",
    columns=(
        CASE_NO,
        CASE_TYPE,
        FILED_ON,
        HEARING_ON,
        HEAD_APPEARED,
        CONCLUDED_ON,
        OUTCOME,
        AFTER_REVIEW,
        DISCLOSURE,
        CASE_UNIT,
    ),
)

# 培训学法 — training, study and legal-publicity sessions
HELD_ON = Column("held_on", "日期", Kind.DATE, True, ("培训日期", "活动日期", "时间"), "2025-03-12")
TITLE = Column("title", "名称", Kind.TEXT, True, ("培训名称", "活动名称", "主题"), "法治综合能力提升培训会")
SESSION_TYPE = Column(
    "session_type",
    "类型",
    Kind.TEXT,
    True,
    ("活动类型", "类别"),
    "法治培训",
    "开放列表：法治培训、理论学习、普法宣传……",
)
PARTICIPANTS = Column(
    "participants", "参加人数", Kind.COUNT, False, ("人数", "参训人数"), "60", blank="未填写，按 0 计"
)
HOURS = Column("hours", "学时", Kind.HOURS, False, ("时长", "课时"), "2", "单位：小时", blank="未填写，按 0 计")
SESSION_UNIT = Column(UNIT_FIELD, "单位", Kind.TEXT, False, ("组织单位",), "", _UNIT_NOTE)

TRAINING = Dataset(
    id="training",
    name="培训学法",
    sheet_words=("培训", "学习", "学法", "普法"),
    key=(HELD_ON.field, TITLE.field),
    date_fields=(HELD_ON.field,),
    row_label="场活动",
    columns=(HELD_ON, TITLE, SESSION_TYPE, PARTICIPANTS, HOURS, SESSION_UNIT),
)

DATASETS: tuple[Dataset, ...] = (PETITIONS, LITIGATION, TRAINING)
BY_ID: dict[str, Dataset] = {d.id: d for d in DATASETS}

# The outcome class of a litigation record, derived from its 审理结果 and stored beside it.
OUTCOME_CLASS_FIELD = "outcome_class"

DEFAULT_UNIT = "本单位"


def default_unit() -> str:
    """The unit of rows that name none (`INDICATORS_DEFAULT_UNIT`, else 本单位)."""
    return (os.environ.get("INDICATORS_DEFAULT_UNIT") or "").strip() or DEFAULT_UNIT


def stored_fields(dataset: Dataset) -> list[str]:
    """The record fields stored per version: schema fields plus derived ones."""
    return dataset.fields + ([OUTCOME_CLASS_FIELD] if dataset is LITIGATION else [])
