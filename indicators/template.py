"""The downloadable `.xlsx` template, generated from the schema: one sheet per dataset and 填表说明.

A template filled in as its instructions say always imports (tests/test_template.py checks it).
"""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from .normalize import ACCEPTED_FORMS
from .schema import DATASETS, UNIT_FIELD, Dataset, default_unit

INSTRUCTIONS = "填表说明"
_REQUIRED_FILL = PatternFill("solid", fgColor="FDE9D9")


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
                    column.note or (f"留空即“{default_unit()}”" if column.field == UNIT_FIELD else ""),
                ]
            )
    return rows


GENERAL_NOTES = (
    "一、每个工作表第一行为表头，表头上方可保留不超过 10 行标题或说明。",
    "二、可以多出其他列（如序号、备注），导入时忽略且不保存；请勿填写信访人姓名、电话、身份证号等个人信息。",
    "三、同一记录再次上传（如案件在下一季度结案）会更新原记录，不会重复计数。",
    "四、任何一行有错，整批文件都不会导入，页面会列出全部问题（文件、工作表、行号、列、值）。",
    "五、示例行可直接删除或覆盖。",
)


def template_bytes() -> bytes:
    """The template workbook: a sheet per dataset with header and one example row, and instructions."""
    book = Workbook()
    book.remove(book.active)
    for dataset in DATASETS:
        sheet = book.create_sheet(sheet_name(dataset))
        sheet.append([c.name for c in dataset.columns])
        sheet.append([c.example or None for c in dataset.columns])
        for cell, column in zip(sheet[1], dataset.columns, strict=True):
            cell.font = Font(bold=True)
            if column.required:
                cell.fill = _REQUIRED_FILL
            sheet.column_dimensions[cell.column_letter].width = max(14, len(column.name) * 3)
        for cell in sheet[2]:
            cell.number_format = "@"
        sheet.freeze_panes = "A2"
    notes = book.create_sheet(INSTRUCTIONS)
    for line in GENERAL_NOTES:
        notes.append([line])
    notes.append([])
    for row in _instruction_rows():
        notes.append(row)
    header_row = len(GENERAL_NOTES) + 2
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
