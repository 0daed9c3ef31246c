"""Chart builders: `(df, ctx, ...) -> go.Figure`, each readable alone when pasted into a briefing.

Every builder takes a table from `indicators.tables`, labels its data, titles it with what it shows,
the period, the unit and the measure, and carries the source footnote (style.finish).
"""

from __future__ import annotations

import math
import re
from collections import Counter

import pandas as pd
import plotly.graph_objects as go

from . import escape
from .style import ALERT, NEUTRAL, OK, OUTCOME_COLORS, PALETTE, UNIT_CHARS, ChartContext, clip, empty_figure, finish

NO_DATA = "本期没有数据"
RATE_STEPS = 6  # the hearings chart's rate axis runs 0–120% in steps of 20%
TICK_CHARS, TICK_CHARS_COMPACT = 16, 12  # the longest category name a tick label shows
RATE_MARKERS = ("circle", "diamond", "square")  # one shape per rate, told apart where they coincide


def file_stem(title: str, ctx: ChartContext) -> str:
    """A Chinese file name for a chart's PNG or data: what it shows, the period and the unit."""
    raw = f"{title}_{ctx.period_label}_{clip(ctx.unit_label, UNIT_CHARS)}"
    return re.sub(r'[\\/:*?"<>|\s]+', "_", raw)


def _period_ticks(fig: go.Figure, periods: pd.Series, ctx: ChartContext) -> None:
    """Period names on two lines (2024年 / 第1季度), so eight of them fit without slanting; on a phone
    shorter still (24年 / 1季度).

    The line break lives in the axis's tick text, not in the data: trace data is escaped as text.
    """
    labels = list(dict.fromkeys(periods))
    fig.update_xaxes(
        tickmode="array",
        tickvals=labels,
        ticktext=[_two_lines(p, ctx.compact) for p in labels],
        categoryorder="array",
        categoryarray=labels,
    )


def _two_lines(label: str, compact: bool) -> str:
    """A period's tick: its year above the part of the year (periods.py names every period so)."""
    year, _, part = label.partition("年")
    if not part:
        return label
    return f"{year[2:]}年<br>{part.removeprefix('第')}" if compact else f"{year}年<br>{part}"


def _category_ticks(fig: go.Figure, axis: str, names: list[str], ctx: ChartContext) -> None:
    """Category names (ledger text, escaped here) as tick labels of at most TICK_CHARS characters, so a
    long name cannot squash the bars (its whole name is in the hover); on a phone they break into
    lines of six characters."""
    names = [str(n) for n in names]
    short = cut_names(names, TICK_CHARS_COMPACT if ctx.compact else TICK_CHARS)
    if ctx.compact:
        ticks = ["<br>".join(escape.plotly(short[n][i : i + 6]) for i in range(0, len(short[n]), 6)) for n in names]
    else:
        ticks = [escape.plotly(short[n]) for n in names]
    shown = [escape.plotly(n) for n in names]  # the trace's values, as finish escapes them
    fig.update_layout({f"{axis}axis": {"tickmode": "array", "tickvals": shown, "ticktext": ticks}})


def cut_names(names: list[str], limit: int) -> dict[str, str]:
    """A label of at most `limit` characters for each name: a longer one cut with "…" (nothing else
    left out, so the label reads as the start of the name), labels alike numbered （1）, （2）."""
    return _numbered({n: clip(n, limit) for n in dict.fromkeys(names)})


def _numbered(labels: dict[str, str]) -> dict[str, str]:
    """Labels by name, those that two names would share numbered （1）, （2） in the names' order."""
    out = dict(labels)
    shared, numbered = Counter(out.values()), Counter()
    for name in labels:
        if shared[label := out[name]] > 1:
            numbered[label] += 1
            out[name] = f"{label}（{numbered[label]}）"
    return out


def _colors(names: list[str]) -> dict[str, str]:
    """One colour per category name, by the names' sorted order: a type has the same colour in every chart."""
    return {n: PALETTE[i % len(PALETTE)] for i, n in enumerate(sorted(set(names)))}


