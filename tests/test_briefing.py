"""The briefing pack as the bureau opens it: Word and PowerPoint files read back with python-docx and
python-pptx, and both converted to PDF by LibreOffice and drawn to PNG.

Figures are checked against `kpis --json` (the command line, run in this process), fonts against what
Word, WPS and LibreOffice need (a Chinese East Asian font on every run with Chinese text), pictures and
slides against the chart list. The glyph check is the chart PNG test's: two files that differ only in
the Chinese characters of one line look different when drawn with CJK glyphs and alike when drawn as
missing-glyph boxes, which a LibreOffice whose fontconfig knows only DejaVu shows (the control).
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from conftest import new_database
from docx import Document
from fonts import without_cjk
from pptx import Presentation
from pptx.util import Emu

from indicators import briefing, cli, views
from indicators.catalog import CHARTS
from indicators.metrics import tables
from indicators.metrics.periods import parse_period
from indicators.store import Store, make_engine

CJK = re.compile(r"[\u3400-\u9fff]")
WORD_FONTS = {briefing.EAST_ASIA, briefing.EAST_ASIA_HEADING}
TITLE_A, TITLE_B = "信访件数统计", "复议应诉案卷"  # the same length, no character in common


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """A store holding the sample (the 2024 report), set as the command line's database."""
    with new_database(tmp_path_factory.mktemp("briefing")) as url, pytest.MonkeyPatch.context() as mp:
        mp.setenv("INDICATORS_DB_URL", url)
        engine = make_engine(url)
        store = Store(engine)
        cli.load_sample(store)
        yield store
        engine.dispose()


@pytest.fixture(scope="module")
def report(sample) -> views.Report:
    return views.report_data(sample, parse_period("2024"), None)


@pytest.fixture(scope="module")
def pictures(report) -> list[briefing.Figure]:
    return briefing.rendered(report)


@pytest.fixture(scope="module")
def word(report, pictures) -> bytes:
    return briefing.docx_bytes(report, pictures=pictures)


@pytest.fixture(scope="module")
def slides(report, pictures) -> bytes:
    return briefing.pptx_bytes(report, pictures=pictures)


def kpis_json(period: str) -> dict:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli.main(["kpis", "--period", period, "--json"]) == 0
    return json.loads(out.getvalue())


def pct(rate: float) -> str:
    return f"{rate:.1%}".replace(".0%", "%")


def expected_phrases(k: dict) -> list[str]:
    """What the text must say, figure by figure, from `kpis --json`."""
    p, c, t = k["petitions"], k["litigation"], k["training"]
    return [
        f"共收信访{p['total']}件",
        *[f"{n}件" for n in p["by_channel"].values()],
        f"已办结{p['closed']}件，办结率{pct(p['closure_rate'])}",
        f"按期办结{p['on_time']}件，按期办结率{pct(p['on_time_rate'])}",
        f"复议应诉案件{c['cases']}件，领导人出庭应诉率{pct(c['head_appearance_rate'])}",
        *[f"{kind}{n}件" for kind, n in c["by_type"].items()],
        f"本年结案{c['concluded']}件，其中败诉（被纠错）{c['lost']}件，败诉（被纠错）率{pct(c['loss_rate'])}",
        f"开庭{c['hearings']}次，机关负责人出庭应诉{c['head_appearances']}次",
        f"共开展培训学法活动{t['sessions']}场",
        *[f"{kind}{n}场" for kind, n in t["by_type"].items()],
    ]


# --- Word ------------------------------------------------------------------------------------------------


def test_the_word_report_says_the_figures_of_kpis_json(word):
    doc = Document(io.BytesIO(word))
    text = "".join(p.text for p in doc.paragraphs)
    for phrase in expected_phrases(kpis_json("2024")):
        assert phrase in text, phrase
    assert "巴南区规划和自然资源局法治政府建设指标简报" in doc.paragraphs[0].text
    assert "2024年 · 全部单位 · 数据截至 2024-12-31" in text


def _east_asia_font(run, paragraph, doc) -> str | None:
    """The East Asian font Word would use for a run: its own, its paragraph style's chain, the defaults."""
    from docx.oxml.ns import qn

    def of(element) -> str | None:
        rpr = element.find(qn("w:rPr")) if element is not None else None
        fonts = rpr.find(qn("w:rFonts")) if rpr is not None else None
        return fonts.get(qn("w:eastAsia")) if fonts is not None else None

    if found := of(run._r):
        return found
    style = paragraph.style
    while style is not None:
        if found := of(style.element):
            return found
        style = style.base_style
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    return of(defaults.find(qn("w:rPrDefault"))) if defaults is not None else None


