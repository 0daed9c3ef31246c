"""Exports: the .xlsx of a chart's data never runs formulas; PNGs are sharp and show Chinese as Chinese.

The PNG tests drive the real kaleido and Debian's chromium. The tofu check compares two titles that
differ only in their Chinese characters: drawn with CJK glyphs their pixels differ, drawn as
missing-glyph boxes they are identical. A control run in a subprocess whose fontconfig only knows
DejaVu (no CJK font at all) shows that the measure does detect boxes, so it can fail.
"""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import textwrap
import zlib
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from fonts import without_cjk
from openpyxl import load_workbook
from PIL import Image, ImageChops

from indicators.ingest.reading import Upload, read_uploads
from indicators.ingest.validation import validate
from indicators.metrics import tables
from indicators.metrics.periods import parse_period
from indicators.output import export
from indicators.output.style import FONT_FAMILY, HEIGHT, TEMPLATE_NAME, WIDTH, ChartContext
from indicators.schema import PETITIONS
from ledgers import PETITION_HEADER, petition, xlsx_bytes

ROOT = Path(__file__).resolve().parent.parent
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
DANGEROUS = ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)", '=HYPERLINK("http://x","点我")']
# Two titles of the same length that share no character: equal boxes if glyphs are missing.
TITLE_A, TITLE_B = "信访件数统计", "复议应诉案卷"
TITLE_BAND = (0, 0, 2 * WIDTH, 2 * 90)  # the title line at scale 2, above the plot area


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE, "not a PNG"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    width, height = struct.unpack(">II", data[16:24])
    assert zlib.crc32(data[12:29]) == struct.unpack(">I", data[29:33])[0], "corrupt IHDR"
    return width, height


# --- .xlsx ---------------------------------------------------------------------------------------


def _cells(data: bytes) -> list:
    book = load_workbook(io.BytesIO(data))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def test_xlsx_cells_that_would_run_as_formulas_are_neutralised():
    frame = pd.DataFrame(
        {
            "=危险表头": DANGEROUS,
            "数量": [1, -2, 3, -4, 5],
            "说明": ["正常文字", "-", "a=b", None, "@"],
            "日期": [date(2024, 1, d) for d in range(1, 6)],
        }
    )
    data = export.xlsx_bytes({"信访件数（按来源渠道）超过三十一个字符的工作表名称会被截断掉": frame})
    book = load_workbook(io.BytesIO(data))
    (sheet,) = book.worksheets
    assert sheet.title == "信访件数（按来源渠道）超过三十一个字符的工作表名称会被截断掉"[:31]
    cells = _cells(data)
    assert not [c.coordinate for c in cells if c.data_type == "f"], "no cell may hold a formula"
    texts = {c.value: c for c in cells if isinstance(c.value, str)}
    for text in [*DANGEROUS, "=危险表头", "-", "@"]:
        assert text in texts, f"{text!r} is not shown as typed"
        assert texts[text].data_type == "s" and texts[text].quotePrefix, f"{text!r} is not a text cell"
    assert not any(v.startswith("'") for v in texts), "no visible apostrophe is added"
    assert "a=b" in texts and not texts["a=b"].quotePrefix, "harmless text is left alone"
    numbers = [c.value for c in sheet["B"][1:]]
    assert numbers == [1, -2, 3, -4, 5], "negative numbers stay numbers"
    assert all(c.font.bold for c in sheet[1]), "headers are bold"


def test_xlsx_of_a_real_table_neutralises_what_users_typed():
    rows = [PETITION_HEADER, petition("+XF-1", "2024-10-05", category="-SUM(1,2)"), petition("@XF-2", "2024-10-06")]
    validated = validate(read_uploads([Upload("信访.xlsx", xlsx_bytes({"信访": rows}))]))
    assert validated.ok, validated.problems
    records = tables.records(validated.frames, PETITIONS, parse_period("2024Q4"), None)
    assert len(records) == 2
    cells = _cells(export.xlsx_bytes({"本期信访记录": records}))
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = {c.value: c for c in cells if isinstance(c.value, str)}
    assert all(texts[v].data_type == "s" and texts[v].quotePrefix for v in ("+XF-1", "-SUM(1,2)", "@XF-2"))


