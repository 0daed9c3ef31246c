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
BUREAU = "巴南区规划和自然资源局"
SOURCE = f"{BUREAU}法治政府建设台账"
TEMPLATE_NAME = "fazhi"
WIDTH, HEIGHT = 960, 540
BOTTOM_MARGIN = 120
FOOTNOTE_DROP = 96  # pixels below the plot area: under two-line ticks and the axis title, above the edge
# A phone's layout (ChartContext.compact): below this many CSS pixels of window width (ui.narrow), charts
# wrap their title, legend and footnote, drop axis titles the subtitle already names, and keep labels level.
COMPACT_BELOW = 640
COMPACT = {
    "height": 480,
    "title_chars": 14,  # CJK characters per title line at 17 px in about 350 px
    "scope_chars": 26,  # per subtitle line at 12 px
    "foot_chars": 30,  # per footnote line at 10 px
    "legend_px": 240,  # the width a horizontal legend surely has on one row (the plot's, between the axes)
    "title_pad": 30,  # plotly sets a multi-line title's first line this far below its anchor
}
# Where a wrapped line may end, best first: (separator, how many of its characters end the line).
SEPARATORS = ((" · ", 0), ("；", 1), ("（", 0), ("：", 1), ("，", 1))

_base = pio.templates["plotly_white"]
# Its layout, and its trace defaults for the two kinds of trace the charts draw: plotly validates a
# figure's template on every build, and the defaults of all 40 kinds were half of a page's rerun.
TEMPLATE = go.layout.Template(layout=_base.layout, data={"bar": _base.data.bar, "scatter": _base.data.scatter})
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
    compact: bool = False  # drawn for a phone's width (COMPACT); exports always use the full layout

    def footnote(self) -> str:
        sample = {"all": "（示例数据，据2024年度报告生成）", "part": "（含示例数据，据2024年度报告生成）"}.get(
            self.sample, ""
        )
        return f"数据来源：{self.source}{sample}；数据截至 {self.as_of.isoformat()}"

    def heading(self, title: str) -> tuple[str, ...]:
        """The lines above an exported table, as the chart's title and footnote say them."""
        return (title, f"期间：{self.period_label} · 单位：{self.unit_label}", self.footnote())


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


def wrap(text: str, width: int) -> list[str]:
    """Text in lines of at most `width` characters, broken at the first kind of SEPARATORS found past
    the first third of a line, else after `width` characters."""
    lines, rest = [], text
    while len(rest) > width:
        end = start = width
        for sep, kept in SEPARATORS:
            at = rest.rfind(sep, 0, width if kept else width + len(sep))
            if at >= 0 and at + kept > width // 3:
                end = at + kept  # the line keeps "：", "；" and "，"
                start = at + len(sep) if sep == " · " else end  # drops " · ", and "（" opens the next line
                break
        lines.append(rest[:end])
        rest = rest[start:]
    return [*lines, rest] if rest else lines


UNIT_CHARS = 24  # the longest unit name a subtitle, a scope line or a file name shows whole


def clip(text: str, limit: int) -> str:
    """Text of at most `limit` characters: longer text is cut and ends in "…"."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def lines(parts: list[str]) -> str:
    """Lines of our text, each escaped for Plotly, joined with Plotly's line break."""
    return "<br>".join(escape.plotly(p) for p in parts)


def legend_rows(fig: go.Figure, width: int) -> int:
    """How many rows a horizontal legend of the figure's named traces may take in `width` pixels (0: none).

    One row when every entry fits; else plotly lays entries out in columns as wide as the widest,
    which on a phone is often one: counted as one row each, so the legend never reaches the title.
    """
    names = [t.name for t in fig.data if t.name and t.showlegend is not False]
    if len(names) < 2 or fig.layout.showlegend is False:
        return 0
    return 1 if sum(13 * len(name) + 45 for name in names) <= width else len(names)


def finish(fig: go.Figure, title: str, measure: str, ctx: ChartContext) -> go.Figure:
    """Escape the data, apply the template, a two-line title (what, measure; period and unit), the footnote.

    Every chart builder ends here, so this is the one place ledger text leaves for Plotly. A compact
    context (a phone) gets the same content laid out for about 350 pixels (compact_layout).
    """
    escape_data(fig)
    unit = clip(ctx.unit_label, UNIT_CHARS)  # a 1,000-character unit would push the measure off the chart
    scope = " · ".join((ctx.period_label, unit, *([f"单位：{measure}"] if measure else [])))
    footnote = ctx.footnote()
    fig.update_layout(
        template=TEMPLATE_NAME,
        title={"text": f"{lines([title])}<br><span style='font-size:14px;color:{NEUTRAL}'>{lines([scope])}</span>"},
        width=None,
        height=HEIGHT,
    )
    fig.add_annotation(
        text=lines([footnote]),
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
    if ctx.compact:
        compact_layout(fig, title, scope, footnote)
    return fig


def compact_layout(fig: go.Figure, title: str, scope: str, footnote: str) -> None:
    """A phone's layout: title, subtitle and footnote wrapped, the legend on its own rows between the
    title and the plot, no axis titles (the subtitle names the unit), level tick labels, small text."""
    heads, scopes = wrap(title, COMPACT["title_chars"]), wrap(scope, COMPACT["scope_chars"])
    feet = wrap(footnote, COMPACT["foot_chars"])
    legend = legend_rows(fig, COMPACT["legend_px"])
    head_px = COMPACT["title_pad"] + 22 * (len(heads) - 1) + 17 * len(scopes)
    two_line_ticks = any("<br>" in str(t) for t in (fig.layout.xaxis.ticktext or ()))
    drop = 48 if two_line_ticks else 30
    right = 48 if "yaxis2" in fig.layout and fig.layout.yaxis2.overlaying else 12
    fig.update_layout(
        height=COMPACT["height"] + 22 * legend + 13 * (len(heads) + len(feet)),
        title={
            "text": f"{lines(heads)}<br><span style='font-size:12px;color:{NEUTRAL}'>{lines(scopes)}</span>",
            "font": {"size": 17},
            "yref": "container",
            "y": 1,
            "yanchor": "top",
            "pad": {"t": COMPACT["title_pad"]},
        },
        legend={"x": 0, "xanchor": "left", "y": 1.0, "yanchor": "bottom", "font": {"size": 12}},
        margin={"l": 8, "r": right, "t": head_px + 24 * legend + 16, "b": drop + 13 * len(feet) + 10},
        font={"size": 12},
        uniformtext={"minsize": 9, "mode": "hide"},
    )
    fig.update_xaxes(title_text="", tickangle=0, tickfont={"size": 11}, automargin=True)
    fig.update_yaxes(title_text="", tickfont={"size": 11}, automargin=True)
    for note in fig.layout.annotations:
        if note.yshift == -FOOTNOTE_DROP:
            note.update(text=lines(feet), yshift=-drop, font={"size": 10})


def empty_figure(message: str, title: str, ctx: ChartContext) -> go.Figure:
    """A chart that says why it has nothing to draw instead of showing empty axes."""
    fig = go.Figure()
    fig.add_annotation(text=message, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False, font={"size": 16})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return finish(fig, title, "", ctx)