def _whole_steps(fig: go.Figure, axis: str, largest: float) -> None:
    """Small counts get ticks at whole numbers only (plotly would step by 0.5 below about 5)."""
    if pd.notna(largest) and largest <= 10:
        fig.update_layout({f"{axis}axis": {"tick0": 0, "dtick": 1}})


def _pct(values: pd.Series) -> list[str]:
    return ["" if pd.isna(v) else f"{v:.1%}".replace(".0%", "%") for v in values]


def share_bar(df: pd.DataFrame, ctx: ChartContext, title: str, category: str) -> go.Figure:
    """Horizontal bars of counts per category, labelled with count and share, largest on top."""
    if df.empty or df["件数"].sum() == 0:
        return empty_figure(NO_DATA, title, ctx)
    data = df.sort_values("件数")
    labels = [f"{n}件（{s}）" for n, s in zip(data["件数"], _pct(data["占比"]), strict=True)]
    fig = go.Figure(
        go.Bar(
            x=data["件数"],
            y=data[category],
            orientation="h",
            text=labels,
            textposition="outside",
            cliponaxis=False,
            marker_color=PALETTE[0],
            customdata=[str(n) for n in data[category]],  # the whole name (the axis may show it cut)
            hovertemplate="%{customdata}：%{x}件<extra></extra>",
        )
    )
    fig.update_xaxes(title_text="件数（件）", range=[0, data["件数"].max() * (1.7 if ctx.compact else 1.3)])
    fig.update_yaxes(title_text="")
    _category_ticks(fig, "y", list(data[category]), ctx)
    _whole_steps(fig, "x", data["件数"].max())
    return finish(fig, f"{title} · 共{int(data['件数'].sum()):,}件", "件", ctx)


def year_on_year(df: pd.DataFrame, ctx: ChartContext, title: str) -> go.Figure:
    """Monthly counts of this year (bars) against last year (line), both labelled; a month without a
    ledger (None) has no bar, no point and no label."""
    this, last = df.columns[1], df.columns[2]
    ours, theirs = _values(df[this]), _values(df[last])
    if not any(ours) and not any(theirs):
        return empty_figure(NO_DATA, title, ctx)
    fig = go.Figure()
    fig.add_bar(
        x=df["月份"],
        y=ours,
        name=this,
        text=_labels(ours),
        textposition="outside",
        marker_color=PALETTE[0],
        hovertemplate=f"{this}%{{x}}：%{{y}}件<extra></extra>",
    )
    fig.add_scatter(
        x=df["月份"],
        y=theirs,
        name=last,
        mode="lines+markers+text",
        text=_labels(theirs),
        textposition="top center",
        line={"color": PALETTE[1], "dash": "dot"},
        hovertemplate=f"{last.split('（')[0]}%{{x}}：%{{y}}件<extra></extra>",
    )
    fig.update_yaxes(title_text="件数（件）", rangemode="tozero")
    fig.update_xaxes(title_text="月份")
    if ctx.compact:  # twelve level labels fit a phone as numbers only
        fig.update_xaxes(
            tickmode="array", tickvals=list(df["月份"]), ticktext=[m.removesuffix("月") for m in df["月份"]]
        )
        fig.update_traces(textfont={"size": 9})
    _whole_steps(fig, "y", max(v for v in [*ours, *theirs, 0] if v is not None))
    return finish(fig, title, "件（横轴为月份）" if ctx.compact else "件", ctx)


def _values(column: pd.Series) -> list[int | None]:
    """A count column as plain values, None where no ledger covers the period."""
    return [None if pd.isna(v) else int(v) for v in column]


def _labels(values: list[float | int | None]) -> list[str]:
    return ["" if v is None else _number(v) for v in values]