def _all_paragraphs(doc):
    yield from doc.paragraphs
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                yield from cell.paragraphs


def test_every_chinese_run_of_the_word_report_names_a_chinese_east_asian_font(word):
    doc = Document(io.BytesIO(word))
    runs = [(r, p) for p in _all_paragraphs(doc) for r in p.runs if CJK.search(r.text)]
    assert len(runs) > 20
    fonts = {_east_asia_font(r, p, doc) for r, p in runs}
    assert fonts <= WORD_FONTS, fonts
    assert doc.sections[0].page_width == Emu(7560310), "A4"


def drawn(report) -> list:
    """The charts of the list that have something to draw for the report's period (the others, which
    would only say why they are empty, stay out of a briefing: the sample's 参加人次 and 学时)."""
    return [chart for chart, _ in briefing.figures(report)]


def test_the_pack_leaves_out_only_the_charts_with_nothing_to_draw(report):
    assert [c.key for c in CHARTS if c not in drawn(report)] == ["people", "hours"]


def test_the_word_report_has_a_picture_per_chart_at_the_text_width_with_a_caption(word, report):
    doc = Document(io.BytesIO(word))
    section = doc.sections[0]
    width = section.page_width - section.left_margin - section.right_margin
    assert len(doc.inline_shapes) == len(drawn(report))
    assert {shape.width for shape in doc.inline_shapes} == {width}
    captions = [p.text for p in doc.paragraphs if p.style.name == "Caption" and p.text.startswith("图")]
    headings = [f"{c.heading(parse_period('2024'))}（2024年）" for c in drawn(report)]
    assert [c.split("\u3000")[1] for c in captions] == headings
    assert "PAGE" in section.footer._element.xml, "pages are numbered"


def test_the_word_reports_outcome_tables_are_word_tables_that_add_up(word, report):
    doc = Document(io.BytesIO(word))
    assert len(doc.tables) == 2
    cases = kpis_json("2024")["litigation"]["cases"]
    for table, key in zip(doc.tables, ("official", "all_outcomes"), strict=True):
        assert [c.text for c in table.rows[0].cells][:1] == ["行政复议"]
        assert "未经复议直接起诉" in [c.text for c in table.rows[1].cells]
        figures = [int(c.text.replace(",", "")) for c in table.rows[3].cells]
        assert figures == tables.official_row(report.pages["cases"][key])
        for group in range(3):
            five = figures[group * 5 : group * 5 + 5]
            assert sum(five[:4]) == five[4], "each group's 总计 is the sum of its columns"
    every = [int(c.text) for c in doc.tables[1].rows[3].cells]
    assert every[4] + every[9] + every[14] == cases == 19, "every case of 2024 once"


# --- PowerPoint -------------------------------------------------------------------------------------------


def test_the_slides_are_16_9_a_title_a_summary_a_slide_per_chart_and_the_table(slides, report):
    prs = Presentation(io.BytesIO(slides))
    assert prs.slide_width * 9 == prs.slide_height * 16
    assert len(prs.slides) == 2 + len(drawn(report)) + 1
    pictures = [s for slide in prs.slides for s in slide.shapes if s.shape_type == 13]
    assert len(pictures) == len(drawn(report))
    texts = ["\n".join(s.text_frame.text for s in slide.shapes if s.has_text_frame) for slide in prs.slides]
    assert "法治政府建设指标简报" in texts[0] and "2024年 · 全部单位" in texts[0]
    assert texts[2].startswith("信访件数（按来源渠道）") and "2024年我局共收信访311件，其中：" in texts[2]
    summary = [[c.text for c in row.cells] for s in prs.slides[1].shapes if s.has_table for row in s.table.rows]
    k = kpis_json("2024")
    assert ["信访收件", f"{k['petitions']['total']}件"] in summary
    litigation = k["litigation"]
    basis = f"（{litigation['head_appearances']}/{litigation['hearings']}）"
    assert ["负责人出庭应诉率", pct(litigation["head_appearance_rate"]) + basis] in summary, "a rate with its basis"


def test_every_chinese_run_of_the_slides_names_a_chinese_east_asian_font(slides):
    from pptx.oxml.ns import qn

    prs = Presentation(io.BytesIO(slides))
    runs = [r for slide in prs.slides for r in slide._element.iter(qn("a:r"))]
    chinese = [r for r in runs if CJK.search("".join(r.itertext()))]
    assert len(chinese) > 20
    for run in chinese:
        rpr = run.find(qn("a:rPr"))
        ea = rpr.find(qn("a:ea")) if rpr is not None else None
        assert ea is not None and ea.get("typeface") == briefing.SLIDE_EAST_ASIA, "".join(run.itertext())
        children = [c.tag for c in rpr]
        assert children.index(qn("a:latin")) < children.index(qn("a:ea")), "the schema's order"


