"""Builders of test ledgers: workbooks, legacy .xls and CSV files laid out as staff lay them out."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import xlwt
from openpyxl import Workbook, load_workbook

from indicators.ingest.reading import Upload
from indicators.output.template import sheet_name
from indicators.schema import LITIGATION, PETITIONS, TRAINING

Rows = list[list[object]]

PETITION_HEADER = ["序号", "信访编号", "收件日期", "来源渠道", "事项类别", "办结日期", "是否按期办结", "单位"]
CASE_HEADER = ["案号", "案件类型", "收案日期", "开庭日期", "负责人是否出庭", "结案日期", "审理结果", "单位"]
SESSION_HEADER = ["日期", "名称", "类型", "参加人数", "学时", "单位"]


def xlsx_bytes(sheets: dict[str, Rows], merge_title: bool = False) -> bytes:
    """A workbook with one sheet per entry; cells keep their Python types (dates become date cells)."""
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
        if merge_title and rows:
            sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(len(r) for r in rows))
        for cells in sheet.iter_rows():
            for cell in cells:
                if isinstance(cell.value, (date, datetime)):
                    cell.number_format = "yyyy-mm-dd"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xls_bytes(sheets: dict[str, Rows]) -> bytes:
    """A legacy .xls workbook (BIFF8), as old Excel and WPS save it."""
    book = xlwt.Workbook(encoding="utf-8")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for name, rows in sheets.items():
        sheet = book.add_sheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, (date, datetime)):
                    sheet.write(r, c, value, date_style)
                elif value is not None:
                    sheet.write(r, c, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows: Rows, encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(["" if v is None else v for v in row] for row in rows)
    return out.getvalue().encode(encoding)


def petition(no: str, received: object = "2025-01-05", channel: str = "民呼我为", **extra: object) -> list[object]:
    """A petition row in PETITION_HEADER order."""
    values = {"category": "规划管理", "closed": None, "on_time": None, "unit": None, **extra}
    return [None, no, received, channel, values["category"], values["closed"], values["on_time"], values["unit"]]


def case(no: str, case_type: str = "行政诉讼", filed: object = "2025-01-10", **extra: object) -> list[object]:
    """A case row in CASE_HEADER order."""
    v = {"hearing": None, "head": None, "concluded": None, "outcome": None, "unit": None, **extra}
    return [no, case_type, filed, v["hearing"], v["head"], v["concluded"], v["outcome"], v["unit"]]


def upload(name: str, data: bytes) -> Upload:
    return Upload(name, data)


# The downloadable template filled in as its 填表说明 says, each kind of cell in several accepted forms:
# 4 petitions, 2 cases and 2 sessions, all in 2025Q1.
TEMPLATE_ROWS = {
    PETITIONS: [
        ["XF2025-0001", "2025/1/5", "《民呼我为》", "规划管理", "2025年1月20日", "√", None],
        ["XF2025-0002", "2025年2月3日", "来信来访", None, "2025.2.25", "×", "规划科"],
        ["XF2025-0003", "20250310", "新渠道12345", "不动产登记", None, None, None],
        ["XF2025-0004", date(2025, 3, 28), "国土空间平台", None, None, None, None],
    ],
    LITIGATION: [
        ["（2025）渝0113行初1号", "行政诉讼（一审）", "2025/1/10", "2025年3月18日", "√", None, None, "是", "是", None],
        ["巴南府复〔2025〕1号", "行政复议", "2025-02-01", None, "×", "2025.3.20", "维持", None, None, "法规科"],
    ],
    TRAINING: [
        ["2025/3/12", "法治综合能力提升培训会", "法治培训", 60, 2, None],
        ["2025年3月26日", "宪法学习", "理论学习", "35", "1.5", "办公室"],
    ],
}


def fill_template(template: bytes) -> bytes:
    """The template with its example rows replaced by TEMPLATE_ROWS, saved as a user saves it."""
    book = load_workbook(io.BytesIO(template))
    for dataset, rows in TEMPLATE_ROWS.items():
        sheet = book[sheet_name(dataset)]
        sheet.delete_rows(2)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# Q1 has three petitions, one closed on time; XF-9 lies in Q2 so the sidebar opens on 2025Q2.
FIRST = xlsx_bytes(
    {
        "信访": [
            PETITION_HEADER,
            petition("XF-1", "2025-01-05"),
            petition("XF-2", "2025-02-01", closed="2025-02-10", on_time="是"),
            petition("XF-3", "2025-03-01"),
            petition("XF-9", "2025-04-02"),
        ]
    }
)
# XF-1 is closed late, XF-4 arrives closed on time, XF-5 arrives open: Q1 goes from 3 to 5 petitions.
SECOND = xlsx_bytes(
    {
        "信访": [
            PETITION_HEADER,
            petition("XF-1", "2025-01-05", closed="2025-01-20", on_time="否"),
            petition("XF-4", "2025-03-10", closed="2025-03-15", on_time="是"),
            petition("XF-5", "2025-03-20"),
        ]
    }
)
