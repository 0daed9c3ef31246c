"""Streamlit glue shared by the pages: the store, cached reads, the sidebar and chart rendering.

Numbers come from `indicators`; this module only caches them (keyed by store version, period and
unit, bounded) and lays out the pieces every page repeats.
"""

from __future__ import annotations

import ipaddress
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from sqlalchemy.engine import Engine

from indicators import views
from indicators.access import ROLE_LABELS, Actor, NotPermitted, Role, local_admin
from indicators.catalog import Chart, charts_of
from indicators.config import targets_stamp
from indicators.ingest.safety import MAX_FILE_BYTES
from indicators.metrics import tables
from indicators.metrics.definitions import INDICATORS
from indicators.metrics.load import RECORDS_SHOWN
from indicators.metrics.periods import (
    GRANULARITY_LABELS,
    Granularity,
    Period,
    opening_period,
    parse_period,
    period_of,
    periods_between,
)
from indicators.output import charts, escape, export
from indicators.output.style import COMPACT_BELOW, HEIGHT, UNIT_CHARS, WIDTH, ChartContext, clip
from indicators.store import Store, audit, db_url, make_engine, users

ALL_UNITS = "全部单位"
# What the sidebar and each page say while the sample batch is live: all the data, or part of it.
SAMPLE_SIDEBAR = {
    "all": "当前显示的是**示例数据**（据 2024 年度报告生成），可{who}在「数据管理」页撤销。",
    "part": "当前数据中**含示例数据**（据 2024 年度报告生成，批次说明为“示例数据”），可{who}在「数据管理」页撤销该批次。",
}
SAMPLE_CAPTION = {
    "all": ":material/info: 示例数据：据《巴南区规划和自然资源局法治政府建设2024年度报告》生成，"
    "正式使用前请{who}在「数据管理」页撤销该批次。",
    "part": ":material/info: 含示例数据：与正式台账一起显示的还有据 2024 年度报告生成的示例批次，"
    "正式使用前请{who}在「数据管理」页撤销该批次。",
}
DATA_PAGE = "pages/data.py"
ADMIN_PAGE = "pages/admin.py"
AUDIT_PAGE = "pages/audit.py"
SELECTION_KEY = "selection"
SIDEBAR_KEYS = ("granularity", "period", "unit")
# The unit box's first option, the total of the units one sees: a value no unit has (a blank unit cell
# is the default unit), so the box always holds a value (a None option would make it clearable, and a
# cleared box reads "Choose an option").
TOTAL = ""
LINK_NOTE_KEY = "link_note"  # (what a link asked for and could not be shown, the period and unit shown instead)  # the sidebar widgets' state (sidebar, sidebar_widgets)
AUTH_KEY = "auth"  # the signed-in user's name and when they signed in and were last seen
ACTOR_KEY = "actor"  # who this session acts as on this run (set by dashboard.py before the page runs)
FLASH_KEY = "sign_in_flash"
# A session ends after this long without a rerun, and in any case this long after signing in.
IDLE_SECONDS = int(os.environ.get("INDICATORS_SESSION_IDLE_MINUTES", "30")) * 60
MAX_SECONDS = int(os.environ.get("INDICATORS_SESSION_HOURS", "10")) * 3600
# Reverse proxies whose X-Real-IP header names the client (docs/deploy.md), comma-separated.
TRUSTED_PROXIES_ENV = "INDICATORS_TRUSTED_PROXIES"
# Any of these on a request says a proxy forwarded it: such a visitor is never "this machine".
PROXY_HEADERS = ("X-Forwarded-For", "X-Real-IP", "Forwarded", "Via", "X-Forwarded-Host")
LOCAL_MODE = (
    ":material/person: **本机模式**：尚未配置任何用户，本系统只在本机（127.0.0.1）提供服务，您以本机管理员身份使用全部功能。"
    "在服务器上运行 `.venv/bin/python -m indicators users add 用户名 --role admin --password-stdin` 新增管理员后，每个页面都需要登录。"
)
REMOTE_REFUSED = (
    "本系统尚未配置用户，只接受本机（127.0.0.1）访问。请系统管理员在服务器上运行 "
    "`python -m indicators users add 用户名 --role admin --password-stdin` 新增管理员后，再从其他电脑访问。"
)
CACHE_ENTRIES = 64
# A rate's card shows its basis, e.g. 85.3%（7302/8564）, which has no place to wrap: on a laptop-width
# screen streamlit would cut it off with an ellipsis. Scale card values with the card's width instead
# (never above streamlit's own 2.25rem), so a 4-digit basis fits a third of a 1280-pixel window.
METRIC_CSS = (
    "<style>[data-testid='stMetric'] {container-type: inline-size;} "
    "[data-testid='stMetricValue'] {font-size: min(2.25rem, 9cqi);}</style>"
)


