"""The downloadable template, generated from the schema, and what it promises: filled in as told, it imports."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from indicators.ingest.normalize import ACCEPTED_FORMS
from indicators.ingest.reading import Upload
from indicators.metrics.aggregate import compute
from indicators.metrics.periods import parse_period
from indicators.output import words
from indicators.output.template import sheet_name, template_bytes
from indicators.schema import DATASETS, LITIGATION, PETITIONS, TRAINING
from indicators.schema import INSTRUCTIONS_SHEET as INSTRUCTIONS
from indicators.store.importer import check, run_import
from ledgers import fill_template


def test_template_has_a_sheet_per_dataset_and_instructions_for_every_column():
    book = load_workbook(io.BytesIO(template_bytes()))
    assert book.sheetnames == [sheet_name(d) for d in DATASETS] + [INSTRUCTIONS]
    for dataset in DATASETS:
        rows = list(book[sheet_name(dataset)].iter_rows(values_only=True))
        assert len(rows) == 2, "a header row and one example row"
        assert list(rows[0]) == [c.name for c in dataset.columns]
        example = dict(zip(rows[0], rows[1], strict=True))
        assert all(example[c.name] for c in dataset.required), example

    notes = list(book[INSTRUCTIONS].iter_rows(values_only=True))
    header = ("数据集", "列名", "是否必填", "可接受的写法", "同义列名", "说明")
    start = notes.index(header)
    listed = {(r[0].split("（")[0], r[1]): r for r in notes[start + 1 :]}
    expected = {(d.name, c.name) for d in DATASETS for c in d.columns}
    assert set(listed) == expected and len(notes) - start - 1 == len(expected)
    for dataset in DATASETS:
        for column in dataset.columns:
            row = listed[(dataset.name, column.name)]
            assert row[2] == ("必填" if column.required else "选填")
            assert row[3] == ACCEPTED_FORMS[column.kind]
            assert row[4] == ("、".join(column.synonyms) or "—")
    assert any("2025/1/5" in (r[3] or "") and "2025年1月5日" in (r[3] or "") for r in notes[start + 1 :])
    assert any("√/×" in (r[3] or "") for r in notes[start + 1 :])


def test_the_template_as_downloaded_has_no_data_row_its_examples_are_never_imported(store):
    outcome = check(store, [Upload("模板.xlsx", template_bytes())])
    assert [p.message for p in outcome.problems] == [
        "没有数据行：“信访台账”、“复议应诉台账”、“培训学法台账”只有表头（模板示例行已跳过 3 行），"
        "本次上传没有可导入的记录。请填写数据后再上传。"
    ]
    assert store.is_empty()


def test_one_sheet_filled_the_others_as_they_came_imports_only_the_filled_one(store):
    """A user fills the petition sheet and leaves the case and session sheets with their example rows."""
    book = load_workbook(io.BytesIO(template_bytes()))
    petitions = book[sheet_name(PETITIONS)]
    petitions.delete_rows(2)
    petitions.append(["XF2025-0001", "2025-01-05", "民呼我为", None, None, None, None])
    out = io.BytesIO()
    book.save(out)
    outcome = run_import(store, [Upload("模板.xlsx", out.getvalue())])
    assert outcome.ok, [p.text() for p in outcome.problems]
    assert {k: p.counts["added"] for k, p in outcome.plan.datasets.items()} == {PETITIONS.id: 1}
    assert store.records(LITIGATION).empty and store.records(TRAINING).empty
    assert compute(store, parse_period("2025"))["litigation"]["head_appearance_rate"] is None, "no invented 100%"
    assert words.notes(outcome)[0] == words.Note(
        "info", "已跳过模板的示例行（“复议应诉台账”1 行、“培训学法台账”1 行），它们不会被导入。"
    )
    assert INSTRUCTIONS not in words.skipped_frame(outcome)["工作表"].tolist(), (
        "our own instructions are no stray sheet"
    )
    assert "“填表说明”工作表无需导入" in words.notes(outcome)[1].text


def test_an_example_row_among_real_rows_is_skipped_and_said(store):
    book = load_workbook(io.BytesIO(template_bytes()))
    book[sheet_name(PETITIONS)].append(["XF2025-0009", "2025-02-01", "来信来访", None, None, None, None])
    out = io.BytesIO()
    book.save(out)
    outcome = check(store, [Upload("模板.xlsx", out.getvalue())])
    assert outcome.ok and outcome.plan.datasets[PETITIONS.id].counts["added"] == 1
    table = next(t for t in outcome.read.tables if t.dataset_id == PETITIONS.id)
    assert table.examples == [2] and table.rows == [3]


def test_a_filled_template_imports_through_the_command_line_path_too(store):
    outcome = run_import(store, [Upload("填好的模板.xlsx", fill_template(template_bytes()))])
    assert outcome.ok, [p.text() for p in outcome.problems]
    assert outcome.plan.total("added") > len(DATASETS)
