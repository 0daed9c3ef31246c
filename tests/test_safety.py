"""The spec's "Limits" (docs/data-format.md): hostile and broken files are refused before parsing,
in seconds and in bounded memory, each with its own clear message in Chinese, and nothing is stored.

Zip bombs are built in milliseconds: a zip written byte by byte declares whatever sizes a test needs,
and a megabyte of spaces compresses to one deflate block that repeats (each block starts afresh after
a full flush), so a gigabyte of content costs a megabyte of memory to build.
"""

from __future__ import annotations

import base64
import io
import json
import os
import random
import re
import struct
import subprocess
import sys
import time
import tracemalloc
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import defusedxml
import openpyxl.xml
import pytest
import xlwt
from msoffcrypto.format.ooxml import OOXMLFile
from openpyxl import load_workbook

from indicators import cli
from indicators.ingest import safety
from indicators.ingest.reading import Upload, read_upload
from indicators.ingest.safety import Rejected
from indicators.schema import DATASETS
from indicators.store import Store
from indicators.store.importer import run_import
from ledgers import PETITION_HEADER, csv_bytes, petition, xls_bytes, xlsx_bytes

ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024
SHEET = "xl/worksheets/sheet1.xml"
SECONDS = 5.0  # "refused in seconds", with room for a loaded CI machine
PYTHON_MB = 64  # what the refusals themselves may allocate, the hostile file aside


def ledger_rows() -> list[list[object]]:
    return [PETITION_HEADER, petition("XF-1"), petition("XF-2")]


def ledger_xlsx() -> bytes:
    return xlsx_bytes({"信访台账": ledger_rows()})


def ledger_xls() -> bytes:
    return xls_bytes({"信访台账": ledger_rows()})


# --- zip archives written byte by byte ----------------------------------------------------------------


@dataclass
class Member:
    """One zip member as stored, with the sizes and CRC its headers declare (true or not)."""

    name: str
    payload: bytes
    size: int
    crc: int
    method: int = zipfile.ZIP_DEFLATED


def deflated(data: bytes) -> bytes:
    squeeze = zlib.compressobj(6, zlib.DEFLATED, -15)
    return squeeze.compress(data) + squeeze.flush()


def honest(name: str, data: bytes) -> Member:
    return Member(name, deflated(data), len(data), zlib.crc32(data))


def spaces(megabytes: int, before: bytes = b"") -> bytes:
    """Raw deflate of `before` and then `megabytes` MB of spaces, from one compressed block repeated."""
    squeeze = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = squeeze.compress(before) + squeeze.flush(zlib.Z_FULL_FLUSH)
    block = squeeze.compress(b" " * MB) + squeeze.flush(zlib.Z_FULL_FLUSH)
    return head + block * megabytes + squeeze.flush()


def spaces_crc(megabytes: int, before: bytes = b"") -> int:
    crc = zlib.crc32(before)
    block = b" " * MB
    for _ in range(megabytes):
        crc = zlib.crc32(block, crc)
    return crc


def zip_of(members: list[Member]) -> bytes:
    """A zip archive whose local headers and directory declare what the members say."""
    out, directory = bytearray(), bytearray()
    for m in members:
        name = m.name.encode()
        offset = len(out)
        sizes = (m.crc, len(m.payload), m.size, len(name))
        out += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0x800, m.method, 0, 0x21, *sizes, 0) + name + m.payload
        directory += struct.pack(
            "<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0x800, m.method, 0, 0x21, *sizes, 0, 0, 0, 0, 0, offset
        )
        directory += name
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members), len(directory), len(out), 0)
    return bytes(out + directory + end)


def parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def workbook_with(changes: dict[str, bytes | None], extra: list[Member] = ()) -> bytes:
    """The ledger workbook with parts replaced, added or (None) removed, the others as openpyxl wrote them."""
    original = parts(ledger_xlsx())
    members = [honest(name, changes.get(name, data)) for name, data in original.items() if changes.get(name, data)]
    members += [honest(name, data) for name, data in changes.items() if name not in original and data is not None]
    return zip_of([*members, *extra])


def sheet_xml() -> bytes:
    return parts(ledger_xlsx())[SHEET]


# --- what every refusal must satisfy --------------------------------------------------------------------