# Streamlit serves its page as lang="en" (browsers then draw CJK text with Japanese glyphs), with no
# setting: this override, on every page, says zh-CN (tests/test_browser.py checks it in chromium).
# On paper a chart keeps the width it is drawn at (plotly draws in pixels, and the page's print layout
# does not redraw it): the script notes each chart's drawn width (its svg's; a table's box on screen)
# and the zoom that fits it in PRINT_WIDTH pixels (an A4 page inside its margins), again whenever a
# chart is redrawn (print media emulated in a wide window widens the page and plotly redraws); the
# print rules apply both.
PRINT_WIDTH = 680
RECORDS_KEY = "records-"
LOCAL_MODE_KEY = "local-mode"  # the 本机模式 note: for the screen, not for paper
SCREEN_ONLY_KEY = "screen-only"  # what only a screen needs (download buttons and the words about them)
OFFICIAL_KEY = "official-"
CHROME = f"""<script>
document.documentElement.lang = "zh-CN";
if (!window.__printFit) {{
  const printing = window.matchMedia("print");
  const drawn = (chart) => {{
    const svg = chart.querySelector(".main-svg");
    if (svg) return Number(svg.getAttribute("width"));
    return printing.matches ? 0 : chart.getBoundingClientRect().width;
  }};
  window.__printFit = () => document.querySelectorAll(".stPlotlyChart, .stDataFrame").forEach((chart) => {{
    const width = drawn(chart);
    if (width > 0) {{
      chart.style.setProperty("--screen-width", `${{width}}px`);
      chart.style.setProperty("--print-zoom", Math.min(1, {PRINT_WIDTH} / width).toFixed(3));
    }}
  }});
  let timer;
  const later = () => {{ clearTimeout(timer); timer = setTimeout(window.__printFit, 200); }};
  new MutationObserver(later).observe(document.body, {{subtree: true, childList: true, attributeFilter: ["width"]}});
  window.addEventListener("resize", later);
  printing.addEventListener("change", window.__printFit);
  window.addEventListener("beforeprint", window.__printFit);
}}
</script>
<style>
[data-testid=stElementToolbarButton]:has(button[aria-label^="Download as CSV"]),
[data-testid=stElementToolbarButton]:has(button[aria-label^="下载为 CSV"]) {{display: none !important;}}
@media print {{
  [data-testid=stSidebar], [data-testid=stHeader], [data-testid=stToolbar], [data-testid=stElementToolbar],
  [data-testid=stSidebarCollapsedControl], .modebar-container, .stButton, .stDownloadButton,
  [data-testid=stExpander], [class*="st-key-{RECORDS_KEY}"], .st-key-{LOCAL_MODE_KEY},
  [class*="st-key-{SCREEN_ONLY_KEY}"] {{display: none !important;}}
  h1, h2, h3 {{break-after: avoid;}}
  [class*="st-key-{OFFICIAL_KEY}"] {{break-inside: avoid;}}
  [data-testid=stMain] {{margin-left: 0 !important;}}
  .stPlotlyChart, .stDataFrame {{width: var(--screen-width, 100%) !important; zoom: var(--print-zoom, 1);}}
  .stPlotlyChart, [data-testid=stMetric] {{break-inside: avoid;}}
}}
</style>"""
# Streamlit's uploader, table toolbar and column menu name their actions in English, with no setting;
# TRANSLATE_JS replaces these texts (text, tooltips, menu items, aria-labels) as they appear.
UPLOAD_TYPES = ("xlsx", "xls", "xlsm", "csv")
STREAMLIT_WORDS = {
    "Upload": "选择文件",
    "file upload": "选择台账文件",
    f"{MAX_FILE_BYTES // 1024 // 1024}MB per file": f"每个文件不超过 {MAX_FILE_BYTES // 1024 // 1024} MB",
    f"• {', '.join(t.upper() for t in UPLOAD_TYPES)}": f" · {'、'.join(t.upper() for t in UPLOAD_TYPES)}",
    "Add files": "添加文件",
    "Page not found": "找不到页面",
    "The page that you have requested does not seem to exist. Running the app's main page.": "找不到所请求的页面，已打开首页。",
    "Show password": "显示明文",
    "Hide password": "隐藏明文",
    "Increment": "增加",
    "Decrement": "减少",
    "Date range": "日期范围",
    "Choose date range": "选择日期范围",
    "Quick select a date range": "快速选择日期范围",
    "Previous month": "上个月",
    "Next month": "下个月",
    "Past Week": "最近一周",
    "Past Month": "最近一个月",
    "Past 3 Months": "最近三个月",
    "Past 6 Months": "最近六个月",
    "Past Year": "最近一年",
    "Past 2 Years": "最近两年",
    "Error:": "错误：",
    "Choose an option": "请选择",
    "No results": "没有匹配的选项",
    "Clear value": "清除",
    "Clear all": "全部清除",
    "Skip to main content": "跳到正文",
    "Sidebar": "侧栏",
    "Collapse sidebar": "收起侧栏",
    "Expand sidebar": "展开侧栏",
    "App pages": "页面导航",
    "Link to heading": "本节链接",
    "Show/hide columns": "显示或隐藏列",
    "Download as CSV": "下载为 CSV",
    "Search": "搜索",
    "Fullscreen": "全屏",
    "Close fullscreen": "退出全屏",
    "Clear selection": "清除选择",
    "Sort ascending": "升序排列",
    "Sort descending": "降序排列",
    "Pin column": "固定列",
    "Unpin column": "取消固定列",
    "Hide column": "隐藏列",
    "Autosize": "自动列宽",
    "Format": "格式",
    "Copy column name": "复制列名",
    "Select all": "全选",
    "Statistics": "统计",
    "Wrap": "自动换行",
    "Rename": "重命名",
    "Open": "展开选项",
}
# Streamlit's words around a name (a file's, a label's) or a size: the pattern and its Chinese ($1 is kept).
STREAMLIT_PATTERNS = [
    [r"^Remove (.+)$", "移除 $1"],
    [r"^Help for (.+)$", "$1 的说明"],
    [r"^\S+ icon$", "图标"],
    [
        r"^You have requested page (.+), but no corresponding file was found in the app's pages/ directory\. Running the app's main page\.$",
        "没有页面 $1，已打开首页。",
    ],
    [r"^(.+) start date$", "$1 开始日期"],
    [r"^(.+) end date$", "$1 结束日期"],
    [r"^(?:Error: )?(.+) files are not allowed\.?$", "不接受此类文件（$1），请选择 XLSX、XLS、XLSM 或 CSV 文件"],
    [r"^File must be (.+) or smaller\.?$", "文件不能超过 $1"],
]
# Where the script never translates: the page's and sidebar's Markdown, metrics, options, inputs, charts
# and a table's cells (its grid, which a screen reader reads) show ledger and user text (tooltips, drawn
# outside all these, are Streamlit's own words), except inside the uploader's drop zone (STREAMLIT_OWN).
STREAMLIT_OWN = "[data-testid=stFileUploader], [data-testid=stElementToolbar]"
KEEP_NAMES = "[role=listbox], [role=option], [role=grid], .js-plotly-plot .main-svg"
KEEP_AS_SHOWN = (
    "[data-testid=stMain] [data-testid=stMarkdownContainer], [data-testid=stSidebar] [data-testid=stMarkdownContainer], "
    "[data-testid=stMetric], [role=listbox], [role=option], [role=grid], input, textarea, .stPlotlyChart"
)
TRANSLATE_JS = (
    """<script>
(() => {
  if (window.__zhWords) return;
  const words = window.__zhWords = __WORDS__;
  // Never where text from a ledger or a user is shown (a unit may be called "Search"); charts translate themselves.
  // A list of options is ledger text, but its "No results" when none matches is Streamlit's own.
  const own = (e) => e.closest(__OWN__) || (e.closest("[role=listbox]") && !e.closest("[role=option]"));
  const theirs = (e) => !e || !e.closest || (e.closest(__KEEP__) && !own(e));
  const patterns = __PATTERNS__.map(([p, zh]) => [new RegExp(p), zh]);
  const chinese = (s) => {
    if (!s) return null;
    if (words[s.trim()]) return words[s.trim()];
    const [head, ...rest] = s.split(": ");  // a toolbar button's label names its table: "Search: 本期信访记录"
    if (rest.length && words[head]) return `${words[head]}：${rest.join(": ")}`;
    for (const [p, zh] of patterns) if (p.test(s.trim())) return s.trim().replace(p, zh);
    return null;
  };
  const text = (n) => { const zh = chinese(n.nodeValue); if (zh && !theirs(n.parentElement)) n.nodeValue = zh; };
  // An accessible name is Streamlit's own (a heading's link, a chart's 全屏) except on an option, a grid's
  // cells or a plot, whose names are their ledger text.
  // data-title: a chart toolbar button's tooltip; placeholder: an emptied select box's "Choose an option"
  const NAMES = ["aria-label", "title", "data-title", "placeholder"];
  const named = (e) => !e || !e.closest || e.closest(__KEEP_NAMES__);
  const attribute = (e, a) => { const zh = chinese(e.getAttribute(a)); if (zh && !named(e)) e.setAttribute(a, zh); };
  const fix = (root) => {
    if (!root || !root.querySelectorAll) return;
    if (!theirs(root)) {
      const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) text(n);
    }
    for (const e of [root, ...root.querySelectorAll("[aria-label], [title], [data-title]")])
      for (const a of NAMES) if (e.hasAttribute && e.hasAttribute(a)) attribute(e, a);
  };
  new MutationObserver((changes) => {
    for (const c of changes) {
      if (c.type === "characterData") text(c.target);
      else if (c.type === "attributes") attribute(c.target, c.attributeName);
      else for (const n of c.addedNodes) fix(n.nodeType === 3 ? n.parentElement : n);
    }
  }).observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true,
                             attributeFilter: NAMES});
  fix(document.body);
})();
</script>""".replace("__WORDS__", json.dumps(STREAMLIT_WORDS, ensure_ascii=False))
    .replace("__KEEP__", json.dumps(KEEP_AS_SHOWN))
    .replace("__OWN__", json.dumps(STREAMLIT_OWN))
    .replace("__PATTERNS__", json.dumps(STREAMLIT_PATTERNS))
    .replace("__KEEP_NAMES__", json.dumps(KEEP_NAMES))
)
# The chart toolbar's tooltips in Chinese (plotly.js takes a locale inline in the chart's config).
PLOTLY_LOCALE = {
    "zh-CN": {
        "dictionary": {
            "Download plot as a png": "下载图片（PNG）",
            "Download plot as a PNG": "下载图片（PNG）",
            "Download plot": "下载图片",
            "Zoom": "缩放",
            "Pan": "平移",
            "Box Select": "框选",
            "Lasso Select": "套索选择",
            "Zoom in": "放大",
            "Zoom out": "缩小",
            "Autoscale": "自动缩放",
            "Reset axes": "还原坐标轴",
            "Toggle Spike Lines": "显示或隐藏参考线",
            "Show closest data on hover": "悬停显示最近的数据",
            "Compare data on hover": "悬停比较数据",
            "Produced with Plotly.js": "由 Plotly.js 绘制",
            "Double-click to zoom back out": "双击还原",
        }
    }
}


