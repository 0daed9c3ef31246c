"""Match a sheet's grid of raw cells to a dataset and keep only that dataset's columns and data rows.

Plain Python over lists, without pandas: it runs inside the workbook parser's child process (so that
personal columns never leave it) and in the app for CSV files. The header row, synonyms, title rows,
blank, totals and template-example rows follow the spec's "Layout tolerance".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from ..schema import BY_ID, DATASETS, EXAMPLE_MARK, INSTRUCTIONS_SHEET, Column, Dataset
from .normalize import is_blank, normalize_header, squeeze
from .report import Problem

MAX_TITLE_ROWS = 10
TOTAL_WORDS = ("合计", "总计", "小计")
Grid = list[list[object]]


@dataclass
class SheetTable:
    """The data rows of one sheet matched to a dataset, as raw cells per field, with their Excel rows.

    `missing` lists required fields the header lacks (the rest is still checked); `examples` the rows
    skipped as template examples; `unreadable` the (row, field) cells read as empty that are not (a
    formula without a saved value, an Excel error value), with what is wrong; `date1904` whether the
    workbook counts serial dates from 1904.
    """

    file: str
    fileno: int
    sheet: str
    sheet_no: int
    dataset_id: str
    header_row: int
    rows: list[int]
    cells: dict[str, list[object]]
    positions: dict[str, int]
    missing: list[str] = field(default_factory=list)
    examples: list[int] = field(default_factory=list)
    unreadable: dict[tuple[int, str], str] = field(default_factory=dict)
    date1904: bool = False

    @property
    def dataset(self) -> Dataset:
        return BY_ID[self.dataset_id]


class SkipKind:
    """Why a sheet brings no rows: words for the preview come from these."""

    EMPTY = "empty"
    UNMATCHED = "unmatched"
    INSTRUCTIONS = "instructions"
    NO_ROWS = "no_rows"


@dataclass
class Skipped:
    """A sheet that brings no rows, and why (SkipKind); `detail` names what was close or skipped."""

    file: str
    sheet: str
    kind: str
    detail: str = ""
    examples: int = 0


@dataclass
class ReadResult:
    """Everything read from one upload: matched tables, skipped sheets and problems found so far."""

    tables: list[SheetTable] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def extend(self, other: ReadResult) -> None:
        self.tables += other.tables
        self.skipped += other.skipped
        self.problems += other.problems


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


def find_header(head: list[list[str]], dataset: Dataset) -> tuple[_Header | None, _Header]:
    """The first of the top rows holding every required column, and the best partial row seen."""
    best = _Header(0, {}, [])
    for i, cells in enumerate(head):
        header = _match_header_row(cells, dataset, i)
        if not header.missing(dataset):
            return header, header
        if len(header.columns) > len(best.columns):
            best = header
    return None, best


def _datasets_named(sheet: str) -> list[Dataset]:
    return [d for d in DATASETS if any(word in sheet for word in d.sheet_words)]


def _closest(found: list[tuple[Dataset, _Header | None, _Header]]) -> tuple[Dataset, _Header] | None:
    """The one dataset whose best partial header matches most columns (at least two), if it is unique."""
    ranked = sorted(((len(best.columns), d, best) for d, _, best in found), key=lambda r: -r[0])
    if not ranked or ranked[0][0] < 2 or (len(ranked) > 1 and ranked[1][0] == ranked[0][0]):
        return None
    return ranked[0][1], ranked[0][2]


def match_sheet(
    file: str,
    fileno: int,
    sheet: str,
    sheet_no: int,
    grid: Grid,
    by_name: bool,
    unreadable: dict[tuple[int, int], str] | None = None,
    date1904: bool = False,
    lines: list[int] | None = None,
) -> ReadResult:
    """Match one sheet (or CSV) to a dataset and extract its rows; report it skipped otherwise.

    A sheet named for one dataset, or a CSV whose header is closest to one dataset, is read even when
    its header lacks required columns: the missing columns are one problem and every other column is
    still checked, so one round of fixes is enough. `unreadable` maps (row, column) indexes, from 0,
    of cells read as empty that are not, to what is wrong with them. `lines` gives a CSV record's first
    line number (a quoted cell may span lines); a workbook row's number is its index plus one.
    """
    result = ReadResult()
    if by_name and squeeze(sheet) == INSTRUCTIONS_SHEET:
        result.skipped.append(Skipped(file, sheet, SkipKind.INSTRUCTIONS))
        return result
    if not any(not is_blank(v) for row in grid for v in row):
        result.skipped.append(Skipped(file, sheet, SkipKind.EMPTY))
        return result
    head = [[normalize_header(v) for v in row] for row in grid[: MAX_TITLE_ROWS + 1]]
    named = _datasets_named(sheet) if by_name else []
    candidates = named if len(named) == 1 else list(DATASETS)
    found = [(d, *find_header(head, d)) for d in candidates]
    matches = [(d, h) for d, h, _ in found if h is not None]
    if matches:
        dataset, header = max(matches, key=lambda m: len(m[1].columns))
    else:
        partial = (found[0][0], found[0][2]) if len(named) == 1 else None if by_name else _closest(found)
        if partial is None or not partial[1].columns:
            return _unmatched(result, file, sheet, named, found)
        dataset, header = partial
        missing = "、".join(c.name for c in header.missing(dataset))
        result.problems.append(
            Problem(
                file,
                f"表头缺少必填列：{missing}（前 {MAX_TITLE_ROWS + 1} 行中没有包含“{dataset.name}”全部必填列的表头行）。"
                "请补上这些列；其余各列的问题已一并列出",
                sheet,
                _number(header.row, lines),
                missing,
                fileno=fileno,
                sheet_no=sheet_no,
            )
        )
    for message in header.problems:
        result.problems.append(
            Problem(file, message, sheet, _number(header.row, lines), fileno=fileno, sheet_no=sheet_no)
        )
    table = _extract(file, fileno, sheet, sheet_no, grid, dataset, header, unreadable or {}, lines)
    table.date1904 = date1904
    if table.rows:
        result.tables.append(table)
    else:
        result.skipped.append(Skipped(file, sheet, SkipKind.NO_ROWS, dataset.name, len(table.examples)))
    return result


def _unmatched(
    result: ReadResult,
    file: str,
    sheet: str,
    named: list[Dataset],
    found: list[tuple[Dataset, _Header | None, _Header]],
) -> ReadResult:
    """A sheet no dataset's header fits: an error when its name claims one dataset, else skipped."""
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
        return result
    close = _closest(found)
    detail = ""
    if close:
        dataset, best = close
        detail = f"最接近“{dataset.name}”，但缺少：{'、'.join(c.name for c in best.missing(dataset))}"
    result.skipped.append(Skipped(file, sheet, SkipKind.UNMATCHED, detail))
    return result