# Latin words a Chinese message may hold: format, product and key names.
_ALLOWED_LATIN = {
    "DOCTYPE",
    "Excel",
    "WPS",
    "xlsx",
    "xls",
    "csv",
    "CSV",
    "PDF",
    "PNG",
    "XML",
    "UTF",
    "Ctrl",
    "End",
    "MB",
}


def assert_chinese(message: str) -> None:
    """A message users can act on: Chinese sentences, no English error text, no traceback."""
    assert re.search(r"[\u4e00-\u9fff]{4}", message), message
    assert "Traceback" not in message and "Error" not in message, message
    outside_quotes = re.sub(r"“[^”]*”", "", message)
    latin = set(re.findall(r"[A-Za-z_]{3,}", outside_quotes)) - _ALLOWED_LATIN
    assert not latin, f"English words {latin} in: {message}"


def assert_untouched(store: Store) -> None:
    assert store.batches() == []
    for dataset in DATASETS:
        assert store.records(dataset).empty, dataset.id


def refusal(upload: Upload) -> str:
    """The one message `read_upload` refuses the file with."""
    with pytest.raises(Rejected) as refused:
        read_upload(upload)
    return str(refused.value)


def assert_refused(store: Store, upload: Upload, *fragments: str) -> str:
    """The upload is refused as a whole, quickly, in little memory, with one message; nothing is stored."""
    tracemalloc.start()
    start = time.monotonic()
    try:
        outcome = run_import(store, [upload])
        seconds = time.monotonic() - start
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert not outcome.ok
    assert len(outcome.problems) == 1, [p.message for p in outcome.problems]
    problem = outcome.problems[0]
    assert problem.file == upload.name
    for fragment in fragments:
        assert fragment in problem.message, problem.message
    assert_chinese(problem.message)
    assert seconds < SECONDS, f"{seconds:.1f} s"
    assert peak < PYTHON_MB * MB, f"{peak / MB:.0f} MB allocated"
    assert_untouched(store)
    return problem.message


# --- zip bombs ---------------------------------------------------------------------------------------------


def ratio_bomb() -> bytes:
    """A sheet over 1 MB padded with a run of spaces: 2 MB expanding about a thousand times."""
    padded = sheet_xml().replace(b"</worksheet>", b" " * (2 * MB) + b"</worksheet>")
    return workbook_with({SHEET: padded})


def total_bomb() -> bytes:
    """201 members of exactly 1 MB each (none over the ratio threshold), 201 MB together."""
    payload, crc = spaces(1), spaces_crc(1)
    extra = [Member(f"xl/media/image{i}.bin", payload, MB, crc) for i in range(201)]
    return workbook_with({}, extra)


def lying_bomb(megabytes: int, crc_of: str) -> bytes:
    """A sheet whose directory declares its real XML only, while `megabytes` MB of spaces follow it.

    crc_of="declared" forges the CRC of the declared bytes, so that only the length gives the lie away.
    """
    xml = sheet_xml()
    crc = zlib.crc32(xml) if crc_of == "declared" else spaces_crc(megabytes, xml)
    lie = Member(SHEET, spaces(megabytes, before=xml), len(xml), crc)
    members = [honest(name, data) for name, data in parts(ledger_xlsx()).items() if name != SHEET]
    return zip_of([*members, lie])


def test_a_member_expanding_more_than_100_times_is_refused(store):
    data = ratio_bomb()
    assert len(data) < 64 * 1024
    message = assert_refused(store, Upload("炸弹.xlsx", data), "压缩比", "100 倍", SHEET)
    assert "疑似压缩炸弹" in message


def test_members_expanding_beyond_200_mb_together_are_refused(store):
    data = total_bomb()
    assert len(data) < 2 * MB
    assert_refused(store, Upload("炸弹.xlsx", data), "解压后将达 201 MB", "200 MB 的上限")


@pytest.mark.parametrize("crc_of", ["real", "declared"])
def test_a_directory_that_lies_about_sizes_is_refused_while_decompressing(store, crc_of):
    data = lying_bomb(1024 if crc_of == "declared" else 64, crc_of)
    assert len(data) < 2 * MB
    assert_refused(store, Upload("炸弹.xlsx", data), SHEET, "目录与内容不符")