# A window narrower than this is a phone's: charts take their compact layout (style.COMPACT).
VIEWPORT_KEY = "viewport"
VIEWPORT_JS = """
export default function ({ setStateValue, data }) {
  const report = () => {
    const narrow = window.innerWidth < data.below;
    if (narrow !== data.narrow) setStateValue("narrow", narrow);
  };
  report();
  let timer;
  const resized = () => { clearTimeout(timer); timer = setTimeout(report, 300); };
  window.addEventListener("resize", resized);
  return () => { window.removeEventListener("resize", resized); clearTimeout(timer); };
}
"""
_viewport = st.components.v2.component("indicators_viewport", js=VIEWPORT_JS)
# 打印/导出PDF: the browser's own print dialog (A4, or "save as PDF"), laid out by CHROME's print rules.
# Plain HTML with a script (st.html, like CHROME) rather than a component: it draws before the first
# chart without loading anything more.
PRINT_BUTTON = """<button type="button" class="print-page">打印/导出PDF</button>
<style>
.print-page {font: inherit; font-size: 0.875rem; padding: 0.25rem 0.75rem; min-height: 2.5rem; cursor: pointer;
  color: inherit; background: #fff; border: 1px solid rgba(49, 51, 63, 0.2); border-radius: 0.5rem;}
.print-page:hover {border-color: #1f5fa8; color: #1f5fa8;}
@media print {.print-page {display: none !important;}}
</style>
<script>document.querySelectorAll(".print-page").forEach((b) => { b.onclick = () => window.print(); });</script>"""
# A session's first chart page draws its title, cards and first chart before anything else: no buttons,
# definitions or sidebar widgets, whose code the browser would load and run while it loads plotly.js.
# The rest follows PAINT_DELAY_MS after the browser has drawn that chart, time for the screen to show it
# before the server and browser turn to the later charts. Streamlit has no event for a drawn chart: a
# script (in st.html, whose code the page has loaded already) waits for it and clicks a hidden button,
# whose rerun draws the whole page. bench/pages.py measures the gain against a bare page.
PAINTED_KEY = "painted"
DEFERRED_KEY = "deferred"  # this run draws the top and first chart of its page only
PAINT_BUTTON_KEY = "first_paint"
PAINT_DELAY_MS = 500
PAINT_SCRIPT = f"""<style>.st-key-{PAINT_BUTTON_KEY} {{display: none !important;}}</style>
<script>
(() => {{
  const button = () => document.querySelector(".st-key-{PAINT_BUTTON_KEY} button");
  const wait = () => document.querySelector(".js-plotly-plot .main-svg") && button()
    ? requestAnimationFrame(() => setTimeout(() => button() && button().click(), {PAINT_DELAY_MS}))
    : setTimeout(wait, 50);
  wait();
}})();
</script>"""


