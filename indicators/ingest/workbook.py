"""Read a workbook in a child process held to the parse limits of safety.py: memory, time, sheets, cells.

calamine is fast but not hardened against hostile files: a few bytes changed in an .xls, or one
value in cell XFD1048576 of an .xlsx, make it panic, allocate tens of gigabytes or abort the whole
process (a failed allocation aborts in Rust). In a child capped in memory and time that costs the
child, not the app, and the user gets a refusal in Chinese.

The child is a fresh interpreter (`python -m indicators.ingest.workbook`, started by subprocess,
which execs at once), never a fork() of the app: Streamlit serves every session from its own thread,
and a forked copy of a threaded process can hang on a lock another thread held at that moment.
multiprocessing's "spawn" and "forkserver" are no better here: each child first imports the parent's
main module, which under Streamlit's test harness is the dashboard script itself. The child imports
only this module (no pandas), caps itself, reads the workbook from stdin and writes its answer,
pickled, to stdout. It also matches the sheets to datasets (sheets.py): columns the dashboard must
not keep, such as names and phone numbers, never leave it. The workbook is parsed once, by calamine.
"""

from __future__ import annotations

import contextlib
import faulthandler
import io
import os
import pickle
import re
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar
from xml.etree import ElementTree

from python_calamine import CalamineWorkbook

from .safety import MAX_PARSE_BYTES, MAX_PARSE_SECONDS, ZIP_MAGIC, Rejected, check_extent, check_sheet_count
from .sheets import ReadResult, match_sheet

T = TypeVar("T")
PROJECT = Path(__file__).resolve().parents[2]
# -E -s: no PYTHON* variables and no user site, so the child imports what the app would; -B: no .pyc writes.
CHILD = [sys.executable, "-E", "-s", "-B", "-m", __name__]

TOO_BIG = (
    f"工作簿读取时所需内存超过 {MAX_PARSE_BYTES // 1024 // 1024} MB 的上限（或读取程序异常终止），已拒绝。"
    "文件可能已损坏，或数据区域过大（例如远处有误填的单元格）。请在 Excel/WPS 中检查后另存为 .xlsx 再上传。"
)
TIMED_OUT = (
    f"工作簿读取超过 {MAX_PARSE_SECONDS} 秒仍未完成，已中止（文件可能已损坏或结构异常）。"
    "请在 Excel/WPS 中打开后另存为 .xlsx 再上传。"
)


def read_workbook(file: str, fileno: int, data: bytes) -> ReadResult:
    """Every sheet of a workbook matched to datasets, read in a capped child process."""
    child = subprocess.Popen(
        [*CHILD, file, str(fileno)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,  # calamine's panic and allocation-failure messages are not for the user
        cwd=PROJECT,
    )
    try:
        raw, _ = child.communicate(data, timeout=MAX_PARSE_SECONDS)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        raise Rejected(TIMED_OUT) from None
    if child.returncode != 0 or not raw:  # the child died (its memory cap, an abort in calamine)
        raise Rejected(TOO_BIG)
    try:
        kind, value = pickle.loads(raw)
    except (pickle.UnpicklingError, EOFError, ValueError):
        raise Rejected(TOO_BIG) from None
    if kind == "rejected":
        raise Rejected(value)
    return value


def _child() -> None:
    """In the child: cap this process, parse stdin's workbook, write the outcome pickled to stdout."""
    _confine()
    file, fileno = sys.argv[1], int(sys.argv[2])
    data = sys.stdin.buffer.read()
    try:
        outcome: tuple[str, object] = ("ok", parse_workbook(file, fileno, data))
    except Rejected as exc:
        outcome = ("rejected", str(exc))
    except MemoryError:
        outcome = ("rejected", TOO_BIG)
    sys.stdout.buffer.write(pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL))
    sys.stdout.buffer.flush()


def parse_workbook(file: str, fileno: int, data: bytes) -> ReadResult:
    """Parse a workbook once with calamine, within the cell limits, and match its sheets.

    Each sheet's extent is checked before its cells become Python objects: a sheet with one value in
    column 65,536 is refused in a fraction of a second, not after a minute.
    """
    book = _calamine(lambda: CalamineWorkbook.from_filelike(io.BytesIO(data)))
    names = book.sheet_names
    check_sheet_count(len(names))
    sheets = [(name, _calamine(lambda name=name: book.get_sheet_by_name(name))) for name in names]
    check_extent([(name, s.end[0] + 1, s.end[1] + 1) if s.end else (name, 0, 0) for name, s in sheets])
    unreadable, date1904 = workbook_facts(data) if data.startswith(ZIP_MAGIC) else ({}, False)
    result = ReadResult()
    for sheet_no, (name, sheet) in enumerate(sheets):
        grid = _calamine(lambda sheet=sheet: sheet.to_python(skip_empty_area=False))
        result.extend(match_sheet(file, fileno, name, sheet_no, grid, True, unreadable.get(name, {}), date1904))
    return result


def _calamine(parse: Callable[[], T]) -> T:
    """Run a calamine call; its errors, a Rust panic included, become a refusal."""
    try:
        return parse()
    except (Rejected, MemoryError):
        raise
    except Exception as exc:  # calamine raises its own error types for every broken workbook
        raise _unreadable(exc) from None
    except BaseException as exc:  # a panic in calamine arrives as pyo3's PanicException, a BaseException
        if type(exc).__name__ != "PanicException":
            raise
        raise _unreadable(exc) from None