def test_xlsx_reads_like_the_chart_title_scope_and_source_above_the_table():
    ctx = ChartContext("2024年", "执法=支队", date(2024, 12, 31), "all")
    frame = pd.DataFrame({"来源渠道": ["民呼我为", "来信来访"], "件数": [159, 34], "占比": [0.511, 0.109]})
    data = export.xlsx_bytes({"信访件数（按来源渠道）": frame}, ctx.heading("信访件数（按来源渠道）"))
    sheet = load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "信访件数（按来源渠道）" and sheet["A1"].font.bold
    assert rows[1][0] == "期间：2024年 · 单位：执法=支队"
    assert rows[2][0].startswith("数据来源：") and "示例数据" in rows[2][0] and "数据截至 2024-12-31" in rows[2][0]
    assert rows[3] == (None, None, None), "a blank row between the heading and the table"
    assert rows[4] == ("来源渠道", "件数", "占比") and all(c.font.bold for c in sheet[5])
    assert [c.number_format for c in sheet["C"][5:]] == ["0.0%", "0.0%"], "shares read as percentages"
    assert sheet.freeze_panes == "A6", "the header stays in view"
    assert sheet.column_dimensions["A"].width < 30, "the long heading does not widen the first column"


# --- PNG -----------------------------------------------------------------------------------------


def _titled(title: str, family: str | None = None) -> go.Figure:
    layout: dict = {"template": TEMPLATE_NAME, "title": {"text": title}}
    if family:
        layout["font"] = {"family": family}
    fig = go.Figure(go.Bar(x=["一", "二"], y=[1, 2]), layout=layout)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig


def _band(png: bytes) -> Image.Image:
    return Image.open(io.BytesIO(png)).convert("L").crop(TITLE_BAND)


def _ink(image: Image.Image) -> int:
    return int((np.asarray(image) < 128).sum())


def _differing(a: Image.Image, b: Image.Image) -> int:
    return int((np.asarray(ImageChops.difference(a, b)) > 64).sum())


def glyph_contrast(png_a: bytes, png_b: bytes) -> tuple[int, float]:
    """Ink in title A, and pixels that differ between titles A and B relative to that ink."""
    a, b = _band(png_a), _band(png_b)
    ink = _ink(a)
    return ink, _differing(a, b) / max(ink, 1)


def test_a_table_longer_than_a_sheet_continues_on_further_sheets(monkeypatch):
    """Excel holds 1,048,575 rows below a header: a longer download (a city's year) goes on in sheets
    （2）, （3）… instead of failing; shown here with sheets of three rows."""
    monkeypatch.setattr(export, "SHEET_ROWS", 3)
    table = pd.DataFrame({"信访编号": [f"XF-{i}" for i in range(7)]})
    book = load_workbook(io.BytesIO(export.xlsx_bytes({"本期信访记录": table})))
    assert book.sheetnames == ["本期信访记录", "本期信访记录（2）", "本期信访记录（3）"]
    values = [c.value for ws in book.worksheets for c in ws["A"][1:]]
    assert values == list(table["信访编号"]) and all(ws["A1"].value == "信访编号" for ws in book.worksheets)


def test_png_is_drawn_at_scale_two():
    fig = _titled("信访件数（按来源渠道）")
    data = export.figure_png(fig)
    assert png_size(data) == (2 * WIDTH, 2 * HEIGHT) == (1920, 1080)
    assert Image.open(io.BytesIO(data)).size == (1920, 1080)


def test_png_exports_from_several_threads_each_get_their_own_image():
    widths = [600, 700, 800, 900, 1000, 1100]
    figs = [_titled(f"第{w}号图") for w in widths]

    def render(i: int) -> tuple[int, int]:
        return png_size(export.figure_png(figs[i], width=widths[i], height=400))

    with ThreadPoolExecutor(max_workers=len(widths)) as pool:
        sizes = list(pool.map(render, range(len(widths))))
    assert sizes == [(2 * w, 800) for w in widths]


def test_fontconfig_resolves_noto_sans_cjk_sc_to_a_noto_cjk_file():
    done = subprocess.run(
        ["fc-match", "-f", "%{file}\n%{family}", "Noto Sans CJK SC"], capture_output=True, text=True, check=True
    )
    path, families = done.stdout.split("\n", 1)
    assert Path(path).name.startswith("NotoSansCJK"), path
    assert "Noto Sans CJK SC" in families.split(",")


def test_chinese_titles_are_drawn_with_cjk_glyphs_not_boxes():
    ink, contrast = glyph_contrast(export.figure_png(_titled(TITLE_A)), export.figure_png(_titled(TITLE_B)))
    assert ink > 1000, "the title is drawn"
    assert contrast > 0.5, f"two different Chinese titles look alike ({contrast:.2f}): boxes instead of glyphs?"


