"""The downloadable template, generated from the schema, and what it promises: filled in as told, it imports."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from indicators.importer import check, run_import
from indicators.normalize import ACCEPTED_FORMS
from indicators.reading import Upload
from indicators.schema import DATASETS
from indicators.template import INSTRUCTIONS, sheet_name, template_bytes
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


def test_the_template_as_downloaded_imports_its_example_rows(store):
    outcome = check(store, [Upload("模板.xlsx", template_bytes())])
    assert outcome.ok, [p.text() for p in outcome.problems]
    assert {k: p.counts["added"] for k, p in outcome.plan.datasets.items()} == {d.id: 1 for d in DATASETS}
    assert [i.sheet for i in outcome.read.ignored] == [INSTRUCTIONS]


def test_a_filled_template_imports_through_the_command_line_path_too(store):
    outcome = run_import(store, [Upload("填好的模板.xlsx", fill_template(template_bytes()))])
    assert outcome.ok, [p.text() for p in outcome.problems]
    assert outcome.plan.total("added") > len(DATASETS)
