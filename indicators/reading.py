"""Read uploaded files into per-dataset tables of raw cells, keyed by the row number users see.

Workbooks are read with python-calamine through pandas, in a forked child held to the parse limits of
safety.py (memory, time, cells, columns, sheets); CSV text is decoded by detection. Each sheet
is matched to a dataset, its header row found, and only the dataset's columns are kept: every other
column (names, phone numbers, ID numbers, summaries) is dropped here and never goes further.
"""

from __future__ import annotations

import contextlib
import csv
import faulthandler
import io
import os
import pickle
import selectors
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn, TypeVar

import pandas as pd
from python_calamine import CalamineWorkbook

from .normalize import normalize_header
from .report import Problem
from .safety import (
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_PARSE_BYTES,
    MAX_PARSE_SECONDS,
    Format,
    Rejected,
    check_extent,
    check_sheet_count,
    check_size,
    sniff,
)
from .schema import DATASETS, Column, Dataset

MAX_TITLE_ROWS = 10
TOTAL_WORDS = ("合计", "总计", "小计")
T = TypeVar("T")


@dataclass
class SheetTable:
    """The rows of one sheet matched to a dataset: columns are fields, the index is the Excel row."""

    file: str
    sheet: str
    dataset: Dataset
    rows: pd.DataFrame
    header_row: int


@dataclass
class Ignored:
    file: str
    sheet: str
    reason: str


@dataclass
class ReadResult:
    """Everything read from one upload: matched tables, ignored sheets and problems found so far."""

    tables: list[SheetTable] = field(default_factory=list)
    ignored: list[Ignored] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def extend(self, other: ReadResult) -> None:
        self.tables += other.tables
        self.ignored += other.ignored
        self.problems += other.problems


@dataclass(frozen=True)
class Upload:
    """One uploaded file: its name as the user named it and its bytes."""

    name: str
    data: bytes

    @classmethod
    def from_path(cls, path: str | Path) -> Upload:
        """Read a file from disk, refusing it by size before loading it into memory."""
        path = Path(path)
        check_size(path.stat().st_size)
        return cls(path.name, path.read_bytes())


def read_uploads(uploads: list[Upload]) -> ReadResult:
    """Read every file of a batch; a file refused as a whole becomes one problem."""
    result = ReadResult()
    for upload in uploads:
        try:
            result.extend(read_upload(upload))
        except Rejected as exc:
            result.problems.append(Problem(upload.name, str(exc)))
    if not result.tables and not result.problems:
        words = "；".join(f"{d.name}：{'、'.join(c.name for c in d.required)}" for d in DATASETS)
        result.problems.append(
            Problem(
                "、".join(u.name for u in uploads) or "（无文件）",
                f"没有任何工作表能对应到数据集。表头行需包含某一数据集的全部必填列（{words}）。",
            )
        )
    return result


def read_upload(upload: Upload) -> ReadResult:
    """Read one file of any accepted format."""
    fmt = sniff(upload.name, upload.data)
    if fmt is Format.CSV:
        return match_sheet(upload.name, "", _read_csv(upload.data), by_name=False)
    result = ReadResult()
    for sheet, grid in _read_workbook(upload.data).items():
        result.extend(match_sheet(upload.name, str(sheet), grid, by_name=True))
    return result


_TOO_BIG = (
    f"工作簿读取时所需内存超过 {MAX_PARSE_BYTES // 1024 // 1024} MB 的上限（或读取程序异常终止），已拒绝。"
    "文件可能已损坏，或数据区域过大（例如远处有误填的单元格）。请在 Excel/WPS 中检查后另存为 .xlsx 再上传。"
)
_TIMED_OUT = (
    f"工作簿读取超过 {MAX_PARSE_SECONDS} 秒仍未完成，已中止（文件可能已损坏或结构异常）。"
    "请在 Excel/WPS 中打开后另存为 .xlsx 再上传。"
)


def _read_workbook(data: bytes) -> dict[str, pd.DataFrame]:
    """Every sheet as a grid of raw cells, parsed in a child process held to the parse limits.

    calamine is fast but not hardened against hostile files: a few bytes changed in an .xls, or one
    value in cell XFD1048576 of an .xlsx, make it panic, allocate tens of gigabytes or abort the whole
    process (a failed allocation aborts in Rust). In a child capped in memory and time that costs
    the child, not the app, and the user gets a refusal in Chinese.
    """
    if not hasattr(os, "fork"):  # not on Linux or macOS: parse in process, still under the cell limits
        return _parse_workbook(data)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        _parse_in_child(data, write_end)
    os.close(write_end)
    try:
        raw = _receive(read_end, MAX_PARSE_SECONDS)
    finally:
        os.close(read_end)
        _end(pid)
    if raw is None:
        raise Rejected(_TIMED_OUT)
    if not raw:
        raise Rejected(_TOO_BIG)
    try:
        kind, value = pickle.loads(raw)
    except (pickle.UnpicklingError, EOFError, ValueError):  # the child died while writing its answer
        raise Rejected(_TOO_BIG) from None
    if kind == "rejected":
        raise Rejected(value)
    return value