def rate_lines(
    df: pd.DataFrame, ctx: ChartContext, title: str, rates: list[str], target: float | None = None
) -> go.Figure:
    """Rates over periods as labelled lines on a 0–100% axis, with an optional target line. Two rates
    often coincide (every case closed on time): the first is drawn as a wide solid line with large
    markers and labels above, the next dashed over it with small markers and labels below, so both show."""
    if df[rates].isna().all().all():
        return empty_figure("各期均无可计算的比率", title, ctx)
    fig = go.Figure()
    for i, name in enumerate(rates):
        fig.add_scatter(
            x=df["期间"],
            y=df[name],
            name=name,
            mode="lines+markers+text",
            text=_pct(df[name]),
            textposition="bottom center" if i % 2 else "top center",
            line={"color": PALETTE[i], "width": 2 if i else 4, "dash": "dash" if i else "solid"},
            marker={"size": 7 if i else 13, "symbol": RATE_MARKERS[i % len(RATE_MARKERS)]},
            connectgaps=False,
            hovertemplate=f"%{{x}} {name}：%{{y:.1%}}<extra></extra>",
        )
    if target is not None:
        fig.add_hline(
            y=target,
            line={"color": ALERT, "dash": "dash"},
            annotation_text=f"目标 {target:.0%}",
            annotation_position="bottom left",
        )
    fig.update_yaxes(title_text="比率（%）", tickformat=".0%", range=[0, 1.15])
    fig.update_xaxes(title_text="期间")
    _period_ticks(fig, df["期间"], ctx)
    return finish(fig, title, "%", ctx)


def counts_by_period(
    df: pd.DataFrame, ctx: ChartContext, title: str, columns: list[str], measure: str, empty: str = "各期均无数据"
) -> go.Figure:
    """Grouped bars of counts per period, labelled; a period without a figure (None) has no bar.
    `empty` says why there is nothing to draw (no ledger, or a field every record left blank)."""
    if df[columns].isna().all().all():
        return empty_figure(empty, title, ctx)
    if df[columns].fillna(0).to_numpy().sum() == 0:
        return empty_figure("各期均无数据", title, ctx)
    fig = go.Figure()
    for i, name in enumerate(columns):
        values = [None if pd.isna(v) else v for v in df[name]]
        fig.add_bar(
            x=df["期间"], y=values, name=name, text=_labels(values), textposition="outside", marker_color=PALETTE[i]
        )
    fig.update_layout(barmode="group")
    fig.update_yaxes(title_text=f"数量（{measure}）", rangemode="tozero")
    fig.update_xaxes(title_text="期间")
    _period_ticks(fig, df["期间"], ctx)
    if all(pd.api.types.is_integer_dtype(df[name]) for name in columns):
        _whole_steps(fig, "y", df[columns].max().max())
    return finish(fig, title, measure, ctx)


def stacked_by_period(
    df: pd.DataFrame, ctx: ChartContext, title: str, category: str, value: str, measure: str
) -> go.Figure:
    """Stacked bars per period split by a category (long table: 期间, category, value)."""
    if df.empty or df[value].sum() == 0:
        return empty_figure("各期均无数据", title, ctx)
    fig = go.Figure()
    short = cut_names([str(n) for n in df[category]], TICK_CHARS)  # a legend entry as long as a tick label
    colors = _colors([str(n) for n in df[category]])
    for name, part in df.groupby(category, sort=False):
        fig.add_bar(
            x=part["期间"],
            y=part[value],
            name=short[str(name)],
            text=part[value],
            customdata=[str(name)] * len(part),
            hovertemplate=f"%{{customdata}}：%{{y}}{measure}<extra></extra>",
            marker_color=colors[str(name)],
        )
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title_text="期间")
    _period_ticks(fig, df["期间"], ctx)
    fig.update_yaxes(title_text=f"{value}（{measure}）", rangemode="tozero")
    _whole_steps(fig, "y", df.groupby("期间")[value].sum().max())
    return finish(fig, title, measure, ctx)


