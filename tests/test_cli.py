"""The command line of kpis.md, run in process (`main(argv)`) where a subprocess proves nothing more."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from indicators.cli import main
from ledgers import CASE_HEADER, PETITION_HEADER, case, csv_bytes, petition, xlsx_bytes

ROOT = Path(__file__).resolve().parent.parent


def run(capsys, *args: str) -> tuple[int, str, str]:
    """Run the command line in this process: (exit status, stdout, stderr)."""
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def kpis(capsys, *args: str) -> dict:
    status, out, err = run(capsys, "kpis", *args, "--json")
    assert status == 0, err
    return json.loads(out)


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


def test_import_kpis_batches_rollback_round_trip(db_url, ledgers, capsys):
    status, out, _ = run(capsys, "import", str(ledgers["good"]), str(ledgers["cases"]))
    assert status == 0 and "信访：新增 2" in out
    result = kpis(capsys, "--period", "2025Q1")
    assert list(result) == ["period", "start", "end", "unit", "petitions", "litigation", "training"]
    assert list(result["petitions"]) == ["total", "by_channel", "closed", "closure_rate", "on_time", "on_time_rate"]
    assert list(result["litigation"]) == [
        "cases",
        "by_type",
        "concluded",
        "lost",
        "loss_rate",
        "hearings",
        "head_appearances",
        "head_appearance_rate",
    ]
    assert list(result["training"]) == ["sessions", "by_type", "participants", "hours"]
    assert result["petitions"]["total"] == 2 and result["litigation"]["head_appearance_rate"] == 1.0
    _, out, _ = run(capsys, "batches", "--json")
    [entry] = json.loads(out)
    for key in ("id", "created_at", "label", "files", "added", "updated", "unchanged", "rolled_back"):
        assert key in entry
    assert [f["name"] for f in entry["files"]] == ["good.xlsx", "cases.xlsx"]
    assert all(len(f["sha256"]) == 64 for f in entry["files"])
    assert (entry["added"], entry["updated"], entry["unchanged"], entry["rolled_back"]) == (3, 0, 0, False)
    assert run(capsys, "rollback", str(entry["id"]))[0] == 0
    assert kpis(capsys, "--period", "2025Q1")["petitions"]["total"] == 0
    assert json.loads(run(capsys, "batches", "--json")[1])[0]["rolled_back"] is True
    status, _, err = run(capsys, "rollback", str(entry["id"]))
    assert status == 1 and "不能重复撤销" in err


def test_bad_input_exits_1_with_the_full_report_and_stores_nothing(db_url, ledgers, capsys):
    status, out, err = run(capsys, "import", str(ledgers["good"]), str(ledgers["bad"]))
    assert status == 1 and not out
    assert "本批次未保存任何数据" in err
    lines = err.splitlines()
    assert any("bad.xlsx" in ln and "第 2 行" in ln and "“收件日期”列" in ln and "2025-13-45" in ln for ln in lines)
    assert any("bad.xlsx" in ln and "第 3 行" in ln and "“来源渠道”列" in ln and "必填项为空" in ln for ln in lines)
    assert json.loads(run(capsys, "batches", "--json")[1]) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["import", "no-such-file.xlsx"], "找不到文件"),
        (["kpis", "--period", "2025Q9", "--json"], "无法识别的期间"),
        (["rollback", "42"], "批次 42 不存在"),
        (["import", "--label", "长" * 201, "README.md"], "批次说明内容过长"),
    ],
)
def test_user_mistakes_get_a_chinese_message_not_a_traceback(db_url, args, message, capsys, tmp_path):
    if args[0] == "import" and args[-1] == "README.md":
        path = tmp_path / "信访.xlsx"
        path.write_bytes(xlsx_bytes({"信访": [PETITION_HEADER, petition("XF-1")]}))
        args = [*args[:-1], str(path)]
    status, _, err = run(capsys, *args)
    assert status == 1 and message in err and "Traceback" not in err


def test_unit_option_and_text_output(db_url, ledgers, capsys):
    run(capsys, "import", str(ledgers["good"]))
    assert kpis(capsys, "--period", "2025", "--unit", "本单位")["petitions"]["total"] == 2
    assert kpis(capsys, "--period", "2025", "--unit", "别的单位")["petitions"]["total"] == 0
    _, text, _ = run(capsys, "kpis", "--period", "2025Q1")
    assert "2025年第1季度" in text and "收件 2 件" in text


def test_unreachable_database_is_reported_in_chinese(monkeypatch, capsys):
    monkeypatch.setenv("INDICATORS_DB_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    status, _, err = run(capsys, "batches")
    assert status == 1 and "无法访问数据库" in err and "Traceback" not in err


# --- what reaches the terminal ---------------------------------------------------------------------

TERMINAL_ATTACKS = ("\x1b]0;被改了标题\x07", "\x1b[2J", "\u202e")


def test_cell_values_and_file_names_reach_the_terminal_as_text(db_url, tmp_path, capsys):
    hostile = tmp_path / "台账\x1b]0;被改了标题\x07.csv"
    hostile.write_bytes(csv_bytes([PETITION_HEADER, petition("XF-1", unit="法规科")]))
    status, _, err = run(capsys, "import", str(hostile))
    assert status == 1 and "文件名含有不可见的控制字符（U+001B）" in err, "a name the store could not keep"
    assert "\\u001b]0;被改了标题\\u0007" in err

    reversed_name = tmp_path / "台账\u202egpj.csv"  # shows as 台账vsc.jpg where bidi overrides are obeyed
    reversed_name.write_bytes(hostile.read_bytes())
    status, _, reversed_err = run(capsys, "import", str(reversed_name))
    assert status == 1 and "U+202E" in reversed_err and "台账\\u202egpj.csv" in reversed_err

    labelled = tmp_path / "好.csv"
    labelled.write_bytes(hostile.read_bytes())
    status, out, _ = run(capsys, "import", "--label", "一季度", str(labelled))
    assert status == 0
    _, listing, _ = run(capsys, "batches")
    forged = run(capsys, "import", "--label", "Q1\n批次 99 伪造（已撤销）", str(labelled))
    assert forged[0] == 1 and "批次说明只能写一行" in forged[2], "a label cannot forge a line of a listing"

    bad = tmp_path / "坏.csv"
    bad.write_bytes(csv_bytes([PETITION_HEADER, *(petition(f"OK-{i}") for i in range(150)), petition("XF\x1b[2J")]))
    status, _, report = run(capsys, "import", str(bad))
    assert status == 1 and "XF\\u001b[2J" in report
    for text in (out, err, reversed_err, listing, report):
        assert not any(attack in text for attack in TERMINAL_ATTACKS), text


def test_a_successful_import_piped_into_head_ends_quietly(db_url, ledgers):
    """A real pipe that the reader closes early: the only way to see what Python prints at exit."""
    command = f"{sys.executable} -m indicators import {ledgers['good']} {ledgers['cases']} | head -1"
    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c", command], cwd=ROOT, capture_output=True, text=True, env=os.environ.copy()
    )
    assert done.stdout.startswith("导入成功：批次 1")
    assert done.returncode == 0 and done.stderr == "", done.stderr


def test_a_unit_with_no_record_is_said_beside_the_zeros(db_url, ledgers, capsys):
    run(capsys, "import", str(ledgers["good"]))
    status, out, err = run(capsys, "kpis", "--period", "2025", "--unit", "法规课", "--json")
    assert status == 0 and json.loads(out)["petitions"]["total"] == 0, "the JSON stays valid on stdout"
    assert "没有任何记录属于单位“法规课”" in err and "现有单位：本单位" in err


def test_rollback_says_what_happened_to_the_records(db_url, tmp_path, capsys):
    first, second = tmp_path / "一.xlsx", tmp_path / "二.xlsx"
    first.write_bytes(xlsx_bytes({"信访": [PETITION_HEADER, petition("XF-1"), petition("XF-2")]}))
    second.write_bytes(xlsx_bytes({"信访": [PETITION_HEADER, petition("XF-1", channel="来信来访"), petition("XF-3")]}))
    run(capsys, "import", str(first))
    run(capsys, "import", str(second))
    status, out, _ = run(capsys, "rollback", "2")
    assert status == 0 and "信访：已删除 1 条，恢复为之前版本 1 条" in out


def test_file_names_in_gbk_are_read_as_their_owner_wrote_them(db_url, tmp_path, capsys):
    name = "信访台账.csv".encode("gbk")  # as unpacked from a zip made on a Chinese Windows
    path = Path(os.fsdecode(bytes(tmp_path) + b"/" + name))
    path.write_bytes(csv_bytes([PETITION_HEADER, petition("XF-1")]))
    status, _, err = run(capsys, "import", str(path))
    assert status == 0, err
    assert json.loads(run(capsys, "batches", "--json")[1])[0]["files"][0]["name"] == "信访台账.csv"


@pytest.mark.parametrize("args", [["rollback", "99999999999999999999"], ["rollback", "abc"], ["kpis"]])
def test_wrong_arguments_are_answered_in_chinese(db_url, capsys, args):
    try:
        status = main(args)
    except SystemExit as exit_:
        status = exit_.code
    err = capsys.readouterr().err
    assert status in (1, 2) and "错误：" in err and "Traceback" not in err
    assert not any(word in err for word in ("invalid int", "required", "usage"))


def with_stdin(monkeypatch, text: str) -> None:
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO(text))


def test_users_make_the_first_admin_then_others_list_change_and_disable_them(db_url, capsys, monkeypatch):
    with_stdin(monkeypatch, "first admin pass\n")
    assert (
        run(capsys, "users", "add", "chief", "--role", "admin", "--password-stdin")[1]
        == "已新增用户“chief”（管理员）。\n"
    )
    with_stdin(monkeypatch, "editor password 1\n")
    assert run(capsys, "users", "add", "fagui", "--role", "editor", "--unit", "法规科", "--password-stdin")[0] == 0
    out = run(capsys, "users", "list", "--json")[1]
    listed = {u["name"]: (u["role"], u["units"], u["disabled"]) for u in json.loads(out)}
    assert listed == {"chief": ("admin", [], False), "fagui": ("editor", ["法规科"], False)}
    assert "password" not in out and "argon2" not in out
    with_stdin(monkeypatch, "another pass 22\n")
    assert run(capsys, "users", "passwd", "fagui", "--password-stdin")[0] == 0
    assert run(capsys, "users", "disable", "fagui")[1] == "已停用用户“fagui”。\n"
    from indicators.store import make_engine, users

    engine = make_engine(db_url)
    with pytest.raises(users.SignInRefused):
        users.sign_in(engine, "fagui", "another pass 22", "10.0.0.1")
    assert users.sign_in(engine, "chief", "first admin pass", "10.0.0.1").name == "chief"
    engine.dispose()


@pytest.mark.parametrize(
    "args, stdin, message",
    [
        (["users", "add", "x", "--role", "viewer", "--password-stdin"], "short\n", "密码长度应为 10 至 256 个字符"),
        (["users", "add", "x", "--role", "editor", "--password-stdin"], "long enough 123\n", "至少要授权一个单位"),
        (["users", "add", "x", "--role", "viewer"], "", "请用 --password-stdin"),
        (["users", "disable", "nobody"], "", "没有名为“nobody”的用户"),
    ],
)
def test_user_commands_refuse_in_chinese(db_url, capsys, monkeypatch, args, stdin, message):
    with_stdin(monkeypatch, stdin)
    code, _, err = run(capsys, *args)
    assert code == 1 and message in err and "Traceback" not in err


def test_audit_lists_what_happened_newest_first(db_url, ledgers, capsys, monkeypatch):
    with_stdin(monkeypatch, "first admin pass\n")
    run(capsys, "users", "add", "chief", "--role", "admin", "--password-stdin")
    run(capsys, "import", str(ledgers["good"]))
    run(capsys, "rollback", "1")
    code, out, _ = run(capsys, "audit", "--json")
    rows = json.loads(out)
    assert code == 0 and [r["action"] for r in rows] == ["rollback", "import", "upload_checked", "user_added"]
    assert rows[0]["detail"] == {"batch": 1} and rows[1]["actor"].startswith("命令行")
    code, out, _ = run(capsys, "audit", "--action", "import")
    assert code == 0 and out.count("\n") == 1 and "导入批次" in out


def test_audit_names_the_actions_there_are_when_asked_for_one_that_is_not(db_url, capsys):
    code, out, err = run(capsys, "audit", "--action", "新增用户")
    assert code == 1 and out == "" and "没有这种操作：新增用户" in err and "user_added（新增用户）" in err


@pytest.mark.parametrize("command", [[], ["kpis"], ["import"], ["report"], ["users", "add"]])
def test_help_is_chinese_with_no_argparse_english(command, capsys):
    with pytest.raises(SystemExit) as ended:
        main([*command, "--help"])
    assert ended.value.code == 0
    shown = capsys.readouterr().out
    assert shown.startswith("用法：python -m indicators"), shown
    assert "显示本帮助并退出" in shown
    for english in ("usage", "positional arguments", "options:", "show this help"):
        assert english not in shown, english


def test_report_writes_each_format_of_the_briefing(db_url, ledgers, capsys, tmp_path):
    """`report --period P [--unit U] --format docx|pptx|md -o FILE`: the file is written whole, its
    figures those of `kpis`, and mistakes are refused in Chinese without a file."""
    assert run(capsys, "import", str(ledgers["good"]), str(ledgers["cases"]))[0] == 0
    k = kpis(capsys, "--period", "2025Q1")
    out = tmp_path / "简报.md"
    code, said, err = run(capsys, "report", "--period", "2025Q1", "--format", "md", "-o", str(out))
    assert code == 0 and "已生成2025年第1季度简报（md" in said, err
    text = out.read_text(encoding="utf-8")
    assert f"2025年第1季度我局共收信访{k['petitions']['total']}件，均为《民呼我为》交办2件。" in text
    assert not list(tmp_path.glob("*.part")) and not list(tmp_path.glob(".*.part")), "no half file is left beside it"
    (tmp_path / "victim.txt").write_text("keep", encoding="utf-8")
    (tmp_path / "link.md").symlink_to(tmp_path / "victim.txt")
    code, _, err = run(capsys, "report", "--period", "2025Q1", "--format", "md", "-o", str(tmp_path / "link.md"))
    assert code == 1 and "不是普通文件" in err and (tmp_path / "victim.txt").read_text(encoding="utf-8") == "keep"
    for fmt, magic in (("docx", b"PK"), ("pptx", b"PK")):
        path = tmp_path / f"简报.{fmt}"
        assert run(capsys, "report", "--period", "2025Q1", "--unit", "本单位", "--format", fmt, "-o", str(path))[0] == 0
        assert path.read_bytes()[:2] == magic
    code, _, err = run(capsys, "report", "--period", "2025Q1", "--unit", "无此单位", "--format", "md", "-o", str(out))
    assert code == 1 and "没有任何记录属于单位“无此单位”" in err
    code, _, err = run(capsys, "report", "--period", "2025Q5", "--format", "md", "-o", str(tmp_path / "x.md"))
    assert code == 1 and err.startswith("错误：") and not (tmp_path / "x.md").exists()
    code, _, err = run(capsys, "report", "--period", "2025Q1", "--format", "docx", "-o", str(tmp_path / "x.pptx"))
    assert code == 1 and "扩展名应为 .docx" in err and not (tmp_path / "x.pptx").exists()
    code, _, err = run(capsys, "report", "--period", "2025Q1", "--format", "md", "-o", str(tmp_path / "无/x.md"))
    assert code == 1 and "不存在" in err
    code, _, err = run(capsys, "report", "--period", "2025Q1", "--unit", "", "--format", "md", "-o", str(out))
    assert code == 0 and "我局共收信访" in out.read_text(encoding="utf-8"), "--unit '' is every unit"
    with pytest.raises(SystemExit):
        main(["report", "--period", "2025Q1", "--format", "pdf", "-o", str(tmp_path / "x.pdf")])
    err = capsys.readouterr().err
    assert "无效的取值" in err and "choose" not in err, err