def sheet_member(**declared: int) -> bytes:
    """The ledger workbook with its sheet's header fields changed to `declared` (crc, size, method)."""
    sheet = honest(SHEET, sheet_xml())
    for field, value in declared.items():
        setattr(sheet, field, value)
    members = [honest(name, data) for name, data in parts(ledger_xlsx()).items() if name != SHEET]
    return zip_of([*members, sheet])


@pytest.mark.parametrize(
    ("declared", "fragment"),
    [
        ({"crc": 0x1234}, "校验失败"),
        ({"size": 100_000}, "目录与内容不符"),
        ({"method": zipfile.ZIP_BZIP2}, "压缩方式"),
    ],
    ids=["wrong-crc", "declared-larger", "bzip2"],
)
def test_a_member_that_is_not_what_its_directory_says_is_refused(store, declared, fragment):
    assert_refused(store, Upload("台账.xlsx", sheet_member(**declared)), fragment)


def test_a_good_file_and_a_bomb_in_one_upload_store_nothing(store):
    good, bomb = Upload("台账.xlsx", ledger_xlsx()), Upload("炸弹.xlsx", ratio_bomb())
    outcome = run_import(store, [good, bomb])
    assert not outcome.ok
    assert [p.file for p in outcome.problems] == ["炸弹.xlsx"]
    assert_untouched(store)


# --- XML with a DOCTYPE or entity declarations (billion laughs) ---------------------------------------------

LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol0 "lol">'
    + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    + "]>\n"
)


def with_laughs(xml: bytes, encoding: str = "UTF-8", used: bool = True) -> bytes:
    """The part with a billion-laughs DOCTYPE in front and (if `used`) the largest entity in a cell."""
    text = f'<?xml version="1.0" encoding="{encoding}"?>\n{LAUGHS}' + xml.decode()
    text = text.replace("XF-1", "&lol9;") if used else text
    return text.encode("utf-16" if encoding == "UTF-16" else "utf-8")


def sheet_renamed(xml: bytes) -> dict[str, bytes | None]:
    """The sheet stored as sheet1.bin: readers open the part the relationships name, whatever its name."""
    original = parts(ledger_xlsx())
    renamed = {
        name: data.replace(b"worksheets/sheet1.xml", b"worksheets/sheet1.bin")
        for name, data in original.items()
        if name in ("[Content_Types].xml", "xl/_rels/workbook.xml.rels")
    }
    return {**renamed, "xl/worksheets/sheet1.bin": xml, SHEET: None}


def shared_strings(xml: bytes) -> dict[str, bytes]:
    original = parts(ledger_xlsx())
    rel = (
        b'<Relationship Id="rId9" Target="sharedStrings.xml" Type="http://schemas.openxmlformats.org/'
        b'officeDocument/2006/relationships/sharedStrings"/></Relationships>'
    )
    override = (
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
    )
    return {
        "xl/_rels/workbook.xml.rels": original["xl/_rels/workbook.xml.rels"].replace(b"</Relationships>", rel),
        "[Content_Types].xml": original["[Content_Types].xml"].replace(b"</Types>", override),
        "xl/sharedStrings.xml": xml,
    }


SST = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>XF-1</t></si></sst>'


def doctype_across_chunks() -> bytes:
    """The DOCTYPE straddles the scanner's 1 MB chunks, behind an incompressible comment."""
    laughs = with_laughs(sheet_xml())
    declaration, rest = laughs.split(b"\n", 1)
    noise = base64.b64encode(random.Random(7).randbytes(MB))[: MB - 4 - len(declaration) - 1 - 7]
    data = declaration + b"\n<!--" + noise + b"-->" + rest
    assert data.index(b"<!DOCTYPE") == MB - 4
    return data


DOCTYPE_PARTS: dict[str, Callable[[], dict[str, bytes | None]]] = {
    "sheet": lambda: {SHEET: with_laughs(sheet_xml())},
    "sheet in UTF-16": lambda: {SHEET: with_laughs(sheet_xml(), "UTF-16")},
    # declared, not used: calamine reads such a sheet as it is, so only the scan can refuse it
    "sheet not named .xml": lambda: sheet_renamed(with_laughs(sheet_xml(), used=False)),
    "sheet, entities unused": lambda: {SHEET: with_laughs(sheet_xml(), used=False)},
    "shared strings": lambda: shared_strings(with_laughs(SST)),
    "across 1 MB chunks": lambda: {SHEET: doctype_across_chunks()},
}


