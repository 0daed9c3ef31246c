"""The one declaration of every dataset users upload (shared/spec/data-format.md).

The reader, the validator, the store's tables, the error messages, the template and the docs all
derive from these objects: a column's name, synonyms, type and role are written here and nowhere else.
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


@dataclass(frozen=True)
class Column:
    """One column of a dataset: stored as `field`, shown and matched as `name` or a synonym."""

    field: str
    name: str
    kind: Kind
    required: bool = False
    synonyms: tuple[str, ...] = ()
    example: str = ""
    note: str = ""

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


UNIT_FIELD = "unit"

PETITIONS = Dataset(
    id="petitions",
    name="信访",
    sheet_words=("信访",),
    key=("petition_no",),
    date_fields=("received_on",),
    row_label="件信访",
    columns=(
        Column("petition_no", "信访编号", Kind.TEXT, True, ("编号", "信访件编号", "件号"), "XF2025-0001"),
        Column("received_on", "收件日期", Kind.DATE, True, ("登记日期", "受理日期", "来信日期"), "2025-01-05"),
        Column(
            "channel",
            "来源渠道",
            Kind.CHANNEL,
            True,
            ("渠道", "信访渠道", "来源"),
            "民呼我为",
            "开放列表：来信来访、重庆市智能信访工作平台、自然资源部系统、民呼我为、国土空间平台，新渠道照录",
        ),
        Column("category", "事项类别", Kind.TEXT, False, ("类别", "问题类别"), "规划管理"),
        Column("closed_on", "办结日期", Kind.DATE, False, ("结案日期",), "2025-01-20", "未办结的留空"),
        Column("on_time", "是否按期办结", Kind.YESNO, False, ("按期办结",), "是"),
        Column(UNIT_FIELD, "单位", Kind.TEXT, False, ("责任单位",), "", "留空即默认单位"),
    ),
)

LITIGATION = Dataset(
    id="litigation",
    name="复议应诉",
    sheet_words=("复议", "应诉", "诉讼", "案件"),
    key=("case_no",),
    date_fields=("filed_on", "hearing_on", "concluded_on"),
    row_label="件案件",
    columns=(
        Column("case_no", "案号", Kind.TEXT, True, ("案件编号", "编号"), "（2025）渝0113行初1号"),
        Column(
            "case_type",
            "案件类型",
            Kind.CASE_TYPE,
            True,
            ("类型",),
            "行政诉讼",
            "以“行政复议”或“行政诉讼”开头，如“行政诉讼（二审）”",
        ),
        Column("filed_on", "收案日期", Kind.DATE, True, ("立案日期", "收到日期"), "2025-01-10"),
        Column("hearing_on", "开庭日期", Kind.DATE, False, (), "2025-03-18", "行政诉讼开庭时填写"),
        Column("head_appeared", "负责人是否出庭", Kind.YESNO, False, ("负责人出庭", "机关负责人出庭"), "是"),
        Column("concluded_on", "结案日期", Kind.DATE, False, ("审结日期",), "", "未结案的留空"),
        Column(
            "outcome",
            "审理结果",
            Kind.OUTCOME,
            False,
            ("结果", "裁判结果", "复议结果"),
            "",
            "留空即未结（审理中）",
        ),
        Column(UNIT_FIELD, "单位", Kind.TEXT, False, ("责任单位",), "", "留空即默认单位"),
    ),
)

TRAINING = Dataset(
    id="training",
    name="培训学法",
    sheet_words=("培训", "学习", "学法", "普法"),
    key=("held_on", "title"),
    date_fields=("held_on",),
    row_label="场活动",
    columns=(
        Column("held_on", "日期", Kind.DATE, True, ("培训日期", "活动日期", "时间"), "2025-03-12"),
        Column("title", "名称", Kind.TEXT, True, ("培训名称", "活动名称", "主题"), "法治综合能力提升培训会"),
        Column(
            "session_type",
            "类型",
            Kind.TEXT,
            True,
            ("活动类型", "类别"),
            "法治培训",
            "开放列表：法治培训、理论学习、普法宣传……",
        ),
        Column("participants", "参加人数", Kind.COUNT, False, ("人数", "参训人数"), "60"),
        Column("hours", "学时", Kind.HOURS, False, ("时长", "课时"), "2", "单位：小时"),
        Column(UNIT_FIELD, "单位", Kind.TEXT, False, ("组织单位",), "", "留空即默认单位"),
    ),
)

DATASETS: tuple[Dataset, ...] = (PETITIONS, LITIGATION, TRAINING)
BY_ID: dict[str, Dataset] = {d.id: d for d in DATASETS}

# The outcome class of a litigation record, derived from its 审理结果 and stored beside it.
OUTCOME_CLASS_FIELD = "outcome_class"

DEFAULT_UNIT = "本单位"


def default_unit() -> str:
    """The unit of rows that name none (`INDICATORS_DEFAULT_UNIT`, else 本单位)."""
    return (os.environ.get("INDICATORS_DEFAULT_UNIT") or "").strip() or DEFAULT_UNIT