def outcomes(df: pd.DataFrame, ctx: ChartContext, title: str) -> go.Figure:
    """Outcomes of reconsideration and litigation cases as stacked horizontal bars, labelled."""
    if df["件数"].sum() == 0:
        return empty_figure(NO_DATA, title, ctx)
    fig = go.Figure()
    for name, part in df.groupby("审理结果", sort=False):
        fig.add_bar(
            y=part["案件类型"],
            x=part["件数"],
            name=str(name),
            orientation="h",
            text=[str(v) if v else "" for v in part["件数"]],
            marker_color=OUTCOME_COLORS.get(str(name), NEUTRAL),
            hovertemplate=f"%{{y}} · {name}：%{{x}}件<extra></extra>",
        )
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title_text="件数（件）")
    _category_ticks(fig, "y", list(dict.fromkeys(df["案件类型"])), ctx)
    _whole_steps(fig, "x", df.groupby("案件类型")["件数"].sum().max())
    return finish(fig, f"{title} · 共{int(df['件数'].sum()):,}件", "件", ctx)


def simple_bar(df: pd.DataFrame, ctx: ChartContext, title: str, category: str, value: str, measure: str) -> go.Figure:
    """Vertical bars of one value per category, labelled."""
    if df.empty or df[value].sum() == 0:
        return empty_figure(NO_DATA, title, ctx)
    fig = go.Figure(
        go.Bar(
            x=df[category],
            y=df[value],
            text=df[value],
            textposition="outside",
            cliponaxis=False,
            marker_color=PALETTE[0],
            customdata=[str(n) for n in df[category]],
            hovertemplate=f"%{{customdata}}：%{{y}}{measure}<extra></extra>",
        )
    )
    fig.update_yaxes(title_text=f"{value}（{measure}）", rangemode="tozero")
    fig.update_xaxes(title_text=category)
    _category_ticks(fig, "x", list(df[category]), ctx)
    _whole_steps(fig, "y", df[value].max())
    return finish(fig, f"{title} · 共{_number(df[value].sum())}{measure}", measure, ctx)


def _number(value: float) -> str:
    """A total as a title states it: 19, 1,234 or 4.5."""
    return f"{value:,.1f}".rstrip("0").rstrip(".") if value % 1 else f"{int(value):,}"


def appearances(df: pd.DataFrame, ctx: ChartContext, title: str, target: float) -> go.Figure:
    """Hearings and the head's appearances per period (bars) with the rate against its target."""
    if df["开庭"].sum() == 0:
        return empty_figure("各期均无开庭", title, ctx)
    fig = go.Figure()
    for column, color in (("开庭", PALETTE[5]), ("负责人出庭", PALETTE[0])):
        fig.add_bar(
            x=df["期间"],
            y=df[column],
            name=f"{column}（次）",
            text=df[column],
            marker_color=color,
            hovertemplate=f"%{{x}} {column}：%{{y}}次<extra></extra>",
        )
    colors = [ALERT if pd.notna(r) and r < target else OK for r in df["出庭率"]]
    fig.add_scatter(
        x=df["期间"],
        y=df["出庭率"],
        name="出庭率",
        yaxis="y2",
        mode="lines+markers+text",
        text=_pct(df["出庭率"]),
        textposition="top center",
        marker={"color": colors, "size": 9},
        line={"color": NEUTRAL},
        hovertemplate="%{x} 出庭率：%{y:.1%}<extra></extra>",
    )
    fig.add_hline(
        y=target,
        yref="y2",
        line={"color": ALERT, "dash": "dash"},
        annotation_text=f"目标 {target:.0%}",
        annotation_position="bottom right",
    )
    # Both axes have RATE_STEPS equal steps on one set of gridlines: the counts' step is a whole number
    # chosen so the bars keep to the lower part and the rate line runs above them (labels never collide).
    step = max(1, math.ceil(max(df["开庭"].max(), 1) * 1.7 / RATE_STEPS))
    fig.update_layout(
        barmode="group",
        yaxis={"title": {"text": "次数（次）"}, "range": [0, step * RATE_STEPS], "tick0": 0, "dtick": step},
        yaxis2={
            "title": {"text": "出庭率（%）"},
            "overlaying": "y",
            "side": "right",
            "tickformat": ".0%",
            "range": [0, RATE_STEPS * 0.2],
            "tickmode": "array",
            "tickvals": [i / 5 for i in range(6)],  # 0–100%: the top gridline (120%) is the counts' only
            "showgrid": False,
        },
    )
    fig.update_xaxes(title_text="期间")
    _period_ticks(fig, df["期间"], ctx)
    return finish(fig, title, "次、%", ctx)