def painted() -> bool:
    """Whether this session's browser has drawn a first chart (a session without a browser, as in AppTest, has)."""
    return st.session_state.get(PAINTED_KEY, False) or not _request_headers()


def _mark_painted() -> None:
    st.session_state[PAINTED_KEY] = True


def first_chart_only() -> bool:
    """Whether this run draws only the top and first chart of its page (set by open_page)."""
    return bool(st.session_state.get(DEFERRED_KEY))


def after_first_chart(render: Callable[[], None]) -> None:
    """The rest of a page (later charts, tables and their buttons): drawn at once, except on a session's
    first chart page, where it follows once the browser has drawn the cards and the first chart."""
    if not first_chart_only():
        render()
        return
    st.button("继续加载", key=PAINT_BUTTON_KEY, on_click=_mark_painted)
    st.html(PAINT_SCRIPT, unsafe_allow_javascript=True)
    st.caption("其余图表正在加载……")


def narrow() -> bool:
    """Whether this session's window is a phone's (narrower than style.COMPACT_BELOW), as last reported."""
    return bool((st.session_state.get(VIEWPORT_KEY) or {}).get("narrow", False))


def watch_viewport() -> None:
    """Have the browser report when its window crosses the phone width (one rerun when it does).

    Called after the page (dashboard.py), and not while a first chart is awaited (first_chart_only):
    its component's code would load while plotly.js does."""
    if first_chart_only():
        return
    with st.sidebar:
        _viewport(
            key=VIEWPORT_KEY,
            data={"narrow": narrow(), "below": COMPACT_BELOW},
            default={"narrow": False},
            on_narrow_change=lambda: None,
            height=0,
        )


def print_button() -> None:
    """打印/导出PDF of the whole page (the browser's print dialog; CHROME's print rules lay it out)."""
    st.html(PRINT_BUTTON, unsafe_allow_javascript=True)


def page_chrome() -> None:
    """The zh-CN language and Chinese texts Streamlit has no setting for (CHROME), on every page."""
    st.html(CHROME + TRANSLATE_JS, unsafe_allow_javascript=True)


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
    """The store as this session's user: reads show their units only, writes are checked against their role."""
    return get_store(db_url()).acting(st.session_state[ACTOR_KEY])


def actor() -> Actor:
    return st.session_state[ACTOR_KEY]


def scope_key() -> tuple[str, ...] | None:
    """The units this session may see, as a cache key: sessions that see the same units share figures."""
    scope = actor().scope
    return None if scope is None else tuple(sorted(scope))


def reader(scope: tuple[str, ...] | None) -> Store:
    """A store that reads as anyone with this scope: what cached reads run as."""
    who = local_admin() if scope is None else Actor("", Role.VIEWER, frozenset(scope))
    return get_store(db_url()).acting(who)


def _trusted_proxies() -> set[str]:
    return {p.strip() for p in os.environ.get(TRUSTED_PROXIES_ENV, "").split(",") if p.strip()}


def _request_headers() -> dict[str, str]:
    """The headers of the request that opened this session (none in AppTest)."""
    return dict(st.context.headers or {})


def client_address() -> str:
    """Where this session's requests come from: the connection's address, or behind a trusted proxy
    the address it names. Streamlit reports a loopback connection as None."""
    ip = st.context.ip_address
    ip = ip if isinstance(ip, str) else "127.0.0.1"  # None: a loopback connection (or no connection at all)
    headers = _request_headers()
    if ip in _trusted_proxies() or (ip == "127.0.0.1" and "127.0.0.1" in _trusted_proxies()):
        forwarded = headers.get("X-Real-IP") or headers.get("X-Forwarded-For", "").split(",")[-1].strip()
        return forwarded or ip
    return ip


