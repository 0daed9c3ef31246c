"""The briefing pack of a period and unit: a Word report, a slide deck and Markdown of the narrative.

Every chart of `catalog.CHARTS` goes in, drawn by the same builders and style as the pages and
rendered through the same kaleido path as their PNG downloads; the text is the narrative
(narrative.py) and the official outcome table (tables.official_outcomes). Chinese text names a Chinese
font for East Asian script in every style and run (python-docx and python-pptx set only the Latin
font): Word, WPS and LibreOffice would otherwise pick a font of their own, or none.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from .catalog import CHART_PAGES, Chart, charts_of
from .metrics.cards import fmt_number, rate_text
from .metrics.tables import OFFICIAL_HEADER_ROWS, OFFICIAL_NOTE, official_header, official_row
from .output import export
from .output.narrative import chart_sentences, markdown, narrative
from .output.style import BUREAU, UNIT_CHARS, ChartContext, clip
from .views import Report

FORMATS = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "md": "text/markdown",
}
# Fonts: a Chinese one for East Asian text (宋体 for the body, 黑体 for headings, as official documents
# use; WPS and Word have both, LibreOffice substitutes a CJK font of the system), a Latin one beside it.
EAST_ASIA, EAST_ASIA_HEADING, LATIN = "宋体", "黑体", "Times New Roman"
SLIDE_EAST_ASIA, SLIDE_LATIN = "微软雅黑", "Arial"
SLIDE_SENTENCE_CHARS = 140  # two lines of 16-point text across a 16:9 slide
PRINT_SCALE = 2  # a 960-pixel chart at 1,920 pixels: 300 dpi across a 16 cm text width
OFFICIAL_TITLE = "政府信息公开行政复议、行政诉讼情况"
ALL_CASES_TITLE = "行政复议、行政诉讼情况（全部案件）"
# Text an Office file cannot hold (XML 1.0 forbids these controls).
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean(text: object) -> str:
    """Text an Office file can hold: XML-illegal control characters become "?"."""
    return _XML_ILLEGAL.sub("?", str(text))


@dataclass(frozen=True)
class Figure:
    """One chart of the pack: its entry in the catalog, its caption and its PNG."""

    chart: Chart
    caption: str
    png: bytes


def title(report: Report) -> str:
    return f"{BUREAU}法治政府建设指标简报"


def scope(report: Report, unit_label: str = "全部单位") -> str:
    """期间 · 单位 · 数据截至, as the pages' scope line."""
    unit = clip(report.unit or unit_label, UNIT_CHARS)
    return f"{report.period.label} · {unit} · 数据截至 {report.as_of.isoformat()}"


def figures(report: Report, unit_label: str = "全部单位") -> list[tuple[Chart, go.Figure]]:
    """Every chart of the chart pages that has something to draw, built from the report's data as the
    pages build them (a briefing has no room for a chart saying 各期活动均未填写参加人数)."""
    base = ChartContext(report.period.label, report.unit or unit_label, report.as_of, report.sample)
    built = [
        (chart, chart.figure(report.pages[page], base, report.period))
        for page in CHART_PAGES
        for chart in charts_of(page)
    ]
    return [(chart, fig) for chart, fig in built if fig.data]  # a chart that only says why it is empty stays out


def rendered(report: Report, unit_label: str = "全部单位") -> list[Figure]:
    """The charts as PNGs at print resolution, rendered side by side by kaleido's tabs."""
    built = figures(report, unit_label)
    pngs = export.figure_pngs([fig for _, fig in built], scale=PRINT_SCALE)
    return [
        Figure(chart, f"图{i}　{chart.heading(report.period)}（{report.period.label}）", png)
        for i, ((chart, _), png) in enumerate(zip(built, pngs, strict=True), start=1)
    ]


