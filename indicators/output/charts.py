"""Chart builders: `(df, ctx, ...) -> go.Figure`, each readable alone when pasted into a briefing.

Every builder takes a table from `indicators.tables`, labels its data, titles it with what it shows,
the period, the unit and the measure, and carries the source footnote (style.finish).
"""

from __future__ import annotations

import re

import pandas as pd
import plotly.graph_objects as go

from .style import ALERT, NEUTRAL, OK, OUTCOME_COLORS, PALETTE, ChartContext, empty_figure, finish

NO_DATA = "本期没有数据"


def file_stem(title: str, ctx: ChartContext) -> str:
    """A Chinese file name for a chart's PNG or data: what it shows, the period and the unit."""
    raw = f"{title}_{ctx.period_label}_{ctx.unit_label}"
    return re.sub(r'[\\/:*?"<>|\s]+', "_", raw)


def _period_ticks(fig: go.Figure, periods: pd.Series) -> None:
    """Period names on two lines (2024年 / 第1季度), so eight of them fit without slanting.

    The line break lives in the axis's tick text, not in the data: trace data is escaped as text.
    """
    labels = list(dict.fromkeys(periods))
    two_lines = [p.replace("年", "年<br>", 1) if len(p) > 5 else p for p in labels]
    fig.update_xaxes(tickmode="array", tickvals=labels, ticktext=two_lines, categoryorder="array", categoryarray=labels)


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
            hovertemplate="%{y}：%{x}件<extra></extra>",
        )
    )
    fig.update_xaxes(title_text="件数（件）", range=[0, data["件数"].max() * 1.3])
    fig.update_yaxes(title_text="")
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
    fig.add_bar(x=df["月份"], y=ours, name=this, text=_labels(ours), textposition="outside", marker_color=PALETTE[0])
    fig.add_scatter(
        x=df["月份"],
        y=theirs,
        name=last,
        mode="lines+markers+text",
        text=_labels(theirs),
        textposition="top center",
        line={"color": PALETTE[1], "dash": "dot"},
    )
    fig.update_yaxes(title_text="件数（件）", rangemode="tozero")
    fig.update_xaxes(title_text="月份")
    _whole_steps(fig, "y", max(v for v in [*ours, *theirs, 0] if v is not None))
    return finish(fig, title, "件", ctx)


def _values(column: pd.Series) -> list[int | None]:
    """A count column as plain values, None where no ledger covers the period."""
    return [None if pd.isna(v) else int(v) for v in column]


def _labels(values: list[int | None]) -> list[str]:
    return ["" if v is None else f"{v:,}" for v in values]


def rate_lines(
    df: pd.DataFrame, ctx: ChartContext, title: str, rates: list[str], target: float | None = None
) -> go.Figure:
    """Rates over periods as labelled lines on a 0–100% axis, with an optional target line."""
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
            textposition="top center",
            line={"color": PALETTE[i]},
            connectgaps=False,
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
    _period_ticks(fig, df["期间"])
    return finish(fig, title, "%", ctx)


def counts_by_period(df: pd.DataFrame, ctx: ChartContext, title: str, columns: list[str], measure: str) -> go.Figure:
    """Grouped bars of counts per period, labelled."""
    if df[columns].fillna(0).to_numpy().sum() == 0:
        return empty_figure("各期均无数据", title, ctx)
    fig = go.Figure()
    for i, name in enumerate(columns):
        fig.add_bar(x=df["期间"], y=df[name], name=name, text=df[name], textposition="outside", marker_color=PALETTE[i])
    fig.update_layout(barmode="group")
    fig.update_yaxes(title_text=f"数量（{measure}）", rangemode="tozero")
    fig.update_xaxes(title_text="期间")
    _period_ticks(fig, df["期间"])
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
    for i, (name, part) in enumerate(df.groupby(category, sort=False)):
        fig.add_bar(
            x=part["期间"],
            y=part[value],
            name=str(name),
            text=part[value],
            marker_color=PALETTE[i % len(PALETTE)],
        )
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title_text="期间")
    _period_ticks(fig, df["期间"])
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
        )
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title_text="件数（件）")
    _whole_steps(fig, "x", df.groupby("案件类型")["件数"].sum().max())
    return finish(fig, title, "件", ctx)


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
        )
    )
    fig.update_yaxes(title_text=f"{value}（{measure}）", rangemode="tozero")
    fig.update_xaxes(title_text=category)
    _whole_steps(fig, "y", df[value].max())
    return finish(fig, title, measure, ctx)


def appearances(df: pd.DataFrame, ctx: ChartContext, title: str, target: float) -> go.Figure:
    """Hearings and the head's appearances per period (bars) with the rate against its target."""
    if df["开庭"].sum() == 0:
        return empty_figure("各期均无开庭", title, ctx)
    fig = go.Figure()
    fig.add_bar(x=df["期间"], y=df["开庭"], name="开庭（次）", text=df["开庭"], marker_color=PALETTE[5])
    fig.add_bar(
        x=df["期间"],
        y=df["负责人出庭"],
        name="负责人出庭（次）",
        text=df["负责人出庭"],
        marker_color=PALETTE[0],
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
    )
    fig.add_hline(
        y=target,
        yref="y2",
        line={"color": ALERT, "dash": "dash"},
        annotation_text=f"目标 {target:.0%}",
        annotation_position="bottom right",
    )
    fig.update_layout(
        barmode="group",
        # Bars keep to the lower part, the rate line runs above them: labels never collide.
        yaxis={"title": {"text": "次数（次）"}, "range": [0, max(df["开庭"].max(), 1) * 1.7]},
        yaxis2={
            "title": {"text": "出庭率（%）"},
            "overlaying": "y",
            "side": "right",
            "tickformat": ".0%",
            "range": [0, 1.15],
            "dtick": 0.2,
            "showgrid": False,
        },
    )
    fig.update_xaxes(title_text="期间")
    _period_ticks(fig, df["期间"])
    _whole_steps(fig, "y", df["开庭"].max())
    return finish(fig, title, "次、%", ctx)


def timeline(df: pd.DataFrame, ctx: ChartContext, title: str) -> go.Figure:
    """Sessions on a date axis, one row per type, each point labelled with its name."""
    if df.empty:
        return empty_figure(NO_DATA, title, ctx)
    fig = go.Figure()
    for i, (kind, part) in enumerate(df.groupby("类型", sort=True)):
        fig.add_scatter(
            x=pd.to_datetime(part["日期"]),
            y=[kind] * len(part),
            name=str(kind),
            mode="markers+text",
            text=[n if len(n) <= 12 else n[:11] + "…" for n in part["名称"]],
            # Neighbouring sessions alternate above and below their marker so their names do not overlap.
            textposition=["top center" if j % 2 == 0 else "bottom center" for j in range(len(part))],
            marker={"size": 14, "color": PALETTE[i % len(PALETTE)]},
            customdata=part[["名称"]].to_numpy(),
            hovertemplate="%{x|%Y-%m-%d}<br>%{customdata[0]}<extra></extra>",
        )
    days = pd.to_datetime(df["日期"])
    margin = max((days.max() - days.min()) * 0.15, pd.Timedelta(days=20))  # room for the outer labels
    fig.update_xaxes(title_text="日期", tickformat="%Y-%m-%d", range=[days.min() - margin, days.max() + margin])
    fig.update_yaxes(title_text="活动类型")
    fig.update_layout(showlegend=False)
    return finish(fig, title, "场", ctx)