def _is_local(address: str) -> bool:
    """A visitor on this machine itself: a loopback address that no proxy forwarded."""
    headers = _request_headers()
    if any(headers.get(h) for h in PROXY_HEADERS):
        return False
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Access:
    """Who this session acts as (None: nobody yet) and why: "local", "remote", "signed_out", "signed_in"."""

    actor: Actor | None
    mode: str
    message: str = ""


def access() -> Access:
    """This run's actor: the local admin while no user exists (to visitors on this machine only),
    else the signed-in user, re-read from the store on every run (a disabled user is out at once)."""
    engine = get_store(db_url()).engine
    address = client_address()
    state = st.session_state
    if not users.any_users(engine):
        state.pop(AUTH_KEY, None)
        return Access(local_admin(address), "local") if _is_local(address) else Access(None, "remote", REMOTE_REFUSED)
    auth = state.get(AUTH_KEY)
    if not auth and (identity := oidc_identity()):
        try:
            signed = users.sign_in_external(engine, identity, address)
        except users.SignInRefused as exc:
            return Access(None, "signed_out", str(exc))
        auth = state[AUTH_KEY] = {"name": signed.name, "since": time.time(), "seen": time.time()}
    if not auth:
        return Access(None, "signed_out", state.pop(FLASH_KEY, ""))
    now = time.time()
    if now - auth["seen"] > IDLE_SECONDS or now - auth["since"] > MAX_SECONDS:
        state.pop(AUTH_KEY, None)
        if oidc_identity():  # the provider's sign-in would let the session straight back in
            st.logout()
        return Access(None, "signed_out", "登录已超时，请重新登录。")
    current = users.current_actor(engine, auth["name"], address)
    if current is None:
        state.pop(AUTH_KEY, None)
        return Access(None, "signed_out", "该用户已停用或不存在，请联系管理员。")
    auth["seen"] = now
    return Access(current, "signed_in")


def oidc_configured() -> bool:
    """Whether this deployment configured an OpenID Connect provider for st.login ([auth] in secrets.toml)."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def oidc_identity() -> str | None:
    """The provider's signed-in identity as a user name here (its email, else preferred_username)."""
    if not oidc_configured() or not st.user.is_logged_in:
        return None
    return st.user.get("email") or st.user.get("preferred_username")


def sign_in_form() -> None:
    """The only thing a signed-out visitor sees: 用户名, 密码 and 登录 (and the provider's button, if any)."""
    st.title("法治政府建设指标看板")
    if oidc_configured():
        st.button("使用单位统一身份认证登录", on_click=st.login, icon=":material/badge:")
    with st.form("sign_in"):
        st.subheader("登录")
        name = st.text_input("用户名", max_chars=64)
        password = st.text_input("密码", type="password", max_chars=256)
        submitted = st.form_submit_button("登录", type="primary")
    if submitted:
        try:
            signed = users.sign_in(get_store(db_url()).engine, name, password, client_address())
        except users.SignInRefused as exc:
            st.error(str(exc), icon=":material/lock:")
            return
        now = time.time()
        st.session_state[AUTH_KEY] = {"name": signed.name, "since": now, "seen": now}
        st.rerun()


def sign_out() -> None:
    """End this session's sign-in (audited) and forget everything it held."""
    who = st.session_state.get(ACTOR_KEY)
    if who is not None and not who.local:
        audit.write(get_store(db_url()).engine, who, audit.Action.SIGN_OUT)
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    st.session_state[FLASH_KEY] = "已退出登录。"
    if oidc_identity():
        st.logout()


def user_panel(current: Actor) -> None:
    """The sidebar's line on who is signed in, and the sign-out button."""
    if current.local:
        return
    st.sidebar.caption(md("当前用户：{}（{}：{}）", current.name, ROLE_LABELS[current.role], current.units_text()))
    st.sidebar.button("退出登录", on_click=sign_out, icon=":material/logout:")


@st.cache_data(max_entries=CACHE_ENTRIES, show_spinner=False)
def store_facts(url: str, version: str, scope: tuple[str, ...] | None) -> dict:
    """Units, the span of primary dates and whether sample data is live, for one store version and scope."""
    s = reader(scope)
    return {"units": s.units(), "range": s.date_range(primary=True), "sample": s.sample_share()}


@st.cache_data(max_entries=CACHE_ENTRIES, show_spinner=False)
def sample_share(url: str, version: str, scope: tuple[str, ...] | None, unit: str | None) -> str:
    """Whether the figures of a unit (or of all units seen) hold sample data: "", "all" or "part"."""
    return reader(scope).sample_share(unit)


@st.cache_data(max_entries=CACHE_ENTRIES, show_spinner=False)
def page_data(
    page: str, url: str, version: str, scope: tuple[str, ...] | None, period_code: str, unit: str | None, goals: str
) -> dict:
    """Everything one page shows for a period and unit, once per store version, scope and targets file."""
    return views.page_data(reader(scope), page, parse_period(period_code), unit)


@st.cache_data(max_entries=CACHE_ENTRIES, show_spinner=False)
def report_data(
    url: str, version: str, scope: tuple[str, ...] | None, period_code: str, unit: str | None, goals: str
) -> views.Report:
    """A briefing's figures and narrative for a period and unit, once per store version, scope and targets."""
    return views.report_data(reader(scope), parse_period(period_code), unit)


