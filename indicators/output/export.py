"""Exports: sharp PNG of a chart through kaleido and Debian's chromium, and `.xlsx` of any table.

One kaleido browser is started per process (a browser is expensive to start), without MathJax, on
its own event-loop thread, and reused by every export from any thread; cells that a spreadsheet
would run as formulas are neutralised.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import io
import os
import re
import shutil
import threading

import pandas as pd
import plotly.graph_objects as go

from .style import HEIGHT, WIDTH

PNG_SCALE = 2
PNG_TABS = 2
PNG_TIMEOUT_SECONDS = 60  # a hung browser must not hold a user's session forever
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# The control characters an xlsx cell cannot hold (openpyxl's ILLEGAL_CHARACTERS_RE).
ILLEGAL_CHARACTERS_RE = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
SHEET_ROWS = 1_048_575  # rows below the header in one sheet of Excel, WPS and openpyxl
_server_lock = threading.Lock()
_renderer: tuple[asyncio.AbstractEventLoop, object] | None = None


def _browser_path() -> str | None:
    return os.environ.get("BROWSER_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")


def _renderer_class() -> type:
    import kaleido

    class Renderer(kaleido.Kaleido):
        """Kaleido that reloads a used tab after the image is handed back, not before.

        Kaleido reloads every tab after a render (a clean page per figure) and only then returns
        the image: about 0.2 s of plotly.js reload on every export. Here the reload runs in the
        background; the tab rejoins the queue when it is done, so the next export still gets a
        clean page.
        """

        _reloads: set[asyncio.Task]

        async def _return_kaleido_tab(self, tab: object) -> None:
            if not hasattr(self, "_reloads"):
                self._reloads = set()
            task = asyncio.create_task(super()._return_kaleido_tab(tab))
            self._reloads.add(task)
            task.add_done_callback(self._reloads.discard)

    return Renderer


def ensure_png_server() -> None:
    """Start the kaleido browser once per process, on Debian's chromium and without MathJax."""
    global _renderer
    with _server_lock:
        if _renderer is not None:
            return
        path = _browser_path()
        if path:
            os.environ.setdefault("BROWSER_PATH", path)
        loop = asyncio.new_event_loop()
        threading.Thread(target=loop.run_forever, name="png-export", daemon=True).start()

        async def start() -> object:
            browser = _renderer_class()(n=PNG_TABS, mathjax=False)
            await browser.open()
            return browser

        try:
            browser = asyncio.run_coroutine_threadsafe(start(), loop).result()
        except BaseException:
            loop.call_soon_threadsafe(loop.stop)
            raise
        _renderer = (loop, browser)
        atexit.register(_stop, loop, browser)


def _stop(loop: asyncio.AbstractEventLoop, browser: object) -> None:
    # the process is exiting: a browser that will not close in time goes down with it
    with contextlib.suppress(Exception):
        asyncio.run_coroutine_threadsafe(browser.close(), loop).result(timeout=10)  # type: ignore[attr-defined]
    loop.call_soon_threadsafe(loop.stop)


def figure_png(fig: go.Figure, scale: int = PNG_SCALE, width: int = WIDTH, height: int = HEIGHT) -> bytes:
    """The chart as a PNG at `scale` times its size, drawn by the same plotly.js as on screen.

    Safe to call from several threads at once (streamlit sessions): each call waits for its own image.
    """
    ensure_png_server()
    assert _renderer is not None
    loop, browser = _renderer
    opts = {"format": "png", "scale": scale, "width": width, "height": height}
    future = asyncio.run_coroutine_threadsafe(browser.calc_fig(fig, opts=opts), loop)
    return future.result(timeout=PNG_TIMEOUT_SECONDS)  # type: ignore[attr-defined]


def figure_pngs(figs: list[go.Figure], scale: int = PNG_SCALE) -> list[bytes]:
    """Several charts as PNGs, rendered side by side by kaleido's tabs (a briefing pack's charts)."""
    ensure_png_server()
    assert _renderer is not None
    loop, browser = _renderer
    opts = {"format": "png", "scale": scale, "width": WIDTH, "height": HEIGHT}
    futures = [asyncio.run_coroutine_threadsafe(browser.calc_fig(fig, opts=opts), loop) for fig in figs]  # type: ignore[attr-defined]
    return [f.result(timeout=PNG_TIMEOUT_SECONDS) for f in futures]


