"""The project's own docs of the upload format and of every indicator, generated from the declarations.

`python -m indicators.output.docs docs/` writes docs/data-format.md and docs/indicators.md;
tests/test_docs.py fails when the committed files differ from what the code declares.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..ingest import safety
from ..ingest.normalize import (
    ACCEPTED_FORMS,
    DATE_FORMS,
    MAX_COUNT,
    MAX_HOURS,
    OUTCOME_LABELS,
    OUTCOME_WORDS,
    SERIAL_FIRST_DAY,
    SERIAL_LAST_DAY,
    YESNO_FORMS,
)
from ..ingest.reading import DELIMITERS
from ..ingest.sheets import MAX_TITLE_ROWS, TOTAL_WORDS
from ..metrics.definitions import INDICATORS, SECTION_TITLES
from ..metrics.periods import GRANULARITY_LABELS
from ..metrics.tables import NOT_FILLED, blank_text
from ..schema import (
    DATASETS,
    DEFAULT_UNIT,
    EXAMPLE_MARK,
    INSTRUCTIONS_SHEET,
    MAX_FILE_NAME_CHARS,
    MAX_KEY_CHARS,
    MAX_META_CHARS,
    MAX_TEXT_CHARS,
    UNIT_FIELD,
    Column,
    Dataset,
    Kind,
)
from .words import column_rules

GENERATED = "<!-- 本文件由 `python -m indicators.output.docs docs/` 根据 indicators/ 中的声明生成，请勿手改。 -->"
MB = 1024 * 1024


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ") or "—"


def _dataset_section() -> list[str]:
    lines = []
    for dataset in DATASETS:
        lines += [
            f"### {dataset.name}（工作表名含：{'、'.join(dataset.sheet_words)}）",
            "",
            f"唯一键：{dataset.key_names}。同一键再次上传时替换为新版本（旧版本保留）。",
            "",
            "| 列名 | 同义列名 | 必填 | 可接受的写法 | 规则与说明 | 留空时看板与导出显示 |",
            "|---|---|---|---|---|---|",
        ]
        for column in dataset.columns:
            lines.append(
                "| "
                + " | ".join(
                    _cell(x)
                    for x in (
                        column.name,
                        "、".join(column.synonyms),
                        "是" if column.required else "否",
                        ACCEPTED_FORMS[column.kind],
                        column_rules(dataset, column),
                        blank_shown(dataset, column),
                    )
                )
                + " |"
            )
        lines.append("")
    return lines


def blank_shown(dataset: Dataset, column: Column) -> str:
    """What the records tables and their exports show for an empty cell of the column (tables.chinese)."""
    if column.required:
        return "不可留空"
    if column.field == UNIT_FIELD:
        return f"导入时填为默认单位（{DEFAULT_UNIT}）"
    if column.blank:
        return blank_text(column.blank)
    if column.only_with:
        other = dataset.column(column.only_with)
        return f"{other.name}也留空时 {blank_text(other.blank or NOT_FILLED)}，否则 {blank_text(NOT_FILLED)}"
    return blank_text(NOT_FILLED)


def _date_rules() -> list[str]:
    rules = []
    for dataset in DATASETS:
        for column in dataset.columns:
            if column.not_before:
                rules.append(f"{dataset.name}的{column.name}不能早于{dataset.column(column.not_before).name}")
    later = "、".join(c.name for d in DATASETS for c in d.columns if c.kind is Kind.DATE and c.future_ok)
    warnings = [
        f"{d.name}的{c.name}已填写而{d.column(c.only_with).name}为空"
        for d in DATASETS
        for c in d.columns
        if c.only_with
    ]
    return [
        f"- 日期之间须合理：{'；'.join(rules)}；除{later}外（开庭可以已排期），任何日期不能晚于导入当天。"
        "每一处都作为该行的错误报告，并写明两个单元格。",
        f"- 以下情况不阻止导入，但在预览中作为“值得核对”列出：{'；'.join(warnings)}（该值不计入指标）。",
    ]


def data_format_md() -> str:
    """docs/data-format.md: what users upload, from the schema and the reader's constants."""
    lines = [
        GENERATED,
        "",
        "# 上传格式：台账填报规范",
        "",
        "这是局里各科室上传的台账必须满足的格式，也是导入程序接受的格式。"
        "应用中「数据管理」页和 `python -m indicators template FILE` 提供按本规范生成的填报模板。",
        "",
        "## 文件",
        "",
        "- `.xlsx`（Excel、WPS）、`.xls`（旧版 Excel/WPS）、`.csv`（UTF-8、带 BOM 的 UTF-8、GBK/GB18030）。",
        "- `.xlsm` 等带宏的文件只读数据，宏不会运行；公式读取其保存的计算结果。公式如未保存结果（读取为空），"
        "报告为该单元格的错误，请在 Excel/WPS 中重新计算并保存。",
        "- 一个工作簿可以有多个工作表。工作表按名称匹配数据集（名称含该数据集的关键词），否则按表头匹配；"
        "名称同时符合多个数据集的（如“信访案件”）按表头匹配。不对应任何数据集的工作表列为“未导入”，不算错误；"
        f"模板自带的“{INSTRUCTIONS_SHEET}”工作表直接略过。一个 CSV 文件只含一个数据集，按表头匹配。",
        "- 一次上传中没有任何工作表对应数据集，或对应的工作表都只有表头、没有数据行，都作为错误报告，不产生空批次。",
        "- 文件按内容区分，不按文件名：同一次上传中两个文件可以同名；内容完全相同（SHA-256 相同）的两个文件是错误。"
        f"文件名最多 {MAX_FILE_NAME_CHARS} 个字符，不能含控制字符。",
        "",
        "## 版式容错",
        "",
        f"- 表头上方可以有最多 {MAX_TITLE_ROWS} 行标题、说明或空行（含合并单元格）。表头行是第一个包含该数据集全部必填列的行。"
        "按名称对应某数据集的工作表（CSV 则按最接近的数据集）即使缺少必填列，也报告缺少的列，并照常检查其余各列，一轮即可改完。",
        "- 表头单元格去掉全部空白（空格、全角空格、换行）和括号中的单位后，与列名或同义列名相同即可，如 `收件\\n日期`、`学时（小时）`。"
        "两个表头单元格对应同一列时以列名为准；两个同义列名同时出现是错误。",
        "- 下表之外的列（序号、信访人、联系电话、身份证号、内容摘要、备注……）读取时即丢弃，不保存、不显示、不记录。",
        f"- 本数据集各列都为空的行跳过；第一个非空单元格（去掉空白后）以{'、'.join(TOTAL_WORDS)}开头的是合计行，跳过。",
        f"- 模板示例行：唯一键中的文字列以“{EXAMPLE_MARK}”开头的行是模板示例，永不导入，预览中说明已跳过。",
        f"- 日期可以是 Excel 日期单元格，或文字：{DATE_FORMS.replace(' 或 Excel 日期', '')}（末尾的时间如 `09:30` 忽略）。"
        "不存在的日期（如 `2025-02-30`）是错误。",
        f"- 所有日期都须在 {SERIAL_FIRST_DAY} 至 {SERIAL_LAST_DAY} 之间（更早的多是年份写错，或数字被设成了日期格式）。"
        f"日期单元格中的数字只在对应这一范围时按 Excel 日期序号读取（1904 日期系统的工作簿按 1904 年起算）；"
        "8 位数字按 `yyyymmdd` 读取；其他数字（如 `2025`、`3`）是错误，写明单元格。",
        *_date_rules(),
        f"- 文字单元格：唯一键列最多 {MAX_KEY_CHARS} 个字符，其他列最多 {MAX_TEXT_CHARS:,} 个字符（数字按其文字计）；"
        "除制表符和换行外不能含控制字符（包括 xlsx 中的 `_x0000_` 转义，以及改变文字显示顺序的双向控制符）。"
        "在 SQLite 与 PostgreSQL 上结果相同。",
        f"- 参加人数为 0 至 {MAX_COUNT:,} 的整数，学时为 0 至 {MAX_HOURS:,} 的数字。",
        "- 公式读取其保存的结果；公式没有保存结果，或结果是 Excel 错误值（#N/A、#REF! 等），都报告为该单元格的错误，不当作空白。",
        f"- 是/否单元格：{YESNO_FORMS}（不区分大小写）。",
        '- 文字去掉首尾空白；来源渠道再去掉外层的《》“”""「」（`《民呼我为》` 即 `民呼我为`）。',
        f"- CSV 的分隔符在 {'、'.join(repr(d) for d in DELIMITERS)} 中选择：以哪一个切分前几行得到的字段数最一致为准"
        "（某一列文字中的分号不会被误当作分隔符）。CSV 的行号是文件中的行号，表头为第 1 行。",
        "",
        "## 数据集",
        "",
        *_dataset_section(),
        "### 审理结果的归类",
        "",
        "按下列顺序尝试，审理结果含某一类的任一字词即属于该类；留空为未结；其他非空值是错误。",
        "",
        *[f"{i}. {OUTCOME_LABELS[cls]}：{'、'.join(words)}" for i, (cls, words) in enumerate(OUTCOME_WORDS, 1)],
        "",
        "## 导入规则",
        "",
        "- 一次上传（一个或多个文件）是一个批次：要么全部保存，要么什么都不保存。",
        "- 任一匹配工作表中有任一错误，整批拒绝；错误报告列出每一处问题（文件、工作表、Excel 中看到的行号、列、值、应当怎样），"
        "按文件、工作表、行、列的顺序排列，最多逐条列出 10,000 处，其余在最后一行写明还有多少处。"
        "同一批次中同一键出现两次是错误，写明两行。",
        "- 已保存的记录再次上传时替换为新版本（如案件下一季度结案），不会重复计数；旧版本保留。",
        "- 记录的当前版本是未撤销批次中最新的版本。撤销批次只作标记，批次仍在历史中，不能再次撤销；"
        "撤销预览逐项说明哪些记录删除、恢复为哪个批次的版本、因哪个批次而保留。",
        "- 与有效批次中某个文件内容完全相同的文件是“重复上传”：其记录计为“未变”，本批次同样载有这些记录，"
        "因此撤销最早带来它们的批次时，只要重复上传的批次有效，记录仍然保留；重复上传不会覆盖之后批次的更新。",
        "- 只有表头、没有数据行的工作表不导入，报告为“没有数据行”。",
        f"- 没有填写单位的行归入默认单位（环境变量 `INDICATORS_DEFAULT_UNIT`，未设置时为“{DEFAULT_UNIT}”）。",
        f"- 批次说明与导入人各为一行，最多 {MAX_META_CHARS} 个字符（去掉首尾空白后），不能含换行或其他控制字符。",
        "- 命令行导入时错误报告写到标准错误、退出码为 1；另一批次正在写入时提示“另一批次正在导入，请稍候”并等待，不报数据库错误。",
        "",
        "## 上限（解析之前即拒绝，什么都不保存）",
        "",
        f"- 单个文件超过 {safety.MAX_FILE_BYTES // MB} MB。",
        f"- 工作簿各成员解压后合计超过 {safety.MAX_UNZIPPED_BYTES // MB} MB，或超过 1 MB 的成员压缩比超过 {safety.MAX_RATIO} 倍。",
        "- XML 含 DOCTYPE 或实体声明；加密、截断或并非电子表格的文件（不论扩展名）。各有单独的中文说明。",
        f"- 工作簿超过 {safety.MAX_SHEETS} 个工作表、某工作表超过 {safety.MAX_COLUMNS:,} 列，或全部单元格超过 {safety.MAX_CELLS:,} 个。",
        f"- 解析在独立的子进程中进行，最多 {safety.MAX_PARSE_BYTES // MB:,} MB 内存、{safety.MAX_PARSE_SECONDS} 秒。",
        "",
    ]
    return "\n".join(lines)


