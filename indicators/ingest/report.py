"""Problems found in an upload, located as users see them in Excel, and the report as plain text.

Pure Python (the workbook parser's child process builds problems too). Where the text goes, it is
escaped for its medium there: the terminal, Markdown or a spreadsheet cell.
"""

from __future__ import annotations

from dataclasses import dataclass

from .normalize import cell_text

REPORT_COLUMNS = {"file": "文件", "sheet": "工作表", "row": "行号", "column": "列", "value": "值", "message": "问题"}
_MAX_VALUE_CHARS = 60


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an upload (or, as a warning, worth a look), located as the user sees it.

    `fileno`, `sheet_no` and `col` are the positions of the file in the upload, the sheet in its
    workbook and the column in its sheet: reports list problems in the order a reader meets them.
    """

    file: str
    message: str
    sheet: str = ""
    row: int | None = None
    column: str = ""
    value: str = ""
    fileno: int = 0
    sheet_no: int = 0
    col: int = -1

    def sort_key(self) -> tuple:
        return (self.fileno, self.sheet_no, self.row or 0, self.col)

    def text(self) -> str:
        """One line: where, what value, what was expected."""
        where = [f"文件“{self.file}”"] if self.file else []
        if self.sheet:
            where.append(f"工作表“{self.sheet}”")
        if self.row is not None:
            where.append(f"第 {self.row} 行")
        if self.column:
            where.append(f"“{self.column}”列")
        value = f"，值“{self.value}”" if self.value else ""
        return f"{' '.join(where)}{value}：{self.message}" if where else self.message


def shown_value(raw: object) -> str:
    """A cell value as it appears in a report, cut to a readable length."""
    text = cell_text(raw)
    return text if len(text) <= _MAX_VALUE_CHARS else text[: _MAX_VALUE_CHARS - 1] + "…"


def sorted_problems(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=Problem.sort_key)


def problems_lines(problems: list[Problem]) -> list[str]:
    """The full report, a line each: a count and the statement that nothing was stored, then each problem."""
    lines = [f"导入失败：发现 {len(problems)} 处问题，本批次未保存任何数据。"]
    lines += [f"{i}. {p.text()}" for i, p in enumerate(sorted_problems(problems), 1)]
    lines.append("请修改上述问题后重新上传全部文件。")
    return lines


def problems_text(problems: list[Problem]) -> str:
    """The full report as one text (a cell value may hold a line break of its own: see problems_lines)."""
    return "\n".join(problems_lines(problems))