def neutralise(value: object) -> object:
    """Text a workbook can hold: control characters become "?" instead of failing the whole download.
    (Text that would run as a formula is kept as written, in a text cell: see xlsx_bytes.)"""
    return ILLEGAL_CHARACTERS_RE.sub("?", value) if isinstance(value, str) else value


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells and headers can never run as formulas."""
    out = df.copy()
    for name in out.columns:
        if out[name].dtype == object or pd.api.types.is_string_dtype(out[name]):
            out[name] = out[name].map(neutralise)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def sheet_parts(name: str, df: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """A table as sheets Excel can hold: `name` (31 characters at most), then `name（2）`, … when it has
    more rows than one sheet takes (SHEET_ROWS below its header)."""
    if len(df) <= SHEET_ROWS:
        return [(name[:31], df)]
    parts = range(0, len(df), SHEET_ROWS)
    return [
        (f"{name[:25]}（{i + 1}）" if i else name[:31], df.iloc[start : start + SHEET_ROWS])
        for i, start in enumerate(parts)
    ]


RATE_WORDS = ("率", "占比")  # a column whose name holds one of these holds fractions: shown as 12.5%


def xlsx_bytes(sheets: dict[str, pd.DataFrame], heading: tuple[str, ...] = ()) -> bytes:
    """A workbook with one sheet per table (several for a table longer than a sheet), under the
    `heading` lines (what it is, its period and unit, its source: ChartContext.heading) and a blank row,
    headers bold, columns sized, rates as percentages. Every text is a text cell: what reads like a
    formula (= + - @) shows as typed and never runs, also once edited (the cell keeps Excel's quote
    prefix, unseen)."""
    from openpyxl.styles import Font

    top = len(heading) + 1 if heading else 0  # rows above the header
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for sheet_name, df in (part for name, table in sheets.items() for part in sheet_parts(name, table)):
            safe_frame(df).to_excel(writer, sheet_name=sheet_name, index=False, startrow=top)
            sheet = writer.sheets[sheet_name]
            for row, line in enumerate(heading, start=1):
                cell = sheet.cell(row=row, column=1, value=neutralise(line))
                cell.data_type, cell.quotePrefix = "s", line.startswith(FORMULA_PREFIXES)
                cell.font = Font(bold=row == 1, size=14 if row == 1 else 10, color=None if row == 1 else "5F6B7A")
            for cell in sheet[top + 1]:
                cell.font = Font(bold=True)
            sheet.freeze_panes = sheet.cell(row=top + 2, column=1)
            for column in sheet.iter_cols(min_row=top + 1):
                width = max(len(str(c.value or "")) for c in column)
                sheet.column_dimensions[column[0].column_letter].width = min(max(10, width * 2 + 2), 60)
                rate = any(word in str(column[0].value) for word in RATE_WORDS)
                for cell in column:
                    if isinstance(cell.value, str):
                        cell.data_type = "s"
                        cell.quotePrefix = cell.value.startswith(FORMULA_PREFIXES)
                    elif rate and isinstance(cell.value, float):
                        cell.number_format = "0.0%"
    return buffer.getvalue()


def official_xlsx(sheets: dict[str, pd.DataFrame], heading: tuple[str, ...] = ()) -> bytes:
    """The official outcome tables (tables.official_outcomes) in their layout, a sheet each: the sheet's
    name over the heading lines, the three header rows with their merged cells, the row of figures, and
    the note on how 审理结果 maps to the columns."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    from ..metrics.tables import OFFICIAL_HEADER_ROWS, OFFICIAL_NOTE, official_header, official_row

    line = Side(style="thin", color="808080")
    box = Border(left=line, right=line, top=line, bottom=line)
    book = Workbook()
    book.remove(book.active)
    for name, table in sheets.items():
        sheet = book.create_sheet(name[:31])
        for row, text in enumerate((name, *heading[1:]) if heading else (name,), start=1):
            cell = sheet.cell(row=row, column=1, value=neutralise(text))
            cell.data_type, cell.quotePrefix = "s", text.startswith(FORMULA_PREFIXES)
            cell.font = Font(bold=row == 1, size=14 if row == 1 else 10, color=None if row == 1 else "5F6B7A")
        top = max(len(heading), 1) + 2
        figures = official_row(table)
        for first, left, last, right, text in official_header():
            sheet.cell(row=top + first, column=left + 1, value=text).font = Font(bold=True)
            if (first, left) != (last, right):
                sheet.merge_cells(
                    start_row=top + first, start_column=left + 1, end_row=top + last, end_column=right + 1
                )
        for i, value in enumerate(figures, start=1):
            sheet.cell(row=top + OFFICIAL_HEADER_ROWS, column=i, value=value)
        for row in sheet.iter_rows(min_row=top, max_row=top + OFFICIAL_HEADER_ROWS, max_col=len(figures)):
            for cell in row:
                cell.border = box
                cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        for i in range(1, len(figures) + 1):
            sheet.column_dimensions[get_column_letter(i)].width = 10
        note = sheet.cell(row=top + OFFICIAL_HEADER_ROWS + 2, column=1, value=OFFICIAL_NOTE)
        note.font = Font(size=9, color="5F6B7A")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