def _parse_workbook(data: bytes) -> dict[str, pd.DataFrame]:
    """Parse a workbook with calamine, once its sheets' extents are known to be within the cell limits.

    pandas spends its time per column and per cell, so the extents are read first: a sheet with one
    value in column 65,536 is refused in a fraction of a second, not after a minute.
    """
    check_extent(_calamine(lambda: _sheet_extents(data)))
    return _calamine(
        # keep_default_na=False: a cell reading "NA", "NULL" or "None" is text, as it is in a CSV.
        lambda: pd.read_excel(
            io.BytesIO(data),
            sheet_name=None,
            header=None,
            engine="calamine",
            dtype=object,
            keep_default_na=False,
            na_values=[""],
        )
    )


def _sheet_extents(data: bytes) -> list[tuple[str, int, int]]:
    """Each sheet's rows and columns from A1 to its farthest value, as pandas will lay it out."""
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    check_sheet_count(len(book.sheet_names))
    extents = []
    for name in book.sheet_names:
        end = book.get_sheet_by_name(name).end
        extents.append((name, end[0] + 1, end[1] + 1) if end else (name, 0, 0))
    return extents


def _calamine(parse: Callable[[], T]) -> T:
    """Run a calamine parse; its errors, a Rust panic included, become a refusal."""
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


def _parse_in_child(data: bytes, out: int) -> NoReturn:
    """In the forked child: parse under the limits, send the outcome pickled through `out`, exit."""
    status = 1
    try:
        _confine()
        try:
            outcome: tuple[str, object] = ("ok", _parse_workbook(data))
        except Rejected as exc:
            outcome = ("rejected", str(exc))
        except MemoryError:
            outcome = ("rejected", _TOO_BIG)
        with os.fdopen(out, "wb") as stream:
            pickle.dump(outcome, stream, protocol=pickle.HIGHEST_PROTOCOL)
        status = 0
    finally:
        os._exit(status)  # no atexit handlers, no flushing the app's buffers, no closing its connections


def _confine() -> None:
    """Hold this process to MAX_PARSE_BYTES beyond its present size, with no core dump and a silent stderr."""
    import resource  # POSIX only, as fork is

    resource.setrlimit(resource.RLIMIT_CORE, (0, resource.getrlimit(resource.RLIMIT_CORE)[1]))
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)  # calamine's panic and allocation-failure messages are not for the user
    faulthandler.disable()  # nor a dump of this process when such a failure aborts it
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


def _receive(fd: int, seconds: float) -> bytes | None:
    """Everything written to `fd` until its writer closes it, or None once `seconds` have passed."""
    deadline = time.monotonic() + seconds
    chunks = []
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not selector.select(remaining):
                return None
            chunk = os.read(fd, 1024 * 1024)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)


def _end(pid: int) -> None:
    """Kill the child if it still runs and reap it."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):  # already reaped, where SIGCHLD is ignored
        os.waitpid(pid, 0)


def decode_text(data: bytes) -> str:
    """CSV text in UTF-8 (with or without BOM), UTF-16 with BOM, or GBK/GB18030, detected."""
    if data.startswith(b"\xef\xbb\xbf"):
        candidates = ("utf-8-sig",)
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ("utf-16",)
    else:
        candidates = ("utf-8", "gb18030")
    for encoding in candidates:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise Rejected("无法识别 CSV 文件的编码（支持 UTF-8 与 GBK/GB18030），请在 Excel/WPS 中另存为“CSV UTF-8”后上传。")


def _read_csv(data: bytes) -> pd.DataFrame:
    """The file's rows as a grid of text cells, refused as soon as it outgrows the cell limits."""
    text = decode_text(data)
    sample = text[:8192]
    delimiter = max((",", "\t", ";"), key=sample.count)
    separators, lines = text.count(delimiter), text.count("\n")
    if max(separators, lines) > MAX_CELLS:  # checked before parsing: no row, nor the list of rows, may grow to millions
        raise Rejected(
            f"文件有 {lines + 1:,} 行、{separators:,} 个分隔符，数据超过 {MAX_CELLS:,} 个单元格的上限，已拒绝。"
            "请拆分为几个文件分批上传。"
        )
    rows: list[list[str]] = []
    width = 0
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            rows.append(row)
            width = max(width, len(row))
            if width > MAX_COLUMNS or len(rows) * width > MAX_CELLS:
                check_extent([("", len(rows), width)])
    except csv.Error:
        raise Rejected(
            f"CSV 文件第 {len(rows) + 1} 行附近的引号不成对（一个单元格超过了长度上限），无法读取。"
            "请在 Excel/WPS 中打开检查后另存为 .xlsx 或“CSV UTF-8”再上传。"
        ) from None
    # blank lines and short rows: pandas no longer pads them
    return pd.DataFrame([row + [""] * (width - len(row)) for row in rows], dtype=object)