@pytest.mark.parametrize("where", DOCTYPE_PARTS)
def test_xml_with_a_doctype_or_entities_is_refused(store, where):
    data = workbook_with(DOCTYPE_PARTS[where]())
    assert_refused(store, Upload("台账.xlsx", data), "DOCTYPE 或实体声明")


def test_a_sheet_part_not_named_xml_is_really_read_as_the_sheet(store):
    """Why every member is scanned: without the DOCTYPE, the renamed part imports as the ledger."""
    outcome = run_import(store, [Upload("台账.xlsx", workbook_with(sheet_renamed(sheet_xml())))])
    assert outcome.ok, [p.message for p in outcome.problems]
    assert len(store.records(DATASETS[0])) == 2


def test_defusedxml_guards_openpyxl():
    """openpyxl writes the templates; should it ever read a workbook, defusedxml refuses entities."""
    assert openpyxl.xml.DEFUSEDXML is True
    with pytest.raises(ValueError) as refused:  # openpyxl wraps the parser's error in its own
        load_workbook(io.BytesIO(workbook_with({SHEET: with_laughs(sheet_xml())})))
    assert isinstance(refused.value.__cause__, defusedxml.EntitiesForbidden), repr(refused.value.__cause__)


# --- files that are not what their name says ----------------------------------------------------------------

HTML_TABLE = (
    '<html xmlns:x="urn:schemas-microsoft-com:office:excel">\n<head>'
    '<meta http-equiv="Content-Type" content="text/html; charset={charset}"></head>\n<body><table border="1">'
    + "<tr>"
    + "".join(f"<td>{h}</td>" for h in PETITION_HEADER)
    + "</tr><tr><td>1</td><td>XF-1</td><td>2025-01-05</td><td>民呼我为</td></tr></table></body></html>"
)
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00\x1f\xf3\xffa"


@pytest.mark.parametrize(
    ("name", "data", "fragment"),
    [
        ("台账.xlsx", csv_bytes(ledger_rows()), "纯文本（可能是 CSV 文件）"),
        ("台账.xlsx", csv_bytes(ledger_rows(), "gb18030"), "纯文本（可能是 CSV 文件）"),
        ("系统导出.xls", HTML_TABLE.format(charset="gb2312").encode("gb18030"), "网页或 XML"),
        ("系统导出.xls", HTML_TABLE.format(charset="utf-16").encode("utf-16"), "网页或 XML"),
        ("台账.xlsx", PDF, "PDF 文档"),
        ("台账.xlsx", PNG, "PNG 图片"),
    ],
    ids=["csv-as-xlsx", "gbk-csv-as-xlsx", "html-as-xls", "utf16-html-as-xls", "pdf-as-xlsx", "png-as-xlsx"],
)
def test_a_file_that_is_not_a_workbook_is_refused_whatever_its_name(store, name, data, fragment):
    assert_refused(store, Upload(name, data), fragment, "不是 Excel 工作簿")


@pytest.mark.parametrize(
    ("name", "data"), [("台账.xls", ledger_xlsx()), ("台账.xlsx", ledger_xls())], ids=["xlsx-as-xls", "xls-as-xlsx"]
)
def test_a_workbook_with_the_wrong_extension_is_read_by_its_content(store, name, data):
    outcome = run_import(store, [Upload(name, data)])
    assert outcome.ok, [p.message for p in outcome.problems]
    assert store.records(DATASETS[0])["petition_no"].tolist() == ["XF-1", "XF-2"]


# --- encrypted, truncated and random files ---------------------------------------------------------------------


def encrypted(data: bytes) -> bytes:
    out = io.BytesIO()
    OOXMLFile(io.BytesIO(data)).encrypt("Mima-2025", out)
    return out.getvalue()


def test_an_encrypted_workbook_is_refused(store):
    assert_refused(store, Upload("台账.xlsx", encrypted(ledger_xlsx())), "密码", "已加密")


