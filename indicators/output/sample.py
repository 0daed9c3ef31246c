"""Write the 2024 sample ledgers (`python -m indicators.sample [DIR]`) from the bureau's 2024 report.

The report's figures are reproduced exactly: 311 petitions by channel, 19 复议应诉 cases with every
hearing attended by the agency head, and the study, training and publicity sessions it names, dated
as it dates them. What the report does not state (days within a named month, case types, outcomes,
petition categories, closure dates) is illustrative and listed in data/sample/README.md.
"""

from __future__ import annotations

import random
import sys
from datetime import date, timedelta
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from ..schema import LITIGATION, PETITIONS, TRAINING, UNIT_FIELD, Dataset
from . import style

BUREAU = f"重庆市{style.BUREAU}"
YEAR = 2024
REPORT_DATE = date(2025, 1, 6)
PETITION_CHANNELS = {
    "来信来访": 34,
    "重庆市智能信访工作平台": 20,
    "自然资源部系统": 36,
    "民呼我为": 159,
    "国土空间平台": 62,
}
CASE_COUNT = 19
# (month, day or None when the report names only the month, name, type)
SESSIONS = (
    (4, 22, "“4.22”地球日法律宣传和咨询活动", "普法宣传"),
    (5, None, "局党组理论学习中心组（扩大）第五次专题会议", "理论学习"),
    (6, 25, "“6.25”土地日法律宣传和咨询活动", "普法宣传"),
    (8, None, "局党组理论学习中心组（扩大）第七次专题会议", "理论学习"),
    (11, None, "局党组理论学习中心组（扩大）2024年第十次专题学习", "理论学习"),
    (12, 4, "“12.4”宪法宣传日法律宣传和咨询活动", "普法宣传"),
    (12, None, "法治综合能力提升培训会（败诉案件复盘暨信访法治化与信息公开规范化）", "法治培训"),
    (12, None, "行政公益诉讼培训", "法治培训"),
)
MID_MONTH_DAY = 15
CATEGORIES = ("规划管理", "不动产登记", "土地征收与补偿", "违法建设与执法", "矿产与地质灾害", "其他")
# Case rows: type, outcome ("" pending); the split and outcomes are illustrative, the total is the report's.
CASES = (
    [("行政复议", o) for o in ("维持", "维持", "维持", "驳回复议申请", "维持", "申请人撤回复议申请", "")]
    + [("行政诉讼", o) for o in ("驳回诉讼请求",) * 5]
    + [("行政诉讼", "撤销被诉行政行为"), ("行政诉讼", "原告撤诉")]
    + [("行政诉讼（二审）", "驳回上诉，维持原判")]
    + [("行政诉讼", "")] * 4
)


def _write(path: Path, dataset: Dataset, title: str, rows: list[dict]) -> None:
    """A ledger as staff keep it: a merged title row, a 序号 column, a header and a totals row."""
    headers = ["序号", *(c.name for c in dataset.columns if c.field != UNIT_FIELD), "备注"]
    book = Workbook()
    sheet = book.active
    sheet.title = f"{dataset.name}台账"
    sheet.append([title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append(headers)
    for i, row in enumerate(rows, 1):
        sheet.append([i, *(row.get(c.field) for c in dataset.columns if c.field != UNIT_FIELD), row.get("note", "")])
    sheet.append(["合计", f"{len(rows)}{dataset.row_label}"])
    for cells in sheet.iter_rows(min_row=3):
        for cell in cells:
            if isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
    for letter in "BCDEFGHI":
        sheet.column_dimensions[letter].width = 18
    book.save(path)


def petition_rows(rng: random.Random) -> list[dict]:
    channels = [name for name, n in PETITION_CHANNELS.items() for _ in range(n)]
    rng.shuffle(channels)
    days = sorted(date(YEAR, 1, 1) + timedelta(days=rng.randrange(366)) for _ in channels)
    rows = []
    for i, (channel, received) in enumerate(zip(channels, days, strict=True), 1):
        closed = min(received + timedelta(days=rng.randint(5, 55)), REPORT_DATE)
        rows.append(
            {
                "petition_no": f"XF{YEAR}-{i:04d}",
                "received_on": received,
                "channel": f"《{channel}》" if channel != "来信来访" and rng.random() < 0.3 else channel,
                "category": rng.choice(CATEGORIES),
                "closed_on": closed,
                "on_time": "是",
            }
        )
    return rows


def case_rows(rng: random.Random) -> list[dict]:
    assert len(CASES) == CASE_COUNT
    filed = sorted(date(YEAR, 1, 8) + timedelta(days=rng.randrange(300)) for _ in CASES)
    rows, n_review, n_suit = [], 0, 0
    for (case_type, outcome), filed_on in zip(CASES, filed, strict=True):
        litigation = case_type.startswith("行政诉讼")
        if litigation:
            n_suit += 1
            case_no = f"（{YEAR}）渝0113行{'终' if '二审' in case_type else '初'}{100 + n_suit}号"
        else:
            n_review += 1
            case_no = f"巴南府复〔{YEAR}〕{20 + n_review}号"
        hearing = filed_on + timedelta(days=rng.randint(30, 60)) if litigation else None
        concluded = (hearing or filed_on) + timedelta(days=rng.randint(15, 40)) if outcome else None
        rows.append(
            {
                "case_no": case_no,
                "case_type": case_type,
                "filed_on": filed_on,
                "hearing_on": hearing,
                "head_appeared": "是" if litigation else None,
                "concluded_on": concluded,
                "outcome": outcome or None,
            }
        )
    return rows


def session_rows() -> list[dict]:
    return [
        {
            "held_on": date(YEAR, month, day or MID_MONTH_DAY),
            "title": title,
            "session_type": kind,
            "note": "" if day else "报告只写明月份，日期取当月 15 日",
        }
        for month, day, title, kind in SESSIONS
    ]


def write_sample(directory: Path) -> list[Path]:
    """Write the three sample ledgers into a directory and return their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    rng = random.Random(YEAR)
    outputs = [
        (PETITIONS, "信访台账", petition_rows(rng)),
        (LITIGATION, "复议应诉台账", case_rows(rng)),
        (TRAINING, "培训学法台账", session_rows()),
    ]
    paths = []
    for dataset, stem, rows in outputs:
        path = directory / f"{stem}_{YEAR}.xlsx"
        _write(path, dataset, f"{BUREAU}{YEAR}年{stem}", rows)
        paths.append(path)
    return paths


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "data" / "sample"
    for written in write_sample(target):
        print(written)