def indicators_md() -> str:
    """docs/indicators.md: every indicator's definition, from metrics/definitions.py."""
    periods = "、".join(GRANULARITY_LABELS.values())
    lines = [
        GENERATED,
        "",
        "# 指标定义",
        "",
        "看板上的每个数字都来自下列定义；命令行 `python -m indicators kpis --period P [--unit U] --json` 输出同样的数字。",
        "",
        "## 期间",
        "",
        f"统计粒度为{periods}：`2025`、`2025H1`/`2025H2`、`2025Q1`…`2025Q4`、`2025-03`。记录按下表所写的日期落入期间（两端都含）。"
        "上期是紧挨着的同长度期间；去年同期是早一年的同一期间。",
        "",
    ]
    for section, title in SECTION_TITLES.items():
        lines += [f"## {title}", "", "| 指标 | JSON 键 | 单位 | 定义 |", "|---|---|---|---|"]
        for item in (i for i in INDICATORS if i.section == section):
            lines.append(f"| {item.name} | `{section}.{item.key}` | {item.unit} | {_cell(item.definition)} |")
        lines.append("")
    lines += [
        "比率为 0 到 1 的小数、不四舍五入；看板显示时才取一位小数。`--unit` 只统计一个单位，不加则合计全部单位。",
        "",
    ]
    return "\n".join(lines)


DOCS = {"data-format.md": data_format_md, "indicators.md": indicators_md}


def write(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, render in DOCS.items():
        path = directory / name
        path.write_text(render(), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write(Path(sys.argv[1] if len(sys.argv) > 1 else "docs")):
        print(path)