def kpi_rows(report: Report) -> list[tuple[str, str]]:
    """The KPI summary: each headline figure of the period, rates with their basis as the cards show them."""
    k = report.facts["kpis"]["current"]
    p, c, t = k["petitions"], k["litigation"], k["training"]
    covered = {d: report.facts["covered"][d]["current"] for d in ("petitions", "litigation", "training")}

    def shown(dataset: str, text: str) -> str:
        return text if covered[dataset] else "—（无台账数据）"

    return [
        ("信访收件", shown("petitions", fmt_number(p["total"], "件"))),
        ("办结率", shown("petitions", rate_text(p["closure_rate"], p["closed"], p["total"]))),
        ("按期办结率", shown("petitions", rate_text(p["on_time_rate"], p["on_time"], p["closed"]))),
        ("复议应诉收案", shown("litigation", fmt_number(c["cases"], "件"))),
        ("败诉（被纠错）率", shown("litigation", rate_text(c["loss_rate"], c["lost"], c["concluded"]))),
        (
            "负责人出庭应诉率",
            shown("litigation", rate_text(c["head_appearance_rate"], c["head_appearances"], c["hearings"])),
        ),
        ("培训学法活动", shown("training", fmt_number(t["sessions"], "场"))),
    ]


# --- Word ------------------------------------------------------------------------------------------


def _east_asia(element, name: str) -> None:
    """Name `name` as the East Asian font of a style's or run's properties (w:rFonts w:eastAsia)."""
    from docx.oxml.ns import qn

    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), name)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = rpr.makeelement(qn("w:lang"), {})
        rpr.append(lang)
    lang.set(qn("w:eastAsia"), "zh-CN")