@dataclass(frozen=True)
class Selection:
    """The sidebar's choice, shared by every page."""

    period: Period
    unit: str | None
    version: str
    sample: str  # Store.sample_share: "", "all" or "part"
    as_of: date
    total_label: str = ALL_UNITS  # what the total of the units this user sees is called

    @property
    def unit_label(self) -> str:
        return self.unit or self.total_label

    def context(self) -> ChartContext:
        return ChartContext(self.period.label, self.unit_label, self.as_of, self.sample, compact=narrow())

    @property
    def unit_shown(self) -> str:
        """The unit as a scope line shows it: a very long name cut (the sidebar's box has it whole)."""
        return clip(self.unit_label, UNIT_CHARS)

    def report(self) -> views.Report:
        return report_data(db_url(), self.version, scope_key(), self.period.code, self.unit, targets_stamp())

    def data(self, page: str) -> dict:
        return page_data(page, db_url(), self.version, scope_key(), self.period.code, self.unit, targets_stamp())


def sidebar() -> Selection | None:
    """This run's granularity, period (the latest full year by default) and unit, from the sidebar's
    widget state; None when the store is empty. The widgets themselves are drawn after the page
    (sidebar_widgets): what a first visit waits for is the page, not the sidebar's code."""
    version = store().version()
    facts = store_facts(db_url(), version, scope_key())
    if facts["range"] is None:
        return None
    first, last = facts["range"]
    units = viewable_units(facts["units"])
    state = st.session_state
    asked = None
    if "granularity" not in state:  # a new session: the link's view, else the latest full year
        asked = {k: st.query_params.get(k, "") for k in ("period", "unit")}
        opened = linked_view(units) or (opening_period(first, last, date.today()), units[0])
        state["granularity"], state["period"] = opened[0].granularity, opened[0].code
        choose_unit(opened[1])
    options = period_options(first, last)
    if state.get("period") not in options:
        state["period"] = period_of(last, state["granularity"]).code
    if state.get("unit") not in units:
        choose_unit(units[0])
    period, unit = parse_period(state["period"]), state.get("unit") or None
    if asked is not None:
        state[LINK_NOTE_KEY] = (link_note(asked, period, unit), period.code, unit)
    st.query_params.from_dict({"period": period.code, **({"unit": unit} if unit else {})})  # a link reopens this view
    sample = sample_share(db_url(), version, scope_key(), unit) if facts["sample"] else ""
    return Selection(period, unit, version, sample, min(period.end, last), actor().total_label())


def link_note(asked: dict[str, str], period: Period, unit: str | None) -> str:
    """What a link asked for and could not be shown (a period without data, a unit one may not see or
    that has no records), and what is shown instead; "" when the link was followed as it is."""
    missed = []
    if asked["period"] and asked["period"] != period.code:
        try:
            parse_period(asked["period"])
            missed.append(md("期间“{}”没有可查看的数据", asked["period"][:40]))
        except ValueError:
            missed.append(md("期间“{}”无法识别（应如 2024、2024H1、2024Q3、2024-05）", asked["period"][:40]))
    if asked["unit"] and asked["unit"] != (unit or ""):
        missed.append(md("单位“{}”没有可查看的数据", asked["unit"][:40]))
    if not missed:
        return ""
    shown = md("{} · {}", period.label, clip(unit or actor().total_label(), UNIT_CHARS))
    return f"链接中的{'，'.join(missed)}，现显示{shown}。"


def show_link_note(selection: Selection) -> None:
    """The note of link_note while the view is still the one shown instead of the link's."""
    note, code, unit = st.session_state.get(LINK_NOTE_KEY) or ("", "", None)
    if note and (code, unit) == (selection.period.code, selection.unit):
        st.warning(note, icon=":material/link_off:")


def period_options(first: date, last: date) -> list[str]:
    """The period box's options at the chosen granularity: every period with data, newest first."""
    return [p.code for p in reversed(periods_between(first, last, Granularity(st.session_state["granularity"])))]


def viewable_units(units: list[str]) -> list[str]:
    """The unit box's options: TOTAL (the total of what this user sees; a unit may well be named
    全部单位 itself), then each unit; for a user of one unit, that unit only."""
    scope = actor().scope
    return units if scope is not None and len(scope) == 1 else [TOTAL, *units]


def sidebar_widgets(selection: Selection) -> None:
    """The sidebar's 查看范围: granularity, period and unit, bound to the state sidebar() read, and the
    sample notice. A run that draws a first chart only leaves them out and keeps their state (a widget
    not drawn in a run would lose it)."""
    if first_chart_only():
        for key in SIDEBAR_KEYS:
            if key in st.session_state:
                st.session_state[key] = st.session_state[key]
        return
    facts = store_facts(db_url(), selection.version, scope_key())
    first, last = facts["range"]
    st.sidebar.header("查看范围")
    st.sidebar.radio(
        "统计粒度",
        list(Granularity),
        format_func=lambda g: GRANULARITY_LABELS[g],
        horizontal=True,
        key="granularity",
    )
    options = period_options(first, last)
    st.sidebar.selectbox("期间", options, format_func=lambda c: parse_period(c).label, key="period")
    total = selection.total_label
    units = viewable_units(facts["units"])
    # The box sends the chosen option's text: a unit named like the total gets a total told apart from it.
    shown_total = f"{total}（合计）" if total in units else total
    st.sidebar.selectbox("单位", units, format_func=lambda u: shown_total if u == TOTAL else u, key="unit")
    if selection.sample:
        st.sidebar.info(sample_words(SAMPLE_SIDEBAR[selection.sample]), icon=":material/info:")


def choose_unit(unit: str | None) -> None:
    """Preset the unit box: a unit, or TOTAL for None (the total)."""
    st.session_state["unit"] = unit or TOTAL


