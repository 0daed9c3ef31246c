"""The command line of kpis.md, run as users run it: a subprocess, exit codes, stdout and stderr."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ledgers import CASE_HEADER, PETITION_HEADER, case, petition, xlsx_bytes

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "indicators", *args], cwd=ROOT, capture_output=True, text=True, env=os.environ.copy()
    )


@pytest.fixture
def ledgers(tmp_path) -> dict[str, Path]:
    files = {
        "good": xlsx_bytes({"信访": [PETITION_HEADER, petition("XF-1", "2025-01-05"), petition("XF-2", "2025-02-05")]}),
        "cases": xlsx_bytes({"应诉": [CASE_HEADER, case("C-1", hearing="2025-03-01", head="是")]}),
        "bad": xlsx_bytes({"信访": [PETITION_HEADER, petition("XF-3", "2025-13-45"), petition("XF-4", channel="")]}),
    }
    paths = {}
    for name, data in files.items():
        paths[name] = tmp_path / f"{name}.xlsx"
        paths[name].write_bytes(data)
    return paths


def test_import_kpis_batches_rollback_round_trip(db_url, ledgers):
    done = run("import", str(ledgers["good"]), str(ledgers["cases"]))
    assert done.returncode == 0, done.stderr
    assert "信访：新增 2" in done.stdout
    kpis = json.loads(run("kpis", "--period", "2025Q1", "--json").stdout)
    assert list(kpis) == ["period", "start", "end", "unit", "petitions", "litigation", "training"]
    assert list(kpis["petitions"]) == ["total", "by_channel", "closed", "closure_rate", "on_time", "on_time_rate"]
    assert list(kpis["litigation"]) == [
        "cases",
        "by_type",
        "concluded",
        "lost",
        "loss_rate",
        "hearings",
        "head_appearances",
        "head_appearance_rate",
    ]
    assert list(kpis["training"]) == ["sessions", "by_type", "participants", "hours"]
    assert kpis["petitions"]["total"] == 2 and kpis["litigation"]["head_appearance_rate"] == 1.0
    history = json.loads(run("batches", "--json").stdout)
    assert len(history) == 1
    entry = history[0]
    for key in ("id", "created_at", "label", "files", "added", "updated", "unchanged", "rolled_back"):
        assert key in entry
    assert [f["name"] for f in entry["files"]] == ["good.xlsx", "cases.xlsx"]
    assert all(len(f["sha256"]) == 64 for f in entry["files"])
    assert (entry["added"], entry["updated"], entry["unchanged"], entry["rolled_back"]) == (3, 0, 0, False)
    assert run("rollback", str(entry["id"])).returncode == 0
    assert json.loads(run("kpis", "--period", "2025Q1", "--json").stdout)["petitions"]["total"] == 0
    assert json.loads(run("batches", "--json").stdout)[0]["rolled_back"] is True
    again = run("rollback", str(entry["id"]))
    assert again.returncode == 1 and "不能重复撤销" in again.stderr and "Traceback" not in again.stderr


def test_bad_input_exits_1_with_the_full_report_and_stores_nothing(db_url, ledgers):
    done = run("import", str(ledgers["good"]), str(ledgers["bad"]))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "本批次未保存任何数据" in done.stderr
    lines = done.stderr.splitlines()
    assert any("bad.xlsx" in ln and "第 2 行" in ln and "“收件日期”列" in ln and "2025-13-45" in ln for ln in lines)
    assert any("bad.xlsx" in ln and "第 3 行" in ln and "“来源渠道”列" in ln and "必填项为空" in ln for ln in lines)
    assert json.loads(run("batches", "--json").stdout) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["import", "no-such-file.xlsx"], "找不到文件"),
        (["kpis", "--period", "2025Q9", "--json"], "无法识别的期间"),
        (["rollback", "42"], "不存在"),
    ],
)
def test_user_mistakes_get_a_chinese_message_not_a_traceback(db_url, args, message):
    done = run(*args)
    assert done.returncode == 1
    assert message in done.stderr and "Traceback" not in done.stderr


def test_unit_option_and_text_output(db_url, ledgers):
    run("import", str(ledgers["good"]))
    assert json.loads(run("kpis", "--period", "2025", "--unit", "本单位", "--json").stdout)["petitions"]["total"] == 2
    assert json.loads(run("kpis", "--period", "2025", "--unit", "别的单位", "--json").stdout)["petitions"]["total"] == 0
    text = run("kpis", "--period", "2025Q1").stdout
    assert "2025年第1季度" in text and "收件 2 件" in text


def test_unreachable_database_is_reported_in_chinese(monkeypatch):
    monkeypatch.setenv("INDICATORS_DB_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    done = run("batches")
    assert done.returncode == 1 and "无法访问数据库" in done.stderr and "Traceback" not in done.stderr