@dataclass
class _Header:
    row: int
    columns: dict[str, int]
    problems: list[str]
    ambiguous: set[str] = field(default_factory=set)

    def missing(self, dataset: Dataset) -> list[Column]:
        """Required columns with no header cell; a column named by two synonyms is present, if ambiguous."""
        return [c for c in dataset.required if c.field not in self.columns and c.field not in self.ambiguous]


def _match_header_row(cells: list[str], dataset: Dataset, row: int) -> _Header:
    """Map a row's normalised header cells to the dataset's columns; the canonical name wins."""
    header = _Header(row, {}, [])
    for column in dataset.columns:
        canonical = [j for j, h in enumerate(cells) if h == column.name]
        synonyms = [j for j, h in enumerate(cells) if h in column.synonyms]
        if len(canonical) > 1:
            header.ambiguous.add(column.field)
            header.problems.append(
                f"有 {len(canonical)} 列都名为“{column.name}”，无法确定用哪一列，请删去或改名多余的列"
            )
        elif canonical:
            header.columns[column.field] = canonical[0]
        elif len(synonyms) == 1:
            header.columns[column.field] = synonyms[0]
        elif len(synonyms) > 1:
            header.ambiguous.add(column.field)
            names = "”和“".join(cells[j] for j in synonyms)
            header.problems.append(f"“{names}”两列都可作“{column.name}”，无法确定用哪一列，请删去或改名其中一列")
    return header


def find_header(head: pd.DataFrame, dataset: Dataset) -> tuple[_Header | None, _Header]:
    """The first of the top rows holding every required column, and the best partial row seen."""
    best = _Header(0, {}, [])
    for i in range(min(len(head), MAX_TITLE_ROWS + 1)):
        cells = [normalize_header(v) for v in head.iloc[i].tolist()]
        header = _match_header_row(cells, dataset, i)
        if not header.missing(dataset):
            return header, header
        if len(header.columns) > len(best.columns):
            best = header
    return None, best


def _datasets_named(sheet: str) -> list[Dataset]:
    return [d for d in DATASETS if any(word in sheet for word in d.sheet_words)]


def match_sheet(file: str, sheet: str, grid: pd.DataFrame, by_name: bool) -> ReadResult:
    """Match one sheet (or CSV) to a dataset and extract its rows; report it ignored otherwise."""
    result = ReadResult()
    if grid.empty:
        result.ignored.append(Ignored(file, sheet, "空工作表"))
        return result
    head = grid.head(MAX_TITLE_ROWS + 1)
    named = _datasets_named(sheet) if by_name else []
    candidates = named if len(named) == 1 else list(DATASETS)
    found = [(d, *find_header(head, d)) for d in candidates]
    matches = [(d, h) for d, h, _ in found if h is not None]
    if not matches:
        if len(named) == 1:
            dataset, _, best = found[0]
            missing = "、".join(c.name for c in best.missing(dataset))
            result.problems.append(
                Problem(
                    file,
                    f"工作表名称对应“{dataset.name}”，但前 {MAX_TITLE_ROWS + 1} 行中没有包含全部必填列的表头行，"
                    f"缺少：{missing}",
                    sheet=sheet,
                )
            )
        else:
            result.ignored.append(Ignored(file, sheet, "表头与任何数据集都不相符"))
        return result
    dataset, header = max(matches, key=lambda m: len(m[1].columns))
    for message in header.problems:
        result.problems.append(Problem(file, message, sheet=sheet, row=header.row + 1))
    result.tables.append(SheetTable(file, sheet, dataset, _data_rows(grid, header), header.row + 1))
    return result


def _text_frame(grid: pd.DataFrame) -> pd.DataFrame:
    """Every cell as text without white space; blank cells become NA."""
    text = grid.astype("string").apply(lambda col: col.str.replace(r"[\s\u3000\ufeff]+", "", regex=True))
    return text.mask(text == "")


def _first_values(text: pd.DataFrame) -> pd.Series:
    """Each row's first non-blank cell from the left, NA for a blank row: `text.bfill(axis=1).iloc[:, 0]`.

    Filled one column at a time: bfill along rows transposes the frame into a block per row, which
    took seconds on a 100,000-row sheet.
    """
    if not len(text.columns):
        return pd.Series(dtype="string")
    first = text.iloc[:, 0]
    for j in range(1, len(text.columns)):
        if not first.isna().any():
            break
        first = first.fillna(text.iloc[:, j])
    return first


def _data_rows(grid: pd.DataFrame, header: _Header) -> pd.DataFrame:
    """Rows under the header, without blank and totals rows, keeping only the dataset's columns."""
    body = grid.iloc[header.row + 1 :]
    text = _text_frame(body)
    first = _first_values(text)
    totals = first.str.startswith(TOTAL_WORDS).fillna(False).astype(bool)
    positions = list(header.columns.values())
    has_value = text.iloc[:, positions].notna().any(axis=1)
    keep = has_value & ~totals
    rows = body.loc[keep].iloc[:, positions]
    rows.columns = list(header.columns.keys())
    rows.index = rows.index + 1
    return rows.reset_index(drop=False, names="_row").set_index("_row")