def linked_view(units: list[str | None]) -> tuple[Period, str | None] | None:
    """The period and unit a link asks for (`?period=2024&unit=法规科`), when this user may see them."""
    try:
        period = parse_period(st.query_params.get("period", ""))
    except ValueError:
        return None
    unit = st.query_params.get("unit") or TOTAL
    return (period, unit) if unit in units else (period, units[0])


def ensure_entrypoint() -> None:
    """Rerun through dashboard.py when a page ran without it.

    Streamlit's legacy `pages/` directory mode runs a deep-linked page on its own for the first
    session after a server start (no navigation, no sidebar); switching the mode off and rerunning
    lets st.navigation in dashboard.py take over for this and every later session.
    """
    if SELECTION_KEY not in st.session_state or ACTOR_KEY not in st.session_state:
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
    show_link_note(chosen)
    return chosen


def open_page(title: str, page: str, first_chart_first: bool = False) -> tuple[Selection, dict]:
    """The top of an indicator page: its title with the period, the sample notice, and its data.

    A chart page (`first_chart_first`) opened first in a session draws its top, cards and first chart
    only (first_chart_only); its print button, definitions, chart buttons and the rest follow."""
    sel = selection()
    st.session_state[DEFERRED_KEY] = first_chart_first and not painted()
    st.title(md("{} · {}", title, sel.period.label))
    scope, button = st.columns([4, 1], vertical_alignment="center")
    scope.caption(md("{} · {} · 数据截至 {}", sel.period.label, sel.unit_shown, sel.as_of.isoformat()))
    if not first_chart_only():
        with button:
            print_button()
    sample_notice(sel)
    return sel, sel.data(page)


OFFICIAL_CSS = """<style>
.official-wrap {overflow-x: auto;}
.official {border-collapse: collapse; width: 100%; font-size: 0.8rem; text-align: center;}
.official th, .official td {border: 1px solid rgba(49, 51, 63, 0.25); padding: 0.25rem 0.3rem; min-width: 3.2em;}
.official th {background: #f0f2f6; font-weight: 600;}
</style>"""


def official_html(table: pd.DataFrame) -> str:
    """The official outcome table in its layout (tables.official_header), as an HTML table: its texts
    are the header's own and its cells numbers."""
    figures = tables.official_row(table)
    rows: list[list[str]] = [[] for _ in range(tables.OFFICIAL_HEADER_ROWS)]
    for first, left, last, right, text in tables.official_header():
        span = f' rowspan="{last - first + 1}" colspan="{right - left + 1}"'
        rows[first].append(f"<th{span}>{escape.html_text(text)}</th>")
    rows.append([f"<td>{value:,}</td>" for value in figures])
    body = "".join(f"<tr>{''.join(cells)}</tr>" for cells in rows)
    return f'{OFFICIAL_CSS}<div class="official-wrap"><table class="official">{body}</table></div>'


def official_outcomes(sel: Selection, data: dict) -> None:
    """The 行政复议 / 行政诉讼 table of the government-information-disclosure annual report (table 4):
    disclosure cases as the official table counts them, then every case in the same layout."""
    st.subheader("行政复议、行政诉讼情况（政府信息公开年报表4格式）")
    if not data["covered"]:  # no ledger is no data: not a table of zeros
        st.info(md("{}没有复议应诉台账数据。", sel.period.label), icon=":material/info:")
        return
    st.caption(md("{}收案；审理结果为本期末的结果。", sel.period.label))
    if narrow():
        st.caption("表格较宽，可左右滑动查看。")
    with st.container(key=f"{OFFICIAL_KEY}disclosure"):  # a table's name and its table print on one page
        st.markdown("**涉及政府信息公开的案件**（表4只统计这类案件；台账「政府信息公开」列留空即否）")
        st.html(official_html(data["official"]))
    with st.container(key=f"{OFFICIAL_KEY}all"):
        st.markdown("**全部复议应诉案件**（同一格式）")
        st.html(official_html(data["all_outcomes"]))
    st.caption(tables.OFFICIAL_NOTE)
    if first_chart_only():
        return
    ctx = sel.context()
    title = "行政复议行政诉讼情况表"
    st.download_button(
        "下载此表 Excel",
        data=later(
            export.official_xlsx,
            {"政府信息公开案件（表4）": data["official"], "全部案件": data["all_outcomes"]},
            ctx.heading(title),
            what="official_xlsx",
            period=sel.period.code,
        ),
        file_name=f"{charts.file_stem(title, ctx)}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="official-xlsx",
        on_click="ignore",
        icon=":material/table_view:",
    )


def definitions(*sections: str) -> None:
    """The definitions of a page's indicators, from their one declaration (metrics/definitions.py)."""
    if first_chart_only():
        return
    with st.expander("指标定义"):
        for item in INDICATORS:
            if item.section in sections:
                st.markdown(md("**{}**（{}）：{}", item.name, item.unit, item.definition))


def require_selection(selection: Selection | None) -> Selection:
    """Stop the page when there is nothing to show: directions to the data page for those who upload."""
    if selection is None:
        if not actor().may_upload:
            if actor().scope is None:
                st.info("还没有任何数据。台账由各单位的填报人员上传，上传后这里即显示。", icon=":material/inbox:")
            else:
                text = md(
                    "您可查看的单位（{}）还没有任何数据。台账由填报人员上传，上传后这里即显示。", actor().units_text()
                )
                st.info(text, icon=":material/inbox:")
            st.stop()
        st.info(
            "还没有任何数据。请到「数据管理」页下载填报模板，按季度填好信访、复议应诉、培训学法台账后上传。",
            icon=":material/upload_file:",
        )
        st.page_link(DATA_PAGE, label="前往数据管理", icon=":material/database:")
        st.stop()
    return selection


