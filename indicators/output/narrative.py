"""The annual report's paragraphs, written from the figures: petitions, cases, sessions.

Pure functions of the facts `views.report_facts` gathers (every number comes from the KPI
functions). The wording follows the bureau's 2024 report ("2024年我局共收信访311件，其中：来信来访件共
34件，《重庆市智能信访工作平台》交办20件……") and adapts to the data: no 其中 for a single channel, no
rate on a zero base, no comparison with a period no ledger covers, a unit other than 本单位 named.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..ingest.normalize import CASE_TYPES
from ..metrics.cards import fmt_rate
from ..metrics.periods import Granularity, Period
from ..schema import DEFAULT_UNIT
from .escape import markdown_prose

# The channels as the 2024 report lists them, in its order; others follow, largest first.
REPORT_CHANNELS = ("来信来访", "重庆市智能信访工作平台", "自然资源部系统", "民呼我为", "国土空间平台")
# A channel a person writes or comes to (not a platform that refers cases): "来信来访件共34件".
DIRECT_WORDS = ("来信", "来访", "信访件")
PREVIOUS_WORDS = {
    Granularity.MONTH: "上月",
    Granularity.QUARTER: "上季度",
    Granularity.HALF: "上半年",
    Granularity.YEAR: "上年",
}


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of the narrative, under the heading of its section."""

    section: str
    heading: str
    text: str


THIS = {Granularity.YEAR: "本年", Granularity.HALF: "本半年", Granularity.QUARTER: "本季度", Granularity.MONTH: "本月"}


def this(period: Period) -> str:
    """The period as a report refers back to it: 本年, 本季度 …"""
    return THIS[period.granularity]


def subject(unit: str | None, scope_label: str | None = None) -> str:
    """Who the sentence is about: 我局 for the whole bureau or its own unit, the units granted to a
    limited viewer by their total's name (授权单位合计（…）), else the unit by name."""
    if unit is None and scope_label:
        return scope_label
    return "我局" if unit in (None, DEFAULT_UNIT) else unit


def who(facts: dict) -> str:
    return subject(facts["unit"], facts.get("scope_label"))


def number(value: float) -> str:
    """A count or sum as the report writes it: 311, 1,234 or 4.5."""
    return f"{value:,.1f}".rstrip("0").rstrip(".") if value % 1 else f"{int(value):,}"


def ordered_channels(by_channel: dict[str, int]) -> list[tuple[str, int]]:
    """The report's channels in its order, then any other channel largest first."""
    known = [(c, by_channel[c]) for c in REPORT_CHANNELS if by_channel.get(c)]
    others = [(c, n) for c, n in by_channel.items() if c not in REPORT_CHANNELS and n]
    return known + sorted(others, key=lambda cn: -cn[1])


def channel_phrase(channel: str, count: int) -> str:
    """来信来访件共34件 for letters and visits, 《民呼我为》交办159件 for a platform that refers cases."""
    if any(word in channel for word in DIRECT_WORDS):
        return f"{channel}件共{number(count)}件" if not channel.endswith("件") else f"{channel}共{number(count)}件"
    return f"《{channel.strip('《》')}》交办{number(count)}件"


def change(now: float, before: float, covered: bool) -> str | None:
    """增长12.3% / 下降5.0% / 持平 against an earlier figure; None when no ledger covers the earlier
    period or its figure is zero (a rate on a zero base says nothing)."""
    if not covered:
        return None
    if now == before:
        return "持平"
    if before == 0:
        return None
    pct = (now - before) / before
    return f"{'增长' if pct > 0 else '下降'}{abs(pct):.1%}"


def comparisons(facts: dict, section: str, key: str, unit_word: str) -> str:
    """The comparison sentence of a figure: 环比 (the previous period) and 同比 (the same period a year
    before), once for a year (its previous period is the year before). Empty when nothing compares."""
    period: Period = facts["period"]
    covered = facts["covered"][section]
    kpis = facts["kpis"]
    now = kpis["current"][section][key]
    parts, zeros = [], []
    year = period.granularity is Granularity.YEAR
    wanted = [("year_ago", "同比")] if year else [("previous", "环比"), ("year_ago", "同比")]
    for when, word in wanted:
        before = kpis[when][section][key]
        said = change(now, before, covered[when])
        label = (period.previous() if when == "previous" else period.year_ago()).label
        if said is not None:
            parts.append(f"{word}{said}（{label}{number(before)}{unit_word}）")
        elif covered[when] and before == 0:
            zeros.append(label)
    if zeros:
        parts.append(f"{'、'.join(zeros)}{'均' if len(zeros) > 1 else ''}为0{unit_word}，不计增减幅度")
    return "，".join(parts)


Sentences = list[tuple[str, str]]  # (tag, sentence): a chart names the sentence it goes with by tag


def petitions(facts: dict) -> Sentences:
    """Petitions received, by channel in the report's sentence, the change, closure and categories."""
    period: Period = facts["period"]
    whom = who(facts)
    if not facts["covered"]["petitions"]["current"]:
        return [("total", f"{period.label}{whom}没有信访台账数据。")]
    k = facts["kpis"]["current"]["petitions"]
    if k["total"] == 0:
        return [("total", f"{period.label}{whom}未收到信访。")]
    channels = ordered_channels(k["by_channel"])
    text = f"{period.label}{whom}共收信访{number(k['total'])}件"
    if len(channels) == 1:
        text += f"，均为{channel_phrase(*channels[0])}。"
    elif channels:
        text += "，其中：" + "，".join(channel_phrase(c, n) for c, n in channels) + "。"
    else:
        text += "。"
    out = [("total", text)]
    compared = comparisons(facts, "petitions", "total", "件")
    if compared:
        out.append(("change", f"收件数{compared}。"))
    closed = f"已办结{number(k['closed'])}件，办结率{fmt_rate(k['closure_rate'])}"
    if k["closed"]:
        closed += f"；其中按期办结{number(k['on_time'])}件，按期办结率{fmt_rate(k['on_time_rate'])}"
    out.append(("closure", closed + "。"))
    categories = facts["categories"]
    if categories:
        top, n = next(iter(categories.items()))
        share = fmt_rate(n / k["total"])
        if len(categories) == 1:
            out.append(("category", f"按事项类别，均为{top}。"))
        else:
            out.append(("category", f"按事项类别，{top}最多，{number(n)}件，占{share}。"))
    return out


