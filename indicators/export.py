"""Exports: sharp PNG of a chart through kaleido and Debian's chromium, and `.xlsx` of any table.

Kaleido's sync server is started once per process (a browser is expensive to start), without
MathJax, and reused by every export; cells that a spreadsheet would run as formulas are neutralised.
"""

from __future__ import annotations

import io
import os
import shutil
import threading

import pandas as pd
import plotly.graph_objects as go

from .style import HEIGHT, WIDTH

PNG_SCALE = 2
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_server_lock = threading.Lock()
_server_started = False


def _browser_path() -> str | None:
    return os.environ.get("BROWSER_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")


def ensure_png_server() -> None:
    """Start kaleido's sync server once per process, on Debian's chromium and without MathJax."""
    global _server_started
    with _server_lock:
        if _server_started:
            return
        import kaleido

        path = _browser_path()
        if path:
            os.environ.setdefault("BROWSER_PATH", path)
        kaleido.start_sync_server(n=1, mathjax=False, silence_warnings=True)
        _server_started = True


def figure_png(fig: go.Figure, scale: int = PNG_SCALE, width: int = WIDTH, height: int = HEIGHT) -> bytes:
    """The chart as a PNG at `scale` times its size, drawn by the same plotly.js as on screen."""
    import kaleido

    ensure_png_server()
    opts = {"format": "png", "scale": scale, "width": width, "height": height}
    return kaleido.calc_fig_sync(fig, opts=opts)


def neutralise(value: object) -> object:
    """Text a spreadsheet would read as a formula (= + - @) gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells and headers can never run as formulas."""
    out = df.copy()
    for name in out.columns:
        if out[name].dtype == object or pd.api.types.is_string_dtype(out[name]):
            out[name] = out[name].map(neutralise)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def xlsx_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    """A workbook with one sheet per table, headers bold, columns sized, formulas neutralised."""
    from openpyxl.styles import Font

    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, df in sheets.items():
            sheet_name = name[:31]
            safe_frame(df).to_excel(writer, sheet_name=sheet_name, index=False)
            sheet = writer.sheets[sheet_name]
            for cell in sheet[1]:
                cell.font = Font(bold=True)
            for column in sheet.columns:
                width = max(len(str(c.value or "")) for c in column)
                sheet.column_dimensions[column[0].column_letter].width = min(max(10, width * 2 + 2), 60)
                for cell in column[1:]:
                    if isinstance(cell.value, str):
                        cell.data_type = "s"
    return buffer.getvalue()