def test_the_markdown_is_the_narrative(report):
    text = briefing.pack(report, "md").decode("utf-8")
    assert text.startswith("# 巴南区规划和自然资源局法治政府建设指标简报")
    assert "2024年我局共收信访311件，其中：来信来访件共34件，《重庆市智能信访工作平台》交办20件" in text


def test_file_names_name_the_period_and_unit_without_path_characters(report):
    assert briefing.file_name(report, "docx") == "法治政府建设指标简报_2024年_全部单位.docx"
    assert briefing.file_name(report, "pptx", "执法/监察 支队") == "法治政府建设指标简报_2024年_执法_监察_支队.pptx"


# --- LibreOffice: the files as a person sees them ---------------------------------------------------------


def to_pdf(path: Path, out: Path, env: dict | None = None) -> Path:
    """The file converted by LibreOffice (headless, a profile of its own) to PDF."""
    soffice = shutil.which("soffice")
    assert soffice, "make installs Debian's LibreOffice (writer and impress) for this check"
    profile = out / "profile"
    done = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )
    pdf = out / f"{path.stem}.pdf"
    assert pdf.exists(), done.stdout + done.stderr
    return pdf


def pages_png(pdf: Path) -> list:
    import pypdfium2

    return [page.render(scale=1.5).to_pil().convert("L") for page in pypdfium2.PdfDocument(str(pdf))]


def differing(a, b) -> int:
    return int((np.abs(np.asarray(a, dtype=int) - np.asarray(b, dtype=int)) > 64).sum())


def line_contrast(a, b) -> tuple[int, float]:
    """Pixels that differ between two pages, relative to the ink of the lines where they differ."""
    x, y = np.asarray(a, dtype=int), np.asarray(b, dtype=int)
    rows = np.flatnonzero((np.abs(x - y) > 64).any(axis=1))
    if not len(rows):
        return int((x < 128).sum()), 0.0
    band = x[rows.min() : rows.max() + 1]
    return int((band < 128).sum()), differing(a, b) / max(int((band < 128).sum()), 1)


def two_lines(report, tmp_path: Path, fmt: str) -> tuple[Path, Path]:
    """The pack without its charts, twice: the scope lines differ only in their Chinese characters."""
    make = briefing.docx_bytes if fmt == "docx" else briefing.pptx_bytes
    paths = []
    for name, unit in (("a", TITLE_A), ("b", TITLE_B)):
        path = tmp_path / f"{name}.{fmt}"
        path.write_bytes(make(report, unit, pictures=[]))
        paths.append(path)
    return paths[0], paths[1]


@pytest.mark.parametrize("fmt", ["docx", "pptx"])
def test_libreoffice_draws_the_pack_in_cjk_glyphs_not_boxes(report, word, slides, tmp_path, fmt):
    """The whole pack converts and draws (pages kept in test-artifacts/briefing/); two packs that differ
    only in the Chinese characters of the scope line draw differently, so the glyphs are real."""
    whole = tmp_path / f"pack.{fmt}"
    whole.write_bytes(word if fmt == "docx" else slides)
    out = Path(__file__).resolve().parent.parent / "test-artifacts" / "briefing"
    out.mkdir(parents=True, exist_ok=True)
    pages = pages_png(to_pdf(whole, tmp_path))
    assert len(pages) >= (3 if fmt == "docx" else len(drawn(report)) + 3)
    for i, page in enumerate(pages[:3], start=1):
        page.save(out / f"{fmt}-{i}.png")
    a, b = (pages_png(to_pdf(p, tmp_path / p.stem))[0] for p in two_lines(report, tmp_path, fmt))
    ink, contrast = line_contrast(a, b)
    assert ink > 0 and contrast > 0.3, f"two different Chinese lines look alike ({contrast:.2f}): boxes, not glyphs?"


def test_without_a_cjk_font_the_same_check_sees_boxes(report, tmp_path):
    """The control: LibreOffice with a fontconfig that only knows DejaVu draws both lines as the same boxes."""
    env = {**without_cjk(tmp_path), "SAL_USE_VCLPLUGIN": "svp"}
    a, b = (pages_png(to_pdf(p, tmp_path / p.stem, env))[0] for p in two_lines(report, tmp_path, "docx"))
    assert int((np.asarray(a) < 128).sum()) > 0, "the page is drawn"
    assert differing(a, b) == 0, "without CJK fonts both lines are the same boxes"
