"""Streamlit glue shared by the pages: the store, cached reads, the sidebar and chart rendering.

Numbers come from `indicators`; this module only caches them (keyed by store version, period and
unit, bounded) and lays out the pieces every page repeats.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from indicators.config import targets_stamp
from indicators.metrics import views
from indicators.metrics.load import RECORDS_SHOWN
from indicators.metrics.periods import GRANULARITY_LABELS, Granularity, Period, parse_period, period_of, periods_between
from indicators.metrics.tables import trend_label
from indicators.output import charts, escape, export
from indicators.output.style import HEIGHT, WIDTH, ChartContext
from indicators.store import Store, db_url, make_engine

ALL_UNITS = "全部单位"
# What the sidebar and each page say while the sample batch is live: all the data, or part of it.
SAMPLE_SIDEBAR = {
    "all": "当前显示的是**示例数据**（据 2024 年度报告生成），可在「数据管理」页撤销。",
    "part": "当前数据中**含示例数据**（据 2024 年度报告生成，批次说明为“示例数据”），可在「数据管理」页撤销该批次。",
}
SAMPLE_CAPTION = {
    "all": ":material/info: 示例数据：据《巴南区规划和自然资源局法治政府建设2024年度报告》生成，"
    "正式使用前请在「数据管理」页撤销该批次。",
    "part": ":material/info: 含示例数据：与正式台账一起显示的还有据 2024 年度报告生成的示例批次，"
    "正式使用前请在「数据管理」页撤销该批次。",
}
DATA_PAGE = "pages/data.py"
SELECTION_KEY = "selection"
CACHE_ENTRIES = 64
# A rate's card shows its basis, e.g. 85.3%（7302/8564）, which has no place to wrap: on a laptop-width
# screen streamlit would cut it off with an ellipsis. Scale card values with the card's width instead
# (never above streamlit's own 2.25rem), so a 4-digit basis fits a third of a 1280-pixel window.
METRIC_CSS = (
    "<style>[data-testid='stMetric'] {container-type: inline-size;} "
    "[data-testid='stMetricValue'] {font-size: min(2.25rem, 9cqi);}</style>"
)


def md(template: str, *values: object) -> str:
    """Markdown from our template with every value (a file name, a unit, a label) escaped to literal text.

    The one place ledger or user text enters Markdown: `st.caption(md("文件：{}", name))`, never an
    f-string. tests/test_ui.py checks that pages pass no f-string to a Markdown element.
    """
    return template.format(*(escape.markdown(v) for v in values))


@st.cache_resource(show_spinner=False)
def get_store(url: str) -> Store:
    """One store (engine and connection pool) per database URL, shared by all sessions."""
    return Store(make_engine(url))


def store() -> Store:
    return get_store(db_url())


@st.cache_data(max_entries=CACHE_ENTRIES, show_spinner=False)
def store_facts(url: str, version: str) -> dict:
    """Units, the span of primary dates and whether sample data is live, for one store version."""
    s = get_store(url)
    return {"units": s.units(), "range": s.date_range(primary=True), "sample": s.sample_share()}


@st.cache_data(max_entries=CACHE_ENTRIES, show_spinner=False)
def sample_share(url: str, version: str, unit: str | None) -> str:
    """Whether the figures of a unit (or of all units) hold sample data: "", "all" or "part"."""
    return get_store(url).sample_share(unit)


@st.cache_data(max_entries=CACHE_ENTRIES, show_spinner=False)
def page_data(page: str, url: str, version: str, period_code: str, unit: str | None, goals: str) -> dict:
    """Everything one page shows for a period and unit, computed once per store version and targets file."""
    return views.page_data(get_store(url), page, parse_period(period_code), unit)


@dataclass(frozen=True)
class Selection:
    """The sidebar's choice, shared by every page."""

    period: Period
    unit: str | None
    version: str
    sample: str  # Store.sample_share: "", "all" or "part"
    as_of: date

    @property
    def unit_label(self) -> str:
        return self.unit or ALL_UNITS

    def context(self) -> ChartContext:
        return ChartContext(self.period.label, self.unit_label, self.as_of, self.sample)

    def trend_context(self) -> ChartContext:
        """The context of a trend chart: its title names the whole window, not only the period."""
        return replace(self.context(), period_label=trend_label(self.period))

    def year_context(self) -> ChartContext:
        return replace(self.context(), period_label=f"{self.period.year}年")

    def data(self, page: str) -> dict:
        return page_data(page, db_url(), self.version, self.period.code, self.unit, targets_stamp())


