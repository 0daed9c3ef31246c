"""One look for every chart: font family, palette, template, title with period and unit, footnote.

Based on `plotly_white` (streamlit's own plotly theme exports black bars) so what is on screen is
what a PNG export shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

from . import escape

FONT_FAMILY = '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif'
PALETTE = ("#1f5fa8", "#e07b24", "#2e8b57", "#c0392b", "#7b5ea7", "#6b7b8c", "#1a9bb0", "#b8921b")
NEUTRAL = "#5f6b7a"
ALERT = "#c0392b"
OK = "#2e8b57"
OUTCOME_COLORS = {"胜诉/维持": "#2e8b57", "败诉/被纠错": "#c0392b", "撤诉/调解": "#e0a526", "未结": "#9aa5b1"}
SOURCE = "巴南区规划和自然资源局法治政府建设台账"
TEMPLATE_NAME = "fazhi"
WIDTH, HEIGHT = 960, 540
BOTTOM_MARGIN = 120
FOOTNOTE_DROP = 96  # pixels below the plot area: under two-line ticks and the axis title, above the edge

_base = pio.templates["plotly_white"]
TEMPLATE = go.layout.Template(_base)
TEMPLATE.layout.update(
    font={"family": FONT_FAMILY, "size": 14, "color": "#1f2933"},
    colorway=list(PALETTE),
    title={"x": 0.01, "xanchor": "left", "font": {"size": 20}},
    legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1.0, "title": {"text": ""}},
    margin={"l": 70, "r": 30, "t": 100, "b": BOTTOM_MARGIN},
    separators=".,",
    hoverlabel={"font": {"family": FONT_FAMILY}},
)
pio.templates[TEMPLATE_NAME] = TEMPLATE


@dataclass(frozen=True)
class ChartContext:
    """What every chart states about itself: period, unit, as-of date and how much of the data is sample.

    `sample` is "" (none), "all" or "part" (Store.sample_share).
    """

    period_label: str
    unit_label: str
    as_of: date
    sample: str = ""
    source: str = SOURCE

    def footnote(self) -> str:
        sample = {"all": "（示例数据，据2024年度报告生成）", "part": "（含示例数据，据2024年度报告生成）"}.get(
            self.sample, ""
        )
        return f"数据来源：{self.source}{sample}；数据截至 {self.as_of.isoformat()}"


# Trace attributes that carry data (ledger text among it) and that Plotly renders as pseudo-HTML.
DATA_TEXT = ("x", "y", "text", "hovertext", "customdata", "name", "labels")


def _escaped(value: object) -> object:
    """Every string inside a trace attribute escaped for Plotly, whatever the nesting."""
    if isinstance(value, str):
        return escape.plotly(value)
    if isinstance(value, np.ndarray) and value.dtype.kind in "OUS":
        return np.vectorize(_escaped, otypes=[object])(value) if value.size else value
    if isinstance(value, (list, tuple)):
        return [_escaped(v) for v in value]
    return value


def escape_data(fig: go.Figure) -> None:
    """Escape the text of every trace: ledger values (units, channels, names) are shown, never interpreted.

    Builders put no markup in trace data (two-line ticks are axis `ticktext`), so everything there is
    escaped; the layout text is ours and escapes the context's parts itself (finish).
    """
    for trace in fig.data:
        for attr in DATA_TEXT:
            if attr in trace and trace[attr] is not None:
                trace[attr] = _escaped(trace[attr])


def finish(fig: go.Figure, title: str, measure: str, ctx: ChartContext) -> go.Figure:
    """Escape the data, apply the template, a two-line title (what, measure; period and unit), the footnote.

    Every chart builder ends here, so this is the one place ledger text leaves for Plotly.
    """
    escape_data(fig)
    scope = " · ".join(escape.plotly(p) for p in (ctx.period_label, ctx.unit_label, f"单位：{measure}"))
    fig.update_layout(
        template=TEMPLATE_NAME,
        title={"text": f"{escape.plotly(title)}<br><span style='font-size:14px;color:{NEUTRAL}'>{scope}</span>"},
        width=None,
        height=HEIGHT,
    )
    fig.add_annotation(
        text=escape.plotly(ctx.footnote()),
        xref="paper",
        yref="paper",
        x=0,
        y=0,
        yshift=-FOOTNOTE_DROP,
        xanchor="left",
        yanchor="top",
        showarrow=False,
        font={"size": 11, "color": NEUTRAL},
    )
    return fig


def empty_figure(message: str, title: str, ctx: ChartContext) -> go.Figure:
    """A chart that says why it has nothing to draw instead of showing empty axes."""
    fig = go.Figure()
    fig.add_annotation(text=message, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False, font={"size": 16})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return finish(fig, title, "—", ctx)