def timeline(df: pd.DataFrame, ctx: ChartContext, title: str) -> go.Figure:
    """Sessions on a date axis (5月12日), one row per type, each point labelled with a short name that
    tells it from its neighbours (short_names); the full name and date on hover."""
    if df.empty:
        return empty_figure(NO_DATA, title, ctx)
    fig = go.Figure()
    short = short_names(list(df["名称"]), 8 if ctx.compact else 12)
    days = pd.to_datetime(df["日期"])
    one_year = days.dt.year.nunique() == 1
    colors = _colors([str(k) for k in df["类型"]])
    for kind, part in df.groupby("类型", sort=True):
        fig.add_scatter(
            x=days[part.index],
            y=[kind] * len(part),
            name=str(kind),
            mode="markers+text",
            text=[short[n] for n in part["名称"]],
            # Neighbouring sessions alternate above and below their marker so their names do not overlap.
            textposition=["top center" if j % 2 == 0 else "bottom center" for j in range(len(part))],
            textfont={"size": 10 if ctx.compact else 13},
            cliponaxis=False,
            marker={"size": 11 if ctx.compact else 14, "color": colors[str(kind)]},
            customdata=part[["名称", "类型"]].to_numpy(),
            hovertemplate="%{x|%Y年%-m月%-d日} · %{customdata[1]}<br>%{customdata[0]}<extra></extra>",
        )
    share, least = (0.3, 60) if ctx.compact else (0.15, 20)  # room for the outer labels, more on a phone
    margin = max((days.max() - days.min()) * share, pd.Timedelta(days=least))
    fig.update_xaxes(
        title_text=f"日期（{days.dt.year.iloc[0]}年）" if one_year else "日期",
        tickformat="%-m月%-d日" if one_year else "%Y年%-m月",
        range=[days.min() - margin, days.max() + margin],
    )
    fig.update_yaxes(title_text="活动类型")
    _category_ticks(fig, "y", sorted({str(k) for k in df["类型"]}), ctx)
    fig.update_layout(showlegend=False)
    return finish(fig, f"{title} · 共{len(df)}场", "场", ctx)


BRACKETED = re.compile(r"（[^（）]*）|\([^()]*\)")
# Where a run of words shared by several names may be cut off: after a closing bracket or quote.
WORD_ENDS = "）)】」”"


def _shared_start(a: str, b: str) -> int:
    """How many characters two names share from their start."""
    return next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))


def short_names(names: list[str], limit: int) -> dict[str, str]:
    """A label of at most `limit` characters for each name, different for different names.

    Names that share a long beginning (局党组理论学习中心组（扩大）第五次… and …第七次…) lose it up to
    its last closing bracket or quote, so what tells them apart stays; bracketed asides go next; what is
    still too long is cut with "…", and any label still shared is numbered.
    """
    out: dict[str, str] = {}
    distinct = list(dict.fromkeys(names))
    for name in distinct:
        text = name
        if len(text) > limit:
            shared = max((_shared_start(name, other) for other in distinct if other != name), default=0)
            cut = max(text.rfind(c, 0, shared) for c in WORD_ENDS) + 1
            if shared >= 4 and 0 < cut < len(text):
                text = text[cut:]
        if len(text) > limit and len(plain := BRACKETED.sub("", text)) >= 4:
            text = plain
        out[name] = clip(text, limit)
    return _numbered(out)