def _unreadable(exc: BaseException) -> Rejected:
    text = str(exc).lower()
    if "password" in text or "encrypt" in text:
        return Rejected("工作簿设有密码（已加密），无法读取。请在 Excel/WPS 中取消密码后另存再上传。")
    return Rejected("工作簿无法读取：文件不完整、已损坏或不是 Excel 格式。请在 Excel/WPS 中打开后另存为 .xlsx 再上传。")


_RELS_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_CELL_REF = re.compile(rb'\sr="([A-Z]{1,3})(\d{1,7})"')
_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]+)</")
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_ERROR_TYPE = re.compile(rb'\st="e"')
_CANDIDATE = re.compile(rb'<(?:\w+:)?f[\s>/]|\st="e"')
_CELL_END = re.compile(rb"</(?:\w+:)?c>|/>")
FORMULA_WITHOUT_VALUE = (
    "单元格是公式，但文件中没有保存它的计算结果（读取为空）。请在 Excel/WPS 中打开文件、重新计算并保存，"
    "或把该列“选择性粘贴为数值”后再上传"
)


def error_value(value: str) -> str:
    return f"单元格是 Excel 错误值（{value}），通常来自出错的公式；请修正公式或填入实际值后再上传"


Unreadable = dict[tuple[int, int], str]


def workbook_facts(data: bytes) -> tuple[dict[str, Unreadable], bool]:
    """Per sheet name, the cells calamine reads as empty that are not (by (row, column) from 0, with
    what is wrong), and whether the workbook counts serial dates from 1904.

    A workbook written by a program rather than by Excel or WPS may carry formulas never calculated,
    and a failed lookup leaves #N/A: calamine reads both as empty, and an empty 办结日期 would silently
    count a petition open. The workbook passed safety.check_zip, so its XML is safe to parse.
    """
    archive = zipfile.ZipFile(io.BytesIO(data))
    try:
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return {}, False
    date1904 = any(e.tag.endswith("}workbookPr") and e.get("date1904") in ("1", "true") for e in book.iter())
    targets = {r.get("Id"): (r.get("Target") or "").lstrip("/") for r in rels}
    out = {}
    for sheet in book.iter():
        if not sheet.tag.endswith("}sheet"):
            continue
        target = targets.get(sheet.get(_RELS_NS), "")
        part = target if target.startswith("xl/") else f"xl/{target}"
        with contextlib.suppress(KeyError):
            xml = archive.read(part)
            if _has_candidates(xml):
                out[sheet.get("name") or ""] = _unreadable_cells(xml)
    return out, date1904


def _has_candidates(xml: bytes) -> bool:
    """Whether a sheet's XML holds a formula or an error value: a plain byte search unless its tags carry a prefix."""
    if b"<sheetData" in xml:
        return b"<f>" in xml or b"<f " in xml or b"<f/>" in xml or b't="e"' in xml
    return _CANDIDATE.search(xml) is not None


def _unreadable_cells(xml: bytes) -> Unreadable:
    """Formula cells whose <v> is missing or empty, and error cells, located by their `r` attribute.

    A cell without `r` (allowed, rarely written) is located by reading the sheet in order instead.
    """
    found: Unreadable = {}
    for match in _CANDIDATE.finditer(xml):
        start = max(xml.rfind(b"<c ", 0, match.start()), xml.rfind(b":c ", 0, match.start()))
        if start < 0:
            continue
        opening = xml[start : xml.find(b">", start) + 1]
        end = _CELL_END.search(xml, start + len(opening) - 2)
        cell = xml[start : end.end()] if end else opening
        ref = _CELL_REF.search(opening)
        if ref is None:
            return _unreadable_in_order(xml)
        value = _VALUE.search(cell)
        where = (int(ref.group(2)) - 1, _column_index(ref.group(1).decode()))
        if _ERROR_TYPE.search(opening):
            found[where] = error_value(value.group(1).decode(errors="replace") if value else "#N/A")
        elif _FORMULA.search(cell) and not value:
            found[where] = FORMULA_WITHOUT_VALUE
    return found


def _unreadable_in_order(xml: bytes) -> Unreadable:
    """The same as _unreadable_cells, reading rows and cells in order: positions from `r`, else by counting."""
    found: Unreadable = {}
    row = col = -1
    for event, element in ElementTree.iterparse(io.BytesIO(xml), events=("start", "end")):
        tag = element.tag.rsplit("}", 1)[-1]
        if event == "start" and tag == "row":
            number = element.get("r")
            row, col = (int(number) - 1 if number and number.isdigit() else row + 1), -1
        elif event == "end" and tag == "c":
            ref = re.fullmatch(r"([A-Z]{1,3})\d+", element.get("r") or "")
            col = _column_index(ref.group(1)) if ref else col + 1
            children = {c.tag.rsplit("}", 1)[-1]: c for c in element}
            value = (children["v"].text or "").strip() if "v" in children else ""
            if element.get("t") == "e":
                found[(row, col)] = error_value(value or "#N/A")
            elif "f" in children and not value:
                found[(row, col)] = FORMULA_WITHOUT_VALUE
        elif event == "end" and tag == "row":
            element.clear()
    return found


def _column_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _confine() -> None:
    """Hold this process to MAX_PARSE_BYTES beyond its present size, with no core dump or fault dump."""
    import resource  # POSIX only

    resource.setrlimit(resource.RLIMIT_CORE, (0, resource.getrlimit(resource.RLIMIT_CORE)[1]))
    faulthandler.disable()
    try:
        with open("/proc/self/statm") as statm:
            present = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return
    hard = resource.getrlimit(resource.RLIMIT_AS)[1]
    limit = present + MAX_PARSE_BYTES
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


if __name__ == "__main__":
    _child()
