"""The downloadable `.xlsx` template, generated from the schema: one sheet per dataset and 填表说明.

A template filled in as its instructions say always imports (tests/test_template.py checks it).
"""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from ..ingest.normalize import ACCEPTED_FORMS
from ..schema import DATASETS, EXAMPLE_MARK, INSTRUCTIONS_SHEET, Column, Dataset, Kind
from .words import column_rules

_REQUIRED_FILL = PatternFill("solid", fgColor="FDE9D9")
_EXAMPLE_FONT = Font(italic=True, color="808080")


def sheet_name(dataset: Dataset) -> str:
    """The template's sheet for a dataset: named so the importer matches it by name."""
    return f"{dataset.name}台账"


def _instruction_rows() -> list[list[str]]:
    rows = [["数据集", "列名", "是否必填", "可接受的写法", "同义列名", "说明"]]
    for dataset in DATASETS:
        for column in dataset.columns:
            rows.append(
                [
                    f"{dataset.name}（工作表名含：{'、'.join(dataset.sheet_words)}；唯一键：{dataset.key_names}）",
                    column.name,
                    "必填" if column.required else "选填",
                    ACCEPTED_FORMS[column.kind],
                    "、".join(column.synonyms) or "—",
                    column_rules(dataset, column),
                ]
            )
    return rows


def general_notes() -> tuple[str, ...]:
    """The notes above the column table of 填表说明; the date rules come from the schema."""
    order = [(d.column(c.not_before).name, c.name) for d in DATASETS for c in d.columns if c.not_before is not None]
    later = [c.name for d in DATASETS for c in d.columns if c.kind is Kind.DATE and c.future_ok]
    return (
        "一、每个工作表第一行为表头，表头上方可保留不超过 10 行标题或说明。",
        "二、可以多出其他列（如序号、备注），导入时忽略且不保存；请勿填写信访人姓名、电话、身份证号等个人信息。",
        "三、同一记录再次上传（如案件在下一季度结案）会更新原记录，不会重复计数。",
        "四、任何一行有错，整批文件都不会导入，页面会列出全部问题（文件、工作表、行号、列、值）。",
        f"五、第 2 行是示例：{EXAMPLE_MARK.join('“”')}开头的示例行导入时自动跳过，可直接删除或覆盖。",
        f"六、日期不能晚于导入当天（{'、'.join(later)}除外）；" + "，".join(f"{b}不能早于{a}" for a, b in order) + "。",
        "七、如单元格是公式，请确认文件保存时已计算（导入读取的是公式保存的结果）。",
    )


def example_value(dataset: Dataset, column: Column) -> str | None:
    """The example row's cell: the key column's carries EXAMPLE_MARK, so the importer knows the row."""
    if column is dataset.example_column:
        return EXAMPLE_MARK + column.example
    return column.example or None


def template_bytes() -> bytes:
    """The template workbook: a sheet per dataset with header and one example row, and instructions."""
    book = Workbook()
    book.remove(book.active)
    for dataset in DATASETS:
        sheet = book.create_sheet(sheet_name(dataset))
        sheet.append([c.name for c in dataset.columns])
        sheet.append([example_value(dataset, c) for c in dataset.columns])
        for cell, column in zip(sheet[1], dataset.columns, strict=True):
            cell.font = Font(bold=True)
            if column.required:
                cell.fill = _REQUIRED_FILL
            sheet.column_dimensions[cell.column_letter].width = max(14, len(column.name) * 3)
        for cell in sheet[2]:
            cell.number_format = "@"
            cell.font = _EXAMPLE_FONT
        sheet.freeze_panes = "A2"
    notes = book.create_sheet(INSTRUCTIONS_SHEET)
    lines = general_notes()
    for line in lines:
        notes.append([line])
    notes.append([])
    for row in _instruction_rows():
        notes.append(row)
    header_row = len(lines) + 2
    for cell in notes[header_row]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDEF", (40, 14, 10, 60, 30, 40), strict=True):
        notes.column_dimensions[letter].width = width
    for row in notes.iter_rows(min_row=header_row):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