def test_a_truncated_xlsx_is_refused(store):
    data = ledger_xlsx()
    assert_refused(store, Upload("台账.xlsx", data[: len(data) // 2]), "不完整或已损坏")


@pytest.mark.parametrize("cut", [1 / 2, 3 / 4, 11 / 12], ids=["half", "three-quarters", "eleven-twelfths"])
def test_a_truncated_xls_is_refused_without_a_panic_escaping(store, cut):
    """Cut past its first 4 KB, an .xls makes calamine panic: pyo3 raises that as a BaseException."""
    data = ledger_xls()
    assert_refused(store, Upload("台账.xls", data[: int(len(data) * cut)]), "无法读取", "不完整")


@pytest.mark.parametrize(
    ("name", "fragment"), [("台账.xlsx", "内容无法识别"), ("台账.csv", "不是文本")], ids=["as-xlsx", "as-csv"]
)
def test_random_bytes_are_refused(store, name, fragment):
    assert_refused(store, Upload(name, random.Random(20250105).randbytes(64 * 1024)), fragment)


# --- size ------------------------------------------------------------------------------------------------------


@pytest.fixture
def big_file(tmp_path) -> Path:
    """A 51 MB sparse file: no disk, and reading it would take 51 MB of memory."""
    path = tmp_path / "big.xlsx"
    with path.open("wb") as f:
        f.truncate(51 * MB)
    return path


def cli_run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "indicators", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=60,
    )


def test_the_cli_refuses_a_file_over_50_mb_by_its_size(db_url, big_file):
    start = time.monotonic()
    done = cli_run("import", str(big_file))
    assert done.returncode == 1
    assert "文件“big.xlsx”" in done.stderr and "超过 50 MB 的上限" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert_chinese(done.stderr)
    assert time.monotonic() - start < 20  # the interpreter's start included
    assert json.loads(cli_run("batches", "--json").stdout) == []


def test_the_cli_refuses_a_big_file_before_reading_it(db_url, big_file, monkeypatch, capsys):
    def no_reading(self: Path) -> bytes:
        raise AssertionError(f"{self} was read")

    monkeypatch.setattr(Path, "read_bytes", no_reading)
    assert cli.main(["import", str(big_file)]) == 1
    err = capsys.readouterr().err
    assert "超过 50 MB 的上限" in err and "Traceback" not in err


def test_an_upload_over_50_mb_in_memory_is_refused(store):
    data = bytes(safety.MAX_FILE_BYTES + 1)
    assert_refused(store, Upload("big.xlsx", data), "文件大小 50.0 MB", "超过 50 MB 的上限")


# --- one message per kind ----------------------------------------------------------------------------------------


def test_each_kind_of_hostile_file_has_its_own_message():
    files = {
        "too big": Upload("a.xlsx", bytes(safety.MAX_FILE_BYTES + 1)),
        "ratio": Upload("a.xlsx", ratio_bomb()),
        "total": Upload("a.xlsx", total_bomb()),
        "lying directory": Upload("a.xlsx", lying_bomb(64, "declared")),
        "doctype": Upload("a.xlsx", workbook_with({SHEET: with_laughs(sheet_xml())})),
        "text": Upload("a.xlsx", csv_bytes(ledger_rows())),
        "html": Upload("a.xls", HTML_TABLE.format(charset="utf-8").encode()),
        "pdf": Upload("a.xlsx", PDF),
        "png": Upload("a.xlsx", PNG),
        "encrypted": Upload("a.xlsx", encrypted(ledger_xlsx())),
        "truncated": Upload("a.xlsx", ledger_xlsx()[:2000]),
        "random": Upload("a.xlsx", random.Random(1).randbytes(4096)),
        "not text": Upload("a.csv", random.Random(1).randbytes(4096)),
        "parser memory": Upload("a.xlsx", sparse_xlsx()),
        "too many cells": Upload("a.xls", xls_with_cell_at(65535, 255)),
        "too many columns": Upload("a.xls", xls_with_cell_at(3, 65535)),
        "too many sheets": Upload("a.xlsx", many_sheets(201)),
        "csv too big": Upload("a.csv", b"a" + b"," * (safety.MAX_CELLS + 1)),
    }
    messages = {kind: refusal(upload) for kind, upload in files.items()}
    for message in messages.values():
        assert_chinese(message)
    assert len(set(messages.values())) == len(messages), json.dumps(messages, ensure_ascii=False, indent=1)


# --- memory and time, measured in a process of their own -----------------------------------------------------------

MEASURE = """
import json, resource, sys, time
from indicators.store.importer import run_import
from indicators.ingest.reading import Upload
from indicators.store import Store

store = Store()
files = []
for path in sys.argv[1:]:
    start = time.monotonic()
    outcome = run_import(store, [Upload.from_path(path)])
    files.append({"file": path, "seconds": time.monotonic() - start, "ok": outcome.ok,
                  "messages": [p.message for p in outcome.problems]})
# VmHWM is this interpreter's own peak (it starts afresh at exec); ru_maxrss also carries the peak
# of the process that started it (pytest), which says nothing about the file being refused.
with open("/proc/self/status") as status:
    hwm = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024
peak = lambda who: resource.getrusage(who).ru_maxrss / 1024
print(json.dumps({"files": files, "batches": len(store.batches()), "self_mb": hwm,
                  "inherited_mb": peak(resource.RUSAGE_SELF), "children_mb": peak(resource.RUSAGE_CHILDREN)}))
"""


def measure(paths: list[Path]) -> dict:
    """Import each file on its own in a fresh interpreter; its peak memory and each file's seconds."""
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, *map(str, paths)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    return json.loads(done.stdout)


def write(tmp_path: Path, files: dict[str, bytes]) -> list[Path]:
    paths = []
    for name, data in files.items():
        paths.append(tmp_path / name)
        paths[-1].write_bytes(data)
    return paths


def test_zip_bombs_are_refused_in_seconds_and_bounded_memory(db_url, tmp_path):
    paths = write(
        tmp_path,
        {
            "ratio.xlsx": ratio_bomb(),
            "total.xlsx": total_bomb(),
            "lie-1gb.xlsx": lying_bomb(1024, "declared"),
            "lie-crc.xlsx": lying_bomb(256, "real"),
            "laughs.xlsx": workbook_with({SHEET: with_laughs(sheet_xml())}),
        },
    )
    run = measure(paths)
    expected = ["压缩比", "解压后将达", "目录与内容不符", "目录与内容不符", "DOCTYPE"]
    for report, fragment in zip(run["files"], expected, strict=True):
        assert not report["ok"] and len(report["messages"]) == 1, report
        assert fragment in report["messages"][0], report
        assert report["seconds"] < SECONDS, report
    assert run["batches"] == 0
    assert run["self_mb"] < 300, run
    print(json.dumps({k: v for k, v in run.items() if k != "files"}), [round(f["seconds"], 3) for f in run["files"]])


# --- workbooks that pass every zip check but would make the parser explode ---------------------------------------------


def sparse_xlsx() -> bytes:
    """A 5 KB workbook with values in A1 and XFD1048576: 17 billion cells from A1, 550 GB as calamine lays them out."""
    far = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
    return workbook_with({SHEET: sheet_xml().replace(b"</sheetData>", far)})


def xls_with_cell_at(row: int, col: int) -> bytes:
    """A legacy workbook whose one number cell (an RK record) claims the given position."""
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("信访台账")
    for j, header in enumerate(PETITION_HEADER):
        sheet.write(0, j, header)
    sheet.write(3, 7, 12345.0)
    out = io.BytesIO()
    book.save(out)
    data = out.getvalue()
    rk = b"\x7e\x02\x0a\x00" + struct.pack("<HH", 3, 7)
    assert data.count(rk) == 1
    return data.replace(rk, rk[:4] + struct.pack("<HH", row, col))


def many_sheets(count: int) -> bytes:
    """`count` sheets that all name the ledger's one sheet part: thousands of sheets in a few kilobytes."""
    original = parts(ledger_xlsx())
    worksheet = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
    sheets = "".join(f'<sheet name="台账{i}" sheetId="{i}" r:id="rS{i}"/>' for i in range(1, count + 1))
    rels = "".join(f'<Relationship Id="rS{i}" Target="/{SHEET}" Type="{worksheet}"/>' for i in range(1, count + 1))
    workbook = re.sub(rb"<sheets>.*</sheets>", f"<sheets>{sheets}</sheets>".encode(), original["xl/workbook.xml"])
    relationships = original["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", f"{rels}</Relationships>".encode()
    )
    return workbook_with({"xl/workbook.xml": workbook, "xl/_rels/workbook.xml.rels": relationships})


def test_workbooks_that_would_blow_up_the_parser_are_refused_in_bounded_memory(db_url, tmp_path):
    paths = write(
        tmp_path,
        {
            "sparse.xlsx": sparse_xlsx(),
            "xls-65536x65536.xls": xls_with_cell_at(65535, 65535),
            "xls-65536x256.xls": xls_with_cell_at(65535, 255),
            "xls-4x65536.xls": xls_with_cell_at(3, 65535),
            "sheets-10000.xlsx": many_sheets(10_000),
            "commas.csv": ("信访编号,收件日期,来源渠道" + "," * (3 * MB) + "\r\n").encode(),
            "blank-lines.csv": ("信访编号,收件日期,来源渠道\r\n" + "\r\n" * (3 * MB)).encode(),
        },
    )
    run = measure(paths)
    for report in run["files"]:
        assert not report["ok"] and len(report["messages"]) == 1, report
        assert "上限" in report["messages"][0] and "已拒绝" in report["messages"][0], report
        assert_chinese(report["messages"][0])
        assert report["seconds"] < 15, report
    assert run["batches"] == 0
    assert run["self_mb"] < 300, run
    assert run["children_mb"] < max(run["self_mb"], run["inherited_mb"]) + safety.MAX_PARSE_BYTES / MB + 64, run
    print(json.dumps({k: v for k, v in run.items() if k != "files"}), [round(f["seconds"], 3) for f in run["files"]])


def test_the_parser_limits_are_where_their_messages_say():
    safety.check_sheet_count(safety.MAX_SHEETS)
    with pytest.raises(Rejected, match="201 个工作表"):
        safety.check_sheet_count(safety.MAX_SHEETS + 1)
    safety.check_extent([("甲", 1_000, 1_000), ("乙", 1_000_000, 1)])
    with pytest.raises(Rejected, match="宽达 1,001 列"):
        safety.check_extent([("甲", 1, 1_001)])
    with pytest.raises(Rejected, match="工作表“乙”的数据区域达 1,000,001 行 × 1 列"):
        safety.check_extent([("甲", 1_000, 1_000), ("乙", 1_000_001, 1)])
    with pytest.raises(Rejected, match="文件的数据区域"):
        safety.check_extent([("", 2_000_001, 1)])


# --- the parser child in a threaded server -----------------------------------------------------------------------


def test_the_parser_child_is_a_fresh_interpreter_never_a_fork_of_a_threaded_app(monkeypatch):
    """Streamlit serves sessions from threads; a fork() taken while another thread holds a lock can hang."""
    import threading

    from indicators.ingest import workbook

    def no_fork() -> int:
        raise AssertionError("the app must never fork itself")

    monkeypatch.setattr(os, "fork", no_fork)
    started = []
    real_popen = workbook.subprocess.Popen
    monkeypatch.setattr(workbook.subprocess, "Popen", lambda cmd, **kw: started.append(cmd) or real_popen(cmd, **kw))
    held, release = threading.Lock(), threading.Event()

    def busy() -> None:  # another session's thread, holding a lock for as long as the parse takes
        with held:
            release.wait(30)

    other = threading.Thread(target=busy)
    other.start()
    results = []
    worker = threading.Thread(target=lambda: results.append(read_upload(Upload("a.xlsx", ledger_xlsx()))))
    worker.start()
    worker.join(30)
    release.set()
    other.join()
    assert results and results[0].tables, "parsed while another thread held its lock"
    assert started and started[0][:2] == [sys.executable, "-E"] and "indicators.ingest.workbook" in started[0]


def test_a_zip_directory_naming_an_unknown_version_is_refused_in_chinese(store):
    data = bytearray(ledger_xlsx())
    entry = data.find(b"PK\x01\x02")
    data[entry + 6] = 0xFF  # "version needed to extract": zipfile raises NotImplementedError on it
    message = refusal(Upload("a.xlsx", bytes(data)))
    assert_chinese(message)