def _word_styles(doc) -> None:
    """Latin and East Asian fonts on every style the pack uses, and on the document's defaults."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr_default = defaults.find(qn("w:rPrDefault")) if defaults is not None else None
    if rpr_default is not None and rpr_default.find(qn("w:rPr")) is not None:
        fonts = rpr_default.find(qn("w:rPr")).find(qn("w:rFonts"))
        if fonts is not None:
            for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
                fonts.attrib.pop(qn(attr), None)
            fonts.set(qn("w:ascii"), LATIN)
            fonts.set(qn("w:hAnsi"), LATIN)
            fonts.set(qn("w:eastAsia"), EAST_ASIA)
    for name in ("Normal", "Title", "Subtitle", "Heading 1", "Heading 2", "Caption", "Table Grid"):
        style = doc.styles[name]
        heading = name.startswith(("Heading", "Title"))
        style.font.name = LATIN
        _east_asia(style.element, EAST_ASIA_HEADING if heading else EAST_ASIA)
        if name.startswith(("Heading", "Title", "Subtitle", "Caption")):
            style.font.color.rgb = None
    doc.styles["Normal"].font.size = Pt(12)
    doc.styles["Caption"].font.size = Pt(10)


def _word_table(doc, table: pd.DataFrame, heading: str) -> None:
    """The official layout (tables.official_header) as a Word table, then its row of figures."""
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    doc.add_paragraph(heading, style="Caption").paragraph_format.keep_with_next = True
    figures = official_row(table)
    grid = doc.add_table(rows=OFFICIAL_HEADER_ROWS + 1, cols=len(figures), style="Table Grid")
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    for top, left, bottom, right, text in official_header():
        grid.cell(top, left).merge(grid.cell(bottom, right)).text = text
    for i, value in enumerate(figures):
        grid.cell(OFFICIAL_HEADER_ROWS, i).text = f"{value:,}"
    for row in grid.rows:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
                for run in paragraph.runs:
                    run.font.size = Pt(8)


def _page_numbers(section) -> None:
    """A centred page number (a PAGE field, which Word, WPS and LibreOffice fill in) in the footer."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn

    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    field = paragraph._p.makeelement(qn("w:fldSimple"), {qn("w:instr"): "PAGE"})
    run = field.makeelement(qn("w:r"), {})
    text = run.makeelement(qn("w:t"), {})
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def docx_bytes(report: Report, unit_label: str = "全部单位", pictures: list[Figure] | None = None) -> bytes:
    """The Word report: heading, narrative by section with its charts inline (each with a caption,
    sized to the text width) and the outcome tables as Word tables; A4."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(25)
    section.top_margin = section.bottom_margin = Mm(25)
    width = section.page_width - section.left_margin - section.right_margin
    _word_styles(doc)
    _page_numbers(section)
    doc.core_properties.title = title(report)
    doc.add_heading(clean(title(report)), level=0)
    doc.add_paragraph(clean(scope(report, unit_label)))
    pictures = rendered(report, unit_label) if pictures is None else pictures
    by_page: dict[str, list[Figure]] = {}
    for figure in pictures:
        by_page.setdefault(figure.chart.page, []).append(figure)
    for paragraph, page in zip(narrative(report.facts), CHART_PAGES, strict=True):
        doc.add_heading(clean(paragraph.heading), level=1)
        doc.add_paragraph(clean(paragraph.text))
        for figure in by_page.get(page, []):
            doc.add_picture(io.BytesIO(figure.png), width=width)
            doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
            doc.paragraphs[-1].paragraph_format.keep_with_next = True  # the caption stays with its chart
            doc.add_paragraph(clean(figure.caption), style="Caption").alignment = WD_ALIGN_PARAGRAPH.CENTER
        if page == "cases" and report.pages["cases"]["covered"]:
            cases = report.pages["cases"]
            _word_table(doc, cases["official"], f"表1　{OFFICIAL_TITLE}（{report.period.label}）")
            _word_table(doc, cases["all_outcomes"], f"表2　{ALL_CASES_TITLE}（{report.period.label}）")
            note = doc.add_paragraph()
            note.add_run(OFFICIAL_NOTE).font.size = Pt(9)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# --- PowerPoint -------------------------------------------------------------------------------------


def _slide_fonts(prs) -> None:
    """Every run of every slide in SLIDE_LATIN (a:latin) and SLIDE_EAST_ASIA (a:ea), zh-CN; the two
    go where the schema orders them (before a:cs, a:sym, the links and a:rtl)."""
    from pptx.oxml.ns import qn

    after = [qn(t) for t in ("a:cs", "a:sym", "a:hlinkClick", "a:hlinkMouseOver", "a:rtl", "a:extLst")]
    for slide in prs.slides:
        for run in slide._element.iter(qn("a:r")):
            rpr = run.get_or_add_rPr()
            for tag in ("a:latin", "a:ea"):
                for old in rpr.findall(qn(tag)):
                    rpr.remove(old)
            anchor = next((child for child in rpr if child.tag in after), None)
            for tag, face in (("a:latin", SLIDE_LATIN), ("a:ea", SLIDE_EAST_ASIA)):
                font = rpr.makeelement(qn(tag), {"typeface": face})
                if anchor is None:
                    rpr.append(font)
                else:
                    anchor.addprevious(font)
            rpr.set("lang", "zh-CN")
            rpr.set("altLang", "en-US")


def _text_box(slide, text: str, left, top, width, height, size: int, bold: bool = False) -> None:
    from pptx.util import Pt

    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    frame.text = clean(text)
    for paragraph in frame.paragraphs:
        for run in paragraph.runs:
            run.font.size = Pt(size)
            run.font.bold = bold


def _slide_table(slide, rows: list[list[str]], left, top, width, height, size: int = 12):
    from pptx.util import Pt

    shape = slide.shapes.add_table(len(rows), len(rows[0]), left, top, width, height)
    table = shape.table
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            cell = table.cell(r, c)
            cell.text = clean(value)
            for paragraph in cell.text_frame.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(size)
    return table


def pptx_bytes(report: Report, unit_label: str = "全部单位", pictures: list[Figure] | None = None) -> bytes:
    """The slide deck, 16:9: a title slide, the KPI summary, one slide per chart with its sentence,
    and the outcome table in the official layout."""
    from pptx import Presentation
    from pptx.enum.text import PP_ALIGN
    from pptx.util import Emu, Inches

    prs = Presentation()
    prs.slide_width, prs.slide_height = Emu(12192000), Emu(6858000)  # 16:9, 13.333 × 7.5 in
    blank = prs.slide_layouts[6]
    margin, full = Inches(0.5), prs.slide_width - Inches(1.0)

    slide = prs.slides.add_slide(blank)
    _text_box(slide, title(report), margin, Inches(2.4), full, Inches(1.2), 36, bold=True)
    _text_box(slide, scope(report, unit_label), margin, Inches(3.7), full, Inches(0.8), 20)

    slide = prs.slides.add_slide(blank)
    _text_box(slide, f"主要指标 · {report.period.label}", margin, Inches(0.3), full, Inches(0.8), 28, bold=True)
    rows = [["指标", "本期"], *[[name, value] for name, value in kpi_rows(report)]]
    _slide_table(slide, rows, Inches(2.5), Inches(1.3), Inches(8.3), Inches(0.5) * len(rows), 16)

    sentences = chart_sentences(report.facts)
    pictures = rendered(report, unit_label) if pictures is None else pictures
    for figure in pictures:
        slide = prs.slides.add_slide(blank)
        heading = figure.chart.heading(report.period)
        _text_box(slide, heading, margin, Inches(0.25), full, Inches(0.7), 26, bold=True)
        height = Inches(5.25)
        width = Emu(int(height * 16 / 9))
        slide.shapes.add_picture(io.BytesIO(figure.png), (prs.slide_width - width) // 2, Inches(1.0), width, height)
        said = sentences.get(figure.chart.says, "")
        if said:  # two lines at most under the chart: a sentence long with ledger names is cut
            _text_box(slide, clip(said, SLIDE_SENTENCE_CHARS), margin, Inches(6.35), full, Inches(1.0), 16)

    if not report.pages["cases"]["covered"]:  # no case ledger: no table of zeros
        _slide_fonts(prs)
        return _saved(prs)
    slide = prs.slides.add_slide(blank)
    heading = f"行政复议、行政诉讼情况（{report.period.label}）"
    _text_box(slide, heading, margin, Inches(0.25), full, Inches(0.7), 26, bold=True)
    for i, (name, key) in enumerate((("表1　涉及政府信息公开的案件", "official"), ("表2　全部案件", "all_outcomes"))):
        top = Inches(1.1 + i * 2.6)
        _text_box(slide, name, margin, top, full, Inches(0.4), 14, bold=True)
        figures = official_row(report.pages["cases"][key])
        rows = [[""] * len(figures) for _ in range(OFFICIAL_HEADER_ROWS)] + [[f"{v:,}" for v in figures]]
        for first, left, _, _, text in official_header():
            rows[first][left] = text
        table = _slide_table(slide, rows, margin, top + Inches(0.45), full, Inches(1.8), 10)
        for first, left, last, right, _ in official_header():
            if (first, left) != (last, right):
                table.cell(first, left).merge(table.cell(last, right))
        for row in table.rows:
            for cell in row.cells:
                for paragraph in cell.text_frame.paragraphs:
                    paragraph.alignment = PP_ALIGN.CENTER
    _text_box(slide, OFFICIAL_NOTE, margin, Inches(6.4), full, Inches(0.9), 11)
    _slide_fonts(prs)
    return _saved(prs)


def _saved(prs) -> bytes:
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()


# --- the pack ---------------------------------------------------------------------------------------


def markdown_bytes(report: Report, unit_label: str = "全部单位") -> bytes:
    return markdown(report.facts, f"{title(report)}（{scope(report, unit_label)}）").encode("utf-8")


def pack(report: Report, fmt: str, unit_label: str = "全部单位") -> bytes:
    """One format of the briefing pack: docx, pptx or md."""
    if fmt == "docx":
        return docx_bytes(report, unit_label)
    if fmt == "pptx":
        return pptx_bytes(report, unit_label)
    if fmt == "md":
        return markdown_bytes(report, unit_label)
    raise ValueError(f"unknown format {fmt}")


def full_pack(report: Report, unit_label: str = "全部单位") -> dict[str, bytes]:
    """Every format of the pack, the charts rendered once for both files that show them."""
    pictures = rendered(report, unit_label)
    return {
        "docx": docx_bytes(report, unit_label, pictures),
        "pptx": pptx_bytes(report, unit_label, pictures),
        "md": markdown_bytes(report, unit_label),
    }


def file_name(report: Report, fmt: str, unit_label: str = "全部单位") -> str:
    """法治政府建设指标简报_2024年_全部单位.docx: no path characters from a unit's name."""
    raw = f"法治政府建设指标简报_{report.period.label}_{clip(report.unit or unit_label, UNIT_CHARS)}"
    return re.sub(r'[\\/:*?"<>|\s\x00-\x1f]+', "_", raw)[:180] + f".{fmt}"
