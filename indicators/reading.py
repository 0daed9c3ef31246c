"""Read uploaded files into per-dataset tables of raw cells, keyed by the row number users see.

Workbooks are read with python-calamine through pandas; CSV text is decoded by detection. Each sheet
is matched to a dataset, its header row found, and only the dataset's columns are kept: every other
column (names, phone numbers, ID numbers, summaries) is dropped here and never goes further.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .normalize import normalize_header
from .report import Problem
from .safety import Format, Rejected, check_size, sniff
from .schema import DATASETS, Column, Dataset

MAX_TITLE_ROWS = 10
TOTAL_WORDS = ("合计", "总计", "小计")


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


def _read_workbook(data: bytes) -> dict[str, pd.DataFrame]:
    try:
        return pd.read_excel(io.BytesIO(data), sheet_name=None, header=None, engine="calamine", dtype=object)
    except Exception as exc:  # calamine raises its own error types for every broken workbook
        text = str(exc).lower()
        if "password" in text or "encrypt" in text:
            raise Rejected("工作簿设有密码（已加密），无法读取。请在 Excel/WPS 中取消密码后另存再上传。") from None
        raise Rejected(
            "工作簿无法读取：文件不完整、已损坏或不是 Excel 格式。请在 Excel/WPS 中打开后另存为 .xlsx 再上传。"
        ) from None


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
    text = decode_text(data)
    sample = text[:8192]
    delimiter = max((",", "\t", ";"), key=sample.count)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    width = max(map(len, rows), default=0)  # blank lines and short rows: pandas no longer pads them
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
