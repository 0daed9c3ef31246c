"""Benchmark of the dashboard at 100,000 stored petitions: page reruns, PNG export, first chart in a browser.

Run as `.venv/bin/python bench/pages.py`. One run prints a table of figures beside their targets:

* a warm rerun of each indicator page (总览, 信访, 复议应诉, 培训学法) through streamlit's AppTest,
  the page's data already cached, median of several reruns: target ≤ 300 ms;
* the server-side PNG export of a chart (kaleido, Debian's chromium), warm, median of exports half
  a second apart (they follow clicks): target ≤ 0.3 s; back-to-back exports are shown too;
* opening 信访 in Debian's chromium (Playwright) until its first chart is visible, against a
  `streamlit run dashboard.py` on the same store: target ≤ 3 s, with the browser cache warm (a
  later visit) and empty (a first visit). Shown beside it: the very first visit after the server
  started (page data not cached yet) and a bare streamlit app drawing one small plotly chart, the
  floor that streamlit and plotly.js set on this machine;
* a year's full briefing pack (every chart of the catalog at print resolution, Word, slides and
  Markdown) built from the store, warm: target ≤ 5 s;
* a fresh visitor (a new browser context each time, so an empty cache and a new session) opening
  信访 against the bare page, alternating in one run: target ≤ 1.15× the bare page's first chart.

The store is a fresh SQLite file (or --db-url): the 2024 sample ledgers, then 100,000 generated
petitions (2022–2024, four units) typed exactly as validation types them and stored with
`Store.import_batch`. Wall times depend on the machine's load (printed). Exit status 1 when a target
is missed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the browser-test server and chromium launcher

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from appserver import launch_chromium, serve  # noqa: E402
from indicators.ingest.validation import typed  # noqa: E402
from indicators.schema import PETITIONS, default_unit  # noqa: E402
from report_table import RESULTS, print_aligned  # noqa: E402
from run import BASELINE_APP  # noqa: E402  (beside this script)

SEED = 20240101
PAGE_TARGET_MS = 300.0
PNG_TARGET_S = 0.3
FIRST_CHART_TARGET_S = 3.0
PACK_TARGET_S = 5.0  # a year's full briefing pack, warm
FRESH_RATIO_TARGET = 1.15  # a fresh visitor's first chart on 信访 against a bare page's only chart
FRESH_RUNS = 9
CHANNELS = ("来信来访", "重庆市智能信访工作平台", "自然资源部系统", "民呼我为", "国土空间平台")
CHANNEL_WEIGHTS = (0.30, 0.25, 0.10, 0.25, 0.10)
CATEGORIES = ("规划管理", "土地征收", "不动产登记", "执法监察", "耕地保护", "矿产资源", "其他")
UNITS = ("规划科", "执法支队", "不动产登记中心", "耕保科")
FIRST_DAY, LAST_DAY = np.datetime64("2022-01-01"), np.datetime64("2024-12-31")
VIEWPORT = {"width": 1366, "height": 900}
PAGES = {"overview": "总览", "petitions": "信访", "cases": "复议应诉", "sessions": "培训学法"}


# --- the store -----------------------------------------------------------------------------------


def petition_frame(rows: int, seed: int = SEED) -> pd.DataFrame:
    """Generated petitions with the columns and dtypes validation gives a ledger's rows."""
    rng = np.random.default_rng(seed)
    span = int((LAST_DAY - FIRST_DAY).astype(int)) + 1
    received = np.sort(FIRST_DAY + rng.integers(0, span, rows).astype("timedelta64[D]"))
    took = rng.integers(1, 61, rows)
    closed = rng.random(rows) < 0.85
    on_time = (took <= 30) | (rng.random(rows) < 0.2)
    raw = pd.DataFrame(
        {
            "petition_no": [f"BXF{i:07d}" for i in range(1, rows + 1)],
            "received_on": received,
            "channel": rng.choice(CHANNELS, rows, p=CHANNEL_WEIGHTS),
            "category": rng.choice(CATEGORIES, rows),
            "closed_on": pd.Series(received + took.astype("timedelta64[D]")).where(closed),
            "on_time": pd.Series(on_time, dtype="boolean").where(closed),
            "unit": rng.choice(UNITS, rows),
        }
    )
    frame = pd.DataFrame({c.field: typed(raw[c.field], c.kind) for c in PETITIONS.columns})
    frame["unit"] = frame["unit"].fillna(default_unit())
    return frame


def fill_store(db_url: str, rows: int) -> None:
    """The sample ledgers (one batch), then the generated petitions (another batch)."""
    from indicators.cli import load_sample
    from indicators.store import Store, make_engine
    from indicators.store.plan import Batch, with_keys

    engine = make_engine(db_url)
    try:
        store = Store(engine)
        outcome = load_sample(store)
        if outcome is None or not outcome.ok:
            raise SystemExit("the store is not empty or the sample did not load")
        frame = with_keys(petition_frame(rows).assign(_fileno=0), PETITIONS)
        store.import_batch(Batch([], {PETITIONS.id: frame}), label="bench", user="bench")
    finally:
        engine.dispose()


