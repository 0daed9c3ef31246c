"""Every indicator of kpis.md declared once: its name, unit and definition in the words users read.

The cards, the docs (docs/indicators.md) and the pages' definitions read these; the functions in
kpis.py compute them. Column names come from the schema, outcome words from the normaliser.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..ingest.normalize import OUTCOME_LABELS, OUTCOME_WORDS
from ..schema import (
    CASE_TYPE,
    CHANNEL,
    CLOSED_ON,
    CONCLUDED_ON,
    FILED_ON,
    HEAD_APPEARED,
    HEARING_ON,
    HELD_ON,
    HOURS,
    ON_TIME,
    OUTCOME,
    PARTICIPANTS,
    RECEIVED_ON,
    SESSION_TYPE,
)
from .kpis import LITIGATION_TYPE, LOST, REVIEW_TYPE

SECTION_TITLES = {"petitions": "信访", "litigation": "复议应诉", "training": "培训学法"}


class Direction:
    """Which way a change of an indicator is good news: what its delta is coloured by."""

    UP_GOOD = "up_good"  # rates of work done: closure, on time, the head's appearance
    UP_BAD = "up_bad"  # the loss rate
    NEUTRAL = "neutral"  # volumes: more petitions or cases is neither good nor bad in itself


@dataclass(frozen=True)
class Indicator:
    """One indicator: where it sits in `kpis --json` (section.key), its Chinese name, unit, definition,
    and which way a change is good news."""

    section: str
    key: str
    name: str
    unit: str
    definition: str
    direction: str = Direction.NEUTRAL


_LOST_WORDS = "、".join(next(words for cls, words in OUTCOME_WORDS if cls == LOST))

INDICATORS: tuple[Indicator, ...] = (
    Indicator("petitions", "total", "信访收件", "件", f"{RECEIVED_ON.name}在本期内的信访件数。"),
    Indicator("petitions", "by_channel", "按来源渠道", "件", f"本期收件按{CHANNEL.name}分列，只列出至少有一件的渠道。"),
    Indicator("petitions", "closed", "办结", "件", f"本期收件中填写了{CLOSED_ON.name}的件数。"),
    Indicator("petitions", "closure_rate", "办结率", "%", "办结 ÷ 信访收件；收件为 0 时不计算。", Direction.UP_GOOD),
    Indicator("petitions", "on_time", "按期办结", "件", f"办结件中{ON_TIME.name}为“是”的件数（留空按“否”计）。"),
    Indicator(
        "petitions", "on_time_rate", "按期办结率", "%", "按期办结 ÷ 办结；办结为 0 时不计算。", Direction.UP_GOOD
    ),
    Indicator("litigation", "cases", "复议应诉收案", "件", f"{FILED_ON.name}在本期内的案件数。"),
    Indicator(
        "litigation",
        "by_type",
        "按案件类型",
        "件",
        f"本期收案按{CASE_TYPE.name}（{REVIEW_TYPE}、{LITIGATION_TYPE}）分列。",
    ),
    Indicator(
        "litigation",
        "concluded",
        "结案",
        "件",
        f"{CONCLUDED_ON.name}在本期内、且{OUTCOME.name}不是“未结”（留空）的案件数。",
    ),
    Indicator(
        "litigation",
        "lost",
        "败诉（被纠错）",
        "件",
        f"结案案件中{OUTCOME.name}属于“{OUTCOME_LABELS[LOST]}”一类（含以下字词之一：{_LOST_WORDS}）的件数。",
    ),
    Indicator(
        "litigation",
        "loss_rate",
        "败诉（被纠错）率",
        "%",
        "败诉（被纠错） ÷ 结案；结案为 0 时不计算。",
        Direction.UP_BAD,
    ),
    Indicator(
        "litigation",
        "hearings",
        "开庭",
        "次",
        f"{HEARING_ON.name}在本期内、且不晚于统计当天的{LITIGATION_TYPE}案件数（已排期尚未开庭的不计，以免算作负责人未出庭）。",
    ),
    Indicator(
        "litigation",
        "head_appearances",
        "负责人出庭",
        "次",
        f"本期开庭中{HEAD_APPEARED.name}为“是”的次数（留空按未出庭计）。",
    ),
    Indicator(
        "litigation",
        "head_appearance_rate",
        "负责人出庭应诉率",
        "%",
        "负责人出庭 ÷ 开庭；开庭为 0 时不计算。低于目标值（管理员在「用户与目标」页设定，未设定时取 config/targets.toml，默认 100%）时标示。",
        Direction.UP_GOOD,
    ),
    Indicator("training", "sessions", "培训学法活动", "场", f"{HELD_ON.name}在本期内的活动场数。"),
    Indicator("training", "by_type", "按活动类型", "场", f"本期活动按{SESSION_TYPE.name}分列。"),
    Indicator(
        "training",
        "participants",
        "参加人次",
        "人次",
        f"本期活动{PARTICIPANTS.name}之和（留空按 0 计并注明场数；全部留空时显示“—”）。",
    ),
    Indicator(
        "training", "hours", "学时", "小时", f"本期活动{HOURS.name}之和（留空按 0 计并注明场数；全部留空时显示“—”）。"
    ),
)
BY_KEY: dict[tuple[str, str], Indicator] = {(i.section, i.key): i for i in INDICATORS}


def indicator(section: str, key: str) -> Indicator:
    return BY_KEY[(section, key)]