def litigation(facts: dict) -> Sentences:
    """Cases handled with the head's appearance rate (the report's sentence), by type, by outcome,
    the loss rate and the hearings."""
    period: Period = facts["period"]
    if not facts["covered"]["litigation"]["current"]:
        return [("total", f"{period.label}{who(facts)}没有复议应诉台账数据。")]
    k = facts["kpis"]["current"]["litigation"]
    handled = "全局共办理以我局为主体的" if who(facts) == "我局" else f"{who(facts)}共办理"
    text = f"{period.label}，{handled}复议应诉案件{number(k['cases'])}件"
    if k["head_appearance_rate"] is not None:
        text += f"，领导人出庭应诉率{fmt_rate(k['head_appearance_rate'])}"
    out = [("total", text + "。")]
    types = [(t, k["by_type"][t]) for t in CASE_TYPES if k["by_type"].get(t)]
    if len(types) == 1:
        out.append(("types", f"均为{types[0][0]}案件。"))
    elif types:
        out.append(("types", "其中" + "、".join(f"{t}{number(n)}件" for t, n in types) + "。"))
    compared = comparisons(facts, "litigation", "cases", "件")
    if compared:
        out.append(("change", f"收案数{compared}。"))
    if k["cases"]:
        parts = [f"{name}{number(n)}件" for name, n in facts["outcomes"].items() if n]
        out.append(("outcomes", f"从审理结果看，{this(period)}收案中" + "、".join(parts) + "。"))
    if k["concluded"]:
        out.append(
            (
                "loss",
                f"{this(period)}结案{number(k['concluded'])}件，其中败诉（被纠错）{number(k['lost'])}件，"
                f"败诉（被纠错）率{fmt_rate(k['loss_rate'])}。",
            )
        )
    if k["hearings"]:
        out.append(
            (
                "hearings",
                f"行政诉讼案件开庭{number(k['hearings'])}次，机关负责人出庭应诉{number(k['head_appearances'])}次。",
            )
        )
    return out


def training(facts: dict) -> Sentences:
    """Sessions by type with their months, participants and hours, and the change."""
    period: Period = facts["period"]
    whom = who(facts)
    if not facts["covered"]["training"]["current"]:
        return [("total", f"{period.label}{whom}没有培训学法台账数据。")]
    k = facts["kpis"]["current"]["training"]
    if k["sessions"] == 0:
        return [("total", f"{period.label}{whom}未开展培训学法活动。")]
    months = facts["session_months"]
    show_months = period.granularity is not Granularity.MONTH

    def kind(name: str, n: int | None) -> str:
        when = "、".join(f"{m}月" for m in months.get(name, []))
        return name + ("" if n is None else f"{number(n)}场") + (f"（{when}）" if show_months and when else "")

    types = [(t, n) for t, n in k["by_type"].items() if n]
    text = f"{period.label}{whom}共开展培训学法活动{number(k['sessions'])}场"
    if len(types) == 1:
        text += f"，均为{kind(types[0][0], None)}。"
    else:
        text += "，其中" + "、".join(kind(t, n) for t, n in types) + "。"
    out = [("total", text)]
    compared = comparisons(facts, "training", "sessions", "场")
    if compared:
        out.append(("change", f"活动场次{compared}。"))
    sums = []
    for key, unit_word, what in (("participants", "人次", "参加人数"), ("hours", "学时", "学时")):
        blank, of = facts["unfilled"][key]
        if blank == of:
            continue
        said = f"累计{number(k[key])}{unit_word}" if key == "hours" else f"参加{number(k[key])}{unit_word}"
        if blank:
            said += f"（{blank}场未填写{what}）"
        sums.append(said)
    if sums:
        out.append(("sums", "，".join(sums) + "。"))
    return out


SECTIONS = (
    ("petitions", "信访工作", petitions),
    ("litigation", "行政复议和行政应诉", litigation),
    ("training", "法治培训、学法和普法", training),
)


def narrative(facts: dict) -> list[Paragraph]:
    """The report's paragraphs for a period and unit, one per section."""
    return [Paragraph(key, heading, "".join(text for _, text in write(facts))) for key, heading, write in SECTIONS]


def chart_sentences(facts: dict) -> dict[str, str]:
    """Each sentence of the narrative by its tag, `section.tag` (petitions.total, litigation.loss …):
    a chart (catalog.Chart.says) names the one that belongs beside it on a slide."""
    return {f"{key}.{tag}": text for key, _, write in SECTIONS for tag, text in write(facts)}


def markdown(facts: dict, title: str) -> str:
    """The narrative as Markdown for pasting: a heading, then each section's heading and paragraph.
    Ledger text (channel, type and unit names) stays text wherever it is pasted (escape.markdown_prose)."""
    lines = [f"# {markdown_prose(title)}", ""]
    for p in narrative(facts):
        lines += [f"## {markdown_prose(p.heading)}", "", markdown_prose(p.text), ""]
    return "\n".join(lines)