# --- measurements --------------------------------------------------------------------------------


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def page_reruns(runs: int) -> dict[str, tuple[float, list[float]]]:
    """Per page: the first (cold) run and the warm reruns, in seconds, through AppTest."""
    from streamlit.logger import set_log_level
    from streamlit.runtime import pages_manager
    from streamlit.testing.v1 import AppTest, app_test

    set_log_level("error")  # AppTest's bare-mode warnings

    # As tests/test_pages.py: every AppTest run starts at dashboard.py, as on the real server.
    class PagesManager(pages_manager.PagesManager):
        pass

    app_test.PagesManager = PagesManager
    pages_manager.PagesManager.uses_pages_directory = False

    out = {}
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    for page in PAGES:
        if page != "overview":  # the first run opens the default page, 总览
            at.switch_page(f"pages/{page}.py")
        cold = timed(at.run)
        charts = len(at.get("plotly_chart"))
        if at.exception or at.main.error or not at.main.metric or (page != "overview" and charts < 4):
            raise SystemExit(f"page {page} did not render: {at.exception or [e.value for e in at.main.error]}")
        warm = [timed(at.run) for _ in range(runs)]
        out[page] = (cold, warm)
    return out


def png_exports(runs: int) -> tuple[float, list[float], list[float]]:
    """Seconds per export of the 信访 monthly chart: the first (starts chromium), warm ones after a pause, and
    warm ones back to back (each waits for the previous tab reload)."""
    from indicators import views
    from indicators.catalog import CHARTS
    from indicators.metrics import load
    from indicators.metrics.periods import parse_period
    from indicators.metrics.tables import data_span
    from indicators.output import export
    from indicators.output.style import ChartContext
    from indicators.store import Store, make_engine

    period = parse_period("2024Q4")
    engine = make_engine()
    try:
        store = Store(engine)
        frames = load.load_frames(store, *data_span(period))
        data = views.petitions(frames, period, None, store.targets())
    finally:
        engine.dispose()
    ctx = ChartContext(period.label, "全部单位", period.end, "all")
    monthly = next(c for c in CHARTS if c.key == "monthly")
    fig = monthly.figure(data, ctx, period)
    cold = timed(lambda: export.figure_png(fig))
    paced = []
    for _ in range(runs):
        time.sleep(0.5)  # exports follow clicks, not each other
        paced.append(timed(lambda: export.figure_png(fig)))
    back_to_back = [timed(lambda: export.figure_png(fig)) for _ in range(runs)]
    return cold, paced, back_to_back


def briefing_packs(runs: int) -> tuple[float, list[float], int]:
    """Seconds to build a year's full briefing pack (every chart of catalog.CHARTS rendered once at
    print resolution, then docx, pptx and md) from the store: the first, then warm ones; and the number
    of charts in it."""
    from indicators import briefing, views
    from indicators.catalog import CHARTS
    from indicators.metrics.periods import parse_period
    from indicators.store import Store, make_engine

    engine = make_engine()
    try:
        store = Store(engine)

        def build() -> dict[str, bytes]:
            return briefing.full_pack(views.report_data(store, parse_period("2024"), None))

        cold = timed(build)
        warm = [timed(build) for _ in range(runs)]
    finally:
        engine.dispose()
    return cold, warm, len(CHARTS)


def first_chart(db_url: str, runs: int, tmp: Path) -> dict[str, list[float]]:
    """Seconds from opening a page to its first chart visible, in Debian's chromium.

    信访 with an empty browser cache (a first visit) and a warm one (later visits; the first of them
    also finds the server's page cache cold), and the baseline: a bare streamlit app drawing one
    small plotly chart, warm, which is what streamlit and plotly.js cost on this machine.
    """
    from playwright.sync_api import sync_playwright

    def visit(context, url: str) -> float:
        page = context.new_page()
        start = time.perf_counter()
        page.goto(url)
        page.locator(".js-plotly-plot").first.wait_for(state="visible", timeout=120_000)
        elapsed = time.perf_counter() - start
        page.close()
        return elapsed

    def fresh(url: str) -> float:
        """A fresh visitor: a new browser context (empty cache, new session)."""
        context = browser.new_context(viewport=VIEWPORT)
        try:
            return visit(context, url)
        finally:
            context.close()

    baseline = tmp / "baseline_app.py"
    baseline.write_text(BASELINE_APP, encoding="utf-8")
    out: dict[str, list[float]] = {
        "server cold": [],
        "browser cold": [],
        "browser warm": [],
        "baseline": [],
        "baseline cold": [],
    }
    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            with serve(tmp / "dashboard", db_url) as server, serve(tmp / "baseline", db_url, script=baseline) as bare:
                warm = browser.new_context(viewport=VIEWPORT)
                out["server cold"].append(visit(warm, f"{server.url}/petitions"))
                out["browser warm"] += [visit(warm, f"{server.url}/petitions") for _ in range(runs)]
                warm.close()
                warm = browser.new_context(viewport=VIEWPORT)
                visit(warm, bare.url)
                out["baseline"] += [visit(warm, bare.url) for _ in range(runs)]
                warm.close()
                # Side by side, alternating, each in a new context: the first-visit comparison (≤ 1.15×).
                for _ in range(max(runs, FRESH_RUNS)):
                    out["browser cold"].append(fresh(f"{server.url}/petitions"))
                    out["baseline cold"].append(fresh(bare.url))
        finally:
            browser.close()
    return out


