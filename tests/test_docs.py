"""The repository's own docs are what the code declares, and nothing in the project reads the folder beside it."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from indicators.output.docs import DOCS

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("name", list(DOCS))
def test_the_committed_docs_are_generated_from_the_declarations(name):
    committed = (ROOT / "docs" / name).read_text(encoding="utf-8")
    assert committed == DOCS[name](), f"docs/{name} is stale: run `make docs` and commit it"


def test_the_upload_format_names_every_column_and_limit():
    from indicators.ingest import safety
    from indicators.schema import DATASETS

    text = DOCS["data-format.md"]()
    for dataset in DATASETS:
        for column in dataset.columns:
            assert f"| {column.name} |" in text
    assert f"{safety.MAX_FILE_BYTES // 1024 // 1024} MB" in text and "2000-01-01" in text


# The folder's name is built from pieces, so that this file does not name it itself.
FOLDER = "sha" + "red"
SHARED = re.compile(rf"\.\./{FOLDER}|[\"']{FOLDER}[\"']|{FOLDER}/(spec|source)")


def test_nothing_in_the_repository_reads_the_shared_folder_beside_it():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    tracked += ["tests/test_sample.py", "README.md"]  # also before they are committed
    offenders = set()
    for name in tracked:
        path = ROOT / name
        if name.startswith(".ci/") or path.suffix in (".xlsx", ".sqlite3", ".png") or not path.is_file():
            continue
        if SHARED.search(path.read_text(encoding="utf-8", errors="replace")):
            offenders.add(name)
    assert sorted(offenders) == [], offenders