def _number(index: int, lines: list[int] | None) -> int:
    """The row number users see for a grid index: Excel's row, or the CSV record's first line."""
    return lines[index] if lines else index + 1


def _first_values(columns: list[tuple]) -> list[object]:
    """Each row's first non-blank cell from the left (None for a blank row), filled one column at a time."""
    rows = len(columns[0]) if columns else 0
    first: list[object] = [None] * rows
    pending = range(rows)
    for column in columns:
        still = []
        for i in pending:
            value = column[i]
            if is_blank(value):
                still.append(i)
            else:
                first[i] = value
        pending = still
        if not pending:
            break
    return first


def _portable(values: tuple) -> list[object]:
    """Cells as they travel out of the parser: dates as ISO text (a date object pickles ten times slower)."""
    dates = {
        v: v.isoformat() if type(v) is date else v.strftime("%Y-%m-%d %H:%M")
        for v in set(values)
        if isinstance(v, date)
    }
    return [dates.get(v, v) for v in values] if dates else list(values)


def _extract(
    file: str,
    fileno: int,
    sheet: str,
    sheet_no: int,
    grid: Grid,
    dataset: Dataset,
    header: _Header,
    unreadable: dict[tuple[int, int], str],
    lines: list[int] | None,
) -> SheetTable:
    """Rows under the header without blank, totals and example rows, keeping only the dataset's columns.

    Column by column: a sheet of 100,000 rows is a few passes over lists, not a Python loop per cell.
    """
    positions = dict(header.columns)
    body = grid[header.row + 1 :]
    width = max(len(grid[header.row]), *(len(r) for r in body)) if body else len(grid[header.row])
    padded = (r if len(r) == width else [*r, *[None] * (width - len(r))] for r in body)
    columns = list(zip(*padded, strict=True)) or [()] * width
    kept = {f: columns[p] for f, p in positions.items()}
    first = _first_values(columns)
    skip = {i for i, v in enumerate(first) if v is None or (isinstance(v, str) and squeeze(v).startswith(TOTAL_WORDS))}
    if kept:
        # a row with nothing in the dataset's columns (values only in 序号, 备注 ...) is no record
        lead = next(iter(kept.values()))
        empty = [i for i, v in enumerate(lead) if is_blank(v) and i not in skip]
        skip.update(i for i in empty if all(is_blank(col[i]) for col in kept.values()))
    examples = []
    example_field = dataset.example_column.field
    if example_field in kept:
        examples = [
            i
            for i, v in enumerate(kept[example_field])
            if i not in skip and isinstance(v, str) and "示例" in v and squeeze(v).startswith(EXAMPLE_MARK)
        ]
        skip.update(examples)
    rows = [i for i in range(len(body)) if i not in skip] if skip else list(range(len(body)))
    first = header.row + 1  # index of body[0] in the grid
    table = SheetTable(
        file,
        fileno,
        sheet,
        sheet_no,
        dataset.id,
        _number(header.row, lines),
        [_number(i + first, lines) for i in rows],
        {f: _portable(tuple(col[i] for i in rows)) for f, col in kept.items()},
        positions,
        [c.field for c in header.missing(dataset)],
        [_number(i + first, lines) for i in examples],
    )
    if unreadable:
        kept_rows = set(table.rows)
        by_position = {p: f for f, p in positions.items()}
        table.unreadable = {
            (r + 1, by_position[c]): why
            for (r, c), why in unreadable.items()
            if r + 1 in kept_rows and c in by_position
        }
    return table