# --- the table -----------------------------------------------------------------------------------


@dataclass
class Row:
    measure: str
    value: str
    target: str = ""
    passed: bool | None = None


def print_table(rows: list[Row]) -> None:
    """The rows as an aligned plain-text table."""
    print_aligned(
        ("Measure", "Value", "Target", "Result"), [(r.measure, r.value, r.target, RESULTS[r.passed]) for r in rows]
    )


def load_note() -> str:
    load, cpus = os.getloadavg()[0], os.cpu_count() or 1
    return f"{load:.2f} on {cpus} CPUs" + ("  ← busy machine: wall times are inflated" if load > cpus else "")


def progress(message: str) -> None:
    print(f"  … {message}", file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="generated petitions to store")
    parser.add_argument("--runs", type=int, default=7, help="warm repetitions per figure (medians)")
    parser.add_argument("--db-url", default="", help="an empty database to fill (default: a fresh SQLite file)")
    parser.add_argument("--no-browser", action="store_true", help="skip the Playwright measurement")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as tmp:
        db_url = args.db_url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        os.environ["INDICATORS_DB_URL"] = db_url
        progress(f"storing the sample and {args.rows:,} generated petitions")
        stored = timed(lambda: fill_store(db_url, args.rows))
        print(f"Store: {db_url.split('?')[0]} — sample + {args.rows:,} petitions, stored in {stored:.1f} s")
        print(f"Python {sys.version.split()[0]}; load average at start {load_note()}", flush=True)

        progress("page reruns (AppTest)")
        reruns = page_reruns(args.runs)
        progress("PNG exports (kaleido)")
        png_cold, png_paced, png_back = png_exports(args.runs)
        progress("briefing packs (docx, pptx, md)")
        pack_cold, pack_warm, pack_charts = briefing_packs(max(3, args.runs // 2))
        browser = None
        if not args.no_browser:
            progress("first chart in chromium (Playwright)")
            browser = first_chart(db_url, max(3, args.runs // 2), Path(tmp))

    print(f"Load average at end {load_note()}")
    print(f"Medians of {args.runs} warm runs unless noted; period 2024年第4季度, 全部单位.\n")
    rows = []
    for page, (cold, warm) in reruns.items():
        ms = median_ms(warm)
        rows.append(
            Row(
                f"page rerun, warm: {PAGES[page]} (AppTest; first run {cold * 1000:.0f} ms)",
                f"{ms:.0f} ms",
                f"≤ {PAGE_TARGET_MS:.0f} ms",
                ms <= PAGE_TARGET_MS,
            )
        )
    png = statistics.median(png_paced)
    rows += [
        Row(
            f"PNG export, warm (figure_png; first {png_cold:.2f} s)",
            f"{png:.3f} s",
            f"≤ {PNG_TARGET_S} s",
            png <= PNG_TARGET_S,
        ),
        Row("  PNG exports back to back (informative)", f"{statistics.median(png_back):.3f} s"),
        Row(
            f"briefing pack of 2024, warm: {pack_charts} charts, docx + pptx + md (first {pack_cold:.2f} s)",
            f"{statistics.median(pack_warm):.2f} s",
            f"≤ {PACK_TARGET_S:.0f} s",
            statistics.median(pack_warm) <= PACK_TARGET_S,
        ),
    ]
    if browser:
        for key, what in (
            ("browser warm", "first chart in chromium: 信访, browser cache warm"),
            ("browser cold", "first chart in chromium: 信访, browser cache empty"),
        ):
            value = statistics.median(browser[key])
            rows.append(Row(what, f"{value:.2f} s", f"≤ {FIRST_CHART_TARGET_S:.0f} s", value <= FIRST_CHART_TARGET_S))
        fresh_ratio = statistics.median(browser["browser cold"]) / statistics.median(browser["baseline cold"])
        rows += [
            Row(
                "fresh visitor, side by side: 信访 ÷ bare page (new context each, "
                f"{statistics.median(browser['browser cold']):.2f} s ÷ {statistics.median(browser['baseline cold']):.2f} s)",
                f"{fresh_ratio:.2f}×",
                f"≤ {FRESH_RATIO_TARGET}×",
                fresh_ratio <= FRESH_RATIO_TARGET,
            ),
            Row("  first visit after server start (page data not cached)", f"{browser['server cold'][0]:.2f} s"),
            Row(
                "  baseline: bare streamlit app, one small chart, warm",
                f"{statistics.median(browser['baseline']):.2f} s",
            ),
        ]
    print_table(rows)
    return 0 if all(r.passed is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
