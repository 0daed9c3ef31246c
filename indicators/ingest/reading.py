"""Read an upload (one or more files) into per-dataset tables of raw cells, keyed by the rows users see.

Workbooks are parsed in a capped child process (workbook.py); CSV text is decoded by detection and
split by the delimiter that splits its rows most consistently. Sheets are matched to datasets and
only the datasets' columns are kept (sheets.py). Files are told apart by content, never by name.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import logging
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from ..schema import DATASETS, MAX_FILE_NAME_CHARS
from .normalize import text_problem
from .report import Problem
from .safety import MAX_CELLS, MAX_COLUMNS, Format, Rejected, check_extent, check_size, sniff
from .sheets import ReadResult, SkipKind, match_sheet
from .workbook import read_workbook

DELIMITERS = (",", "\t", ";", "|")
UNREADABLE = "文件无法读取（文件结构异常），已拒绝。请在 Excel/WPS 中打开后另存为 .xlsx 或“CSV UTF-8”再上传。"
_SAMPLE_CHARS = 64 * 1024
_SAMPLE_ROWS = 40


@dataclass(frozen=True)
class Upload:
    """One uploaded file: its name as the user named it and its bytes."""

    name: str
    data: bytes

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @classmethod
    def from_path(cls, path: str | Path) -> Upload:
        """Read a file from disk, refusing it by size before loading it into memory."""
        path = Path(path)
        check_size(path.stat().st_size)
        return cls(path.name, path.read_bytes())


def file_name_problem(name: str) -> str | None:
    """What is wrong with a file's name as it would be stored and shown, if anything."""
    if len(name) > MAX_FILE_NAME_CHARS:
        return f"文件名过长（{len(name)} 个字符，最多 {MAX_FILE_NAME_CHARS} 个），请改短后重新上传"
    problem = text_problem(name, None)
    return f"文件名{problem}" if problem else None


def read_uploads(uploads: list[Upload]) -> ReadResult:
    """Read every file of a batch; a file refused as a whole becomes one problem.

    Two files with the same content in one upload are one file sent twice: the second is a problem.
    """
    result = ReadResult()
    first_named: dict[str, str] = {}
    for fileno, upload in enumerate(uploads):
        if problem := file_name_problem(upload.name):
            result.problems.append(Problem(upload.name, problem, fileno=fileno))
            continue
        if upload.sha256 in first_named:
            message = f"与本次上传的文件“{first_named[upload.sha256]}”内容完全相同（SHA-256 相同），同一文件请只选一次"
            result.problems.append(Problem(upload.name, message, fileno=fileno))
            continue
        first_named[upload.sha256] = upload.name
        try:
            result.extend(read_upload(upload, fileno))
        except Rejected as exc:
            result.problems.append(Problem(upload.name, str(exc), fileno=fileno))
        except Exception:  # a reader's own failure on a file nobody foresaw: the file is refused, not the app
            logging.getLogger(__name__).exception("reading %r failed", upload.name)
            result.problems.append(Problem(upload.name, UNREADABLE, fileno=fileno))
    if not result.tables and not result.problems:
        result.problems.append(_nothing_to_import(result, uploads))
    return result


def _nothing_to_import(result: ReadResult, uploads: list[Upload]) -> Problem:
    """The one problem of an upload that brings no data row at all."""
    names = "、".join(u.name for u in uploads) or "（无文件）"
    empty = [s for s in result.skipped if s.kind == SkipKind.NO_ROWS]
    if empty:
        sheets = "、".join(f"“{s.sheet}”" if s.sheet else f"“{s.file}”" for s in empty)
        examples = sum(s.examples for s in empty)
        skipped = f"（模板示例行已跳过 {examples} 行）" if examples else ""
        return Problem(names, f"没有数据行：{sheets}只有表头{skipped}，本次上传没有可导入的记录。请填写数据后再上传。")
    words = "；".join(f"{d.name}：{'、'.join(c.name for c in d.required)}" for d in DATASETS)
    return Problem(names, f"没有任何工作表能对应到数据集。表头行需包含某一数据集的全部必填列（{words}）。")


def read_upload(upload: Upload, fileno: int = 0) -> ReadResult:
    """Read one file of any accepted format."""
    fmt = sniff(upload.name, upload.data)
    if fmt is Format.CSV:
        grid, lines = read_csv(upload.data)
        return match_sheet(upload.name, fileno, "", 0, grid, by_name=False, lines=lines)
    return read_workbook(upload.name, fileno, upload.data)


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


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first rows into the same number of fields most consistently.

    Each candidate splits a sample (quotes respected); the rows' most common field count must be at
    least two, and the candidate whose most common count is shared by most rows wins (then the one
    giving more fields). A semicolon inside a summary column does not outvote the commas of every row.
    """
    sample = text[:_SAMPLE_CHARS]
    if len(text) > _SAMPLE_CHARS:
        sample = sample[: sample.rfind("\n") + 1] or sample
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        widths = []
        try:
            for row in itertools.islice(csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter), _SAMPLE_ROWS):
                if any(cell.strip() for cell in row):
                    widths.append(len(row))
        except csv.Error:
            pass
        if not widths:
            continue
        width = max(set(widths), key=lambda w: (widths.count(w), w))
        score = (widths.count(width), width) if width >= 2 else (0, 0)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def read_csv(data: bytes) -> tuple[list[list[object]], list[int]]:
    """The file's records as a grid of text cells, with the line each record starts on.

    Refused as soon as it outgrows the cell limits, and when a quote is left open (strict parsing: an
    open quote would otherwise swallow every following line into one cell).
    """
    text = decode_text(data)
    delimiter = sniff_delimiter(text)
    separators, breaks = text.count(delimiter), text.count("\n")
    if (
        max(separators, breaks) > MAX_CELLS
    ):  # checked before parsing: no row, nor the list of rows, may grow to millions
        raise Rejected(
            f"文件有 {breaks + 1:,} 行、{separators:,} 个分隔符，数据超过 {MAX_CELLS:,} 个单元格的上限，已拒绝。"
            "请拆分为几个文件分批上传。"
        )
    rows: list[list[object]] = []
    starts: list[int] = []
    width = read = 0
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        for row in reader:
            starts.append(read + 1)  # a record starts on the line after the last one read
            read = reader.line_num
            rows.append(row)
            width = max(width, len(row))
            if width > MAX_COLUMNS or len(rows) * width > MAX_CELLS:
                check_extent([("", len(rows), width)])
    except csv.Error:
        raise Rejected(
            f"CSV 文件第 {reader.line_num} 行附近的引号不成对（或一个单元格超过了长度上限），无法读取。"
            "请在 Excel/WPS 中打开检查后另存为 .xlsx 或“CSV UTF-8”再上传。"
        ) from None
    return rows, starts