def sidebar() -> Selection | None:
    """Granularity, period (latest with data by default) and unit; None when the store is empty."""
    version = store().version()
    facts = store_facts(db_url(), version)
    if facts["range"] is None:
        return None
    first, last = facts["range"]
    st.sidebar.header("查看范围")
    granularity = st.sidebar.radio(
        "统计粒度",
        list(Granularity),
        format_func=lambda g: GRANULARITY_LABELS[g],
        horizontal=True,
        key="granularity",
        index=2,
    )
    options = [p.code for p in reversed(periods_between(first, last, granularity))]
    if st.session_state.get("period") not in options:
        st.session_state["period"] = period_of(last, granularity).code
    code = st.sidebar.selectbox("期间", options, format_func=lambda c: parse_period(c).label, key="period")
    units = [None, *facts["units"]]  # None is all units: a unit may well be named 全部单位 itself
    if st.session_state.get("unit") not in units:
        st.session_state["unit"] = None
    unit = st.sidebar.selectbox("单位", units, format_func=lambda u: ALL_UNITS if u is None else u, key="unit")
    period = parse_period(code)
    sample = sample_share(db_url(), version, unit) if facts["sample"] else ""
    if sample:
        st.sidebar.info(SAMPLE_SIDEBAR[sample], icon=":material/info:")
    return Selection(period, unit, version, sample, min(period.end, last))


def ensure_entrypoint() -> None:
    """Rerun through dashboard.py when a page ran without it.

    Streamlit's legacy `pages/` directory mode runs a deep-linked page on its own for the first
    session after a server start (no navigation, no sidebar); switching the mode off and rerunning
    lets st.navigation in dashboard.py take over for this and every later session.
    """
    if SELECTION_KEY not in st.session_state:
        from streamlit.runtime.pages_manager import PagesManager

        PagesManager.uses_pages_directory = False
        st.rerun()


def selection() -> Selection:
    """The sidebar's choice for this page; stops with directions to the data page when there is no data.

    Also styles the page's metric cards (METRIC_CSS): every page that shows cards starts here.
    """
    ensure_entrypoint()
    chosen = require_selection(st.session_state[SELECTION_KEY])
    st.html(METRIC_CSS)
    return chosen


def open_page(title: str, page: str) -> tuple[Selection, dict]:
    """The top of an indicator page: its title with the period, the sample notice, and its data."""
    sel = selection()
    st.title(md("{} · {}", title, sel.period.label))
    sample_notice(sel)
    return sel, sel.data(page)


def require_selection(selection: Selection | None) -> Selection:
    """Stop the page with directions to the data page when there is nothing to show."""
    if selection is None:
        st.info(
            "还没有任何数据。请到「数据管理」页下载填报模板，按季度填好信访、复议应诉、培训学法台账后上传。",
            icon=":material/upload_file:",
        )
        st.page_link(DATA_PAGE, label="前往数据管理", icon=":material/database:")
        st.stop()
    return selection


def sample_notice(selection: Selection) -> None:
    if selection.sample:
        st.caption(SAMPLE_CAPTION[selection.sample])


def chart(build: Callable[..., go.Figure], data: pd.DataFrame, ctx: ChartContext, title: str, key: str, *args) -> None:
    """Build a chart from its table (`build(data, ctx, title, *args)`) and show it with its downloads."""
    show_chart(build(data, ctx, title, *args), data, title, ctx, key)


def show_chart(fig: go.Figure, data: pd.DataFrame, title: str, ctx: ChartContext, key: str) -> None:
    """A chart with its modebar PNG (scale 2, Chinese name), a server-side PNG and its data as .xlsx."""
    stem = charts.file_stem(title, ctx)
    config = {
        "displaylogo": False,
        "toImageButtonOptions": {"format": "png", "filename": stem, "scale": 2, "width": WIDTH, "height": HEIGHT},
    }
    st.plotly_chart(fig, theme=None, key=key, config=config)
    left, right, _ = st.columns([1, 1, 2])
    left.download_button(
        "下载图片 PNG",
        data=later(export.figure_png, fig),
        file_name=f"{stem}.png",
        mime="image/png",
        key=f"{key}-png",
        on_click="ignore",
        icon=":material/image:",
    )
    right.download_button(
        "下载数据 Excel",
        data=later(export.xlsx_bytes, {title: data}),
        file_name=f"{stem}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{key}-xlsx",
        on_click="ignore",
        icon=":material/table_view:",
    )


def records_table(sel: Selection, page: str, data: dict, title: str) -> None:
    """A page's records of the period: the first RECORDS_SHOWN on the page, all of them in the download."""
    st.subheader(title)
    total = data["records_total"]
    if total == 0:
        st.info(md("{}没有记录。", sel.period.label), icon=":material/inbox:")
        return
    if total > RECORDS_SHOWN:
        st.caption(md("共 {} 条，下表按日期显示前 {} 条；全部记录请下载 Excel。", f"{total:,}", f"{RECORDS_SHOWN:,}"))
    st.dataframe(data["records"], hide_index=True, placeholder="")
    stem = charts.file_stem(title, sel.context())
    st.download_button(
        md("下载全部 {} 条记录 Excel", f"{total:,}"),
        data=later(_records_xlsx, sel, page, title),
        file_name=f"{stem}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{page}-records-xlsx",
        on_click="ignore",
        icon=":material/table_view:",
    )


def _records_xlsx(sel: Selection, page: str, title: str) -> bytes:
    return export.xlsx_bytes({title: views.all_records(store(), page, sel.period, sel.unit)})


def later(func: Callable, *args: object) -> Callable[[], bytes]:
    """Defer an export until its button is clicked."""
    return lambda: func(*args)