def test_the_template_font_is_noto_sans_cjk_sc():
    """Our font stack draws exactly what Noto Sans CJK SC draws, and not another CJK face."""
    ours = _band(export.figure_png(_titled(TITLE_A)))
    sans = _band(export.figure_png(_titled(TITLE_A, '"Noto Sans CJK SC"')))
    serif = _band(export.figure_png(_titled(TITLE_A, '"Noto Serif CJK SC"')))
    assert FONT_FAMILY.startswith('"Noto Sans CJK SC"')
    assert _differing(ours, sans) == 0
    assert _differing(ours, serif) > 0.3 * _ink(ours), "a different CJK face would show"


TOFU_SCRIPT = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, sys.argv[1])
    from pathlib import Path
    import plotly.graph_objects as go
    from indicators.output.export import figure_png
    from indicators.output.style import TEMPLATE_NAME
    out = Path(sys.argv[2])
    for name, title in (("a", sys.argv[3]), ("b", sys.argv[4]), ("latin", "Petitions 2024")):
        fig = go.Figure(go.Bar(x=["1", "2"], y=[1, 2]), layout={"template": TEMPLATE_NAME, "title": {"text": title}})
        fig.update_xaxes(visible=False)
        fig.update_yaxes(visible=False)
        (out / f"{name}.png").write_bytes(figure_png(fig))
    """
)


def test_without_a_cjk_font_the_same_check_sees_boxes(tmp_path):
    """The control: chromium with a fontconfig that only knows DejaVu draws both titles as equal boxes."""
    env = without_cjk(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", TOFU_SCRIPT, str(ROOT), str(tmp_path), TITLE_A, TITLE_B],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    no_cjk = subprocess.run(["fc-list", ":lang=zh"], env=env, capture_output=True, text=True, check=True)
    assert not no_cjk.stdout.strip(), "the control environment must have no CJK font"
    a, b, latin = ((tmp_path / f"{n}.png").read_bytes() for n in ("a", "b", "latin"))
    ink, contrast = glyph_contrast(a, b)
    assert ink > 0, "the boxes are drawn"
    assert contrast < 0.05, f"without CJK fonts the titles should be identical boxes ({contrast:.2f})"
    assert _ink(_band(latin)) > 0, "latin text still renders in the control"


def test_a_control_character_in_a_cell_is_shown_as_a_question_mark_not_a_failed_download():
    from openpyxl import load_workbook

    data = export.xlsx_bytes({"审计": pd.DataFrame({"用户": ["ZZ\x1b[31m", "=1+1"]})})
    cells = [c.value for c in load_workbook(io.BytesIO(data)).active["A"]]
    assert cells[-2] == "ZZ?[31m" and cells[-1] == "=1+1"


def test_rates_and_shares_are_percentages_in_the_workbook():
    frame = pd.DataFrame(
        {"来源渠道": ["来信来访", "12345"], "件数": [3, 1], "占比": [0.75, 0.25], "办结率": [0.5, None]}
    )
    sheet = load_workbook(io.BytesIO(export.xlsx_bytes({"表": frame}))).active
    assert [c.number_format for c in sheet["C"][1:]] == ["0.0%", "0.0%"]
    assert sheet["D"][1].number_format == "0.0%" and sheet["B"][1].number_format == "General"


def test_the_official_outcome_table_exports_in_its_layout():
    """Merged headers as table 4 of the disclosure report, the row of figures, and the note."""
    from indicators.metrics import tables

    table = pd.DataFrame(
        {
            "案件": list(tables.OFFICIAL_GROUPS),
            **{c: [1, 2, 3] for c in tables.OFFICIAL_COLUMNS[:-1]},
            "总计": [4, 8, 12],
        }
    )
    ctx = ChartContext("2024年", "全部单位", date(2024, 12, 31))
    data = export.official_xlsx(
        {"全部案件": table, "政府信息公开案件（表4）": table}, ctx.heading("行政复议行政诉讼情况表")
    )
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["全部案件", "政府信息公开案件（表4）"]
    sheet = book["全部案件"]
    assert sheet["A1"].value == "全部案件", "each sheet says which table it is"
    assert {str(r) for r in sheet.merged_cells.ranges} == {"A5:E6", "F5:O5", "F6:J6", "K6:O6"}
    assert [sheet.cell(row=5, column=c).value for c in (1, 6)] == ["行政复议", "行政诉讼"]
    assert [c.value for c in sheet[8]][:15] == [1, 1, 1, 1, 4, 2, 2, 2, 2, 8, 3, 3, 3, 3, 12]
    assert sheet["A10"].value == tables.OFFICIAL_NOTE