def covered(data: dict, text: str) -> str:
    """A page's card value, or — when no ledger of its dataset covers the period (no data is not zero)."""
    return text if data["covered"] else "—"


def sample_words(text: str) -> str:
    """A sample notice as this user can act on it: those without the data page are told who can."""
    return text.format(who="" if actor().may_upload else "由管理员或填报人员")


def sample_notice(selection: Selection) -> None:
    if selection.sample:
        st.caption(sample_words(SAMPLE_CAPTION[selection.sample]))


def page_chart(chart: Chart, sel: Selection, data: dict) -> None:
    """One chart of the catalog from the page's data, with its downloads; on a phone it is drawn
    compact, and its PNG still has the full layout a briefing needs."""
    base = sel.context()
    fig = chart.figure(data, base, sel.period)
    full = chart.figure(data, replace(base, compact=False), sel.period) if base.compact else fig
    table = data[chart.key]
    ctx = chart.context(base, sel.period, table)
    show_chart(fig, table, chart.heading(sel.period), ctx, chart.key, full, chart.export_name(sel.period))


def first_chart(page: str, sel: Selection, data: dict) -> None:
    """The page's first chart (catalog.charts_of): what a first paint shows."""
    page_chart(charts_of(page)[0], sel, data)


def other_charts(page: str, sel: Selection, data: dict) -> None:
    """The page's later charts, in the catalog's order."""
    for chart in charts_of(page)[1:]:
        page_chart(chart, sel, data)


def show_chart(
    fig: go.Figure,
    data: pd.DataFrame,
    title: str,
    ctx: ChartContext,
    key: str,
    full: go.Figure | None = None,
    export_name: str = "",
) -> None:
    """A chart with its modebar PNG (scale 2, Chinese name), a server-side PNG (of `full`, the layout
    for a page rather than a phone, when given) and its data as .xlsx, named `export_name` (else the title)."""
    stem = charts.file_stem(export_name or title, ctx)
    config = {
        "displaylogo": False,
        "locale": "zh-CN",
        "locales": PLOTLY_LOCALE,
        "toImageButtonOptions": {"format": "png", "filename": stem, "scale": 2, "width": WIDTH, "height": HEIGHT},
        "displayModeBar": not ctx.compact,  # a phone shows it always, over the title; its PNG button is below
    }
    st.plotly_chart(fig, theme=None, key=key, config=config)
    if first_chart_only():
        return
    left, right, _ = st.columns([1, 1, 2])
    facts = {
        "chart": key,
        "period": ctx.period_label,
        "unit_selected": st.session_state[SELECTION_KEY].unit is not None,
    }
    left.download_button(
        "下载图片 PNG",
        data=later(export.figure_png, full or fig, what="chart_png", **facts),
        file_name=f"{stem}.png",
        mime="image/png",
        key=f"{key}-png",
        on_click="ignore",
        icon=":material/image:",
    )
    right.download_button(
        "下载数据 Excel",
        data=later(export.xlsx_bytes, {title: data}, ctx.heading(title), what="chart_xlsx", **facts),
        file_name=f"{stem}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{key}-xlsx",
        on_click="ignore",
        icon=":material/table_view:",
    )


def records_table(sel: Selection, page: str, data: dict, title: str) -> None:
    """A page's records of the period: the first RECORDS_SHOWN on the page, all of them in the download.
    Not printed (a scrolled grid on paper would show a corner of it as if it were all)."""
    with st.container(key=f"{RECORDS_KEY}{page}"):
        _records(sel, page, data, title)


def _records(sel: Selection, page: str, data: dict, title: str) -> None:
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
        data=later(
            _records_xlsx,
            *(store(), sel, page, title, sel.context().heading(title)),
            what="records_xlsx",
            page=page,
            period=sel.period.code,
        ),
        file_name=f"{stem}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{page}-records-xlsx",
        on_click="ignore",
        icon=":material/table_view:",
    )


def _records_xlsx(s: Store, sel: Selection, page: str, title: str, heading: tuple[str, ...]) -> bytes:
    """Every record of the page's period as a workbook under its heading lines."""
    return export.xlsx_bytes({title: views.all_records(s, page, sel.period, sel.unit)}, heading)


def later(func: Callable, *args: object, what: str = "", **facts: object) -> Callable[[], bytes]:
    """Defer an export until its button is clicked; the click is audited as an export of `what`.

    The actor and the session's sign-in are taken now (the export runs outside this session's script
    run) and checked again when it runs: a user disabled, given other rights or timed out meanwhile
    gets nothing.
    """
    who, engine, auth = actor(), get_store(db_url()).engine, st.session_state.get(AUTH_KEY)

    def run() -> bytes:
        if not still_entitled(engine, who, auth):
            audit.write(engine, who, audit.Action.EXPORT, audit.REFUSED, what=what, **facts)
            raise NotPermitted(f"{who.name}的登录已失效或权限已变更，未导出。请刷新页面。")
        data = func(*args)
        audit.write(engine, who, audit.Action.EXPORT, what=what, bytes=len(data), **facts)
        return data

    return run


def still_entitled(engine: Engine, who: Actor, auth: dict | None) -> bool:
    """Whether a session's actor, as captured, still holds: the same rights, signed in and not timed out."""
    if who.local:
        return not users.any_users(engine)
    now = time.time()
    if auth is None or now - auth["seen"] > IDLE_SECONDS or now - auth["since"] > MAX_SECONDS:
        return False
    current = users.current_actor(engine, who.name, who.address)
    return current is not None and (current.role, current.units) == (who.role, who.units)
