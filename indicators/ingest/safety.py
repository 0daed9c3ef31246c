"""Refuse hostile or broken files before any parser sees them: cheap checks, bounded memory.

Sizes come from the zip directory first, then every member is decompressed as a stream with a hard
cap at the size its directory entry declares (a directory that lies is caught there, or by its CRC),
and every member is scanned for DOCTYPE and entity declarations, whatever its name: the workbook's
relationships, not the name, decide which part a reader parses as a sheet. Only a file known to be
sane reaches the spreadsheet readers, and they then run under the cell and memory limits below.
"""

from __future__ import annotations

import codecs
import io
import struct
import zipfile
import zlib
from collections.abc import Iterator
from enum import StrEnum
from pathlib import PurePath

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
RATIO_CHECK_FROM_BYTES = 1024 * 1024
MAX_RATIO = 100
# What a reader may build from a file that passed the checks above (reading.py enforces them).
MAX_CELLS = 2_000_000  # all sheets together, counted from A1 to the farthest cell with a value
MAX_COLUMNS = 1_000  # per sheet; ledgers have dozens
MAX_SHEETS = 200  # a reader's time grows faster than the number of sheets
MAX_PARSE_BYTES = 1536 * 1024 * 1024  # memory (address space) the parser child may take beyond its start
MAX_PARSE_SECONDS = 60
_CHUNK = 1024 * 1024

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
_XML_MARKERS = tuple(
    marker.encode(enc) for marker in ("<!DOCTYPE", "<!ENTITY") for enc in ("ascii", "utf-16-le", "utf-16-be")
)
_ENCRYPTED_OOXML = "EncryptedPackage".encode("utf-16-le")
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# Files people upload by mistake, by their first bytes, as the refusal names them.
_OTHER_FORMATS = (
    (b"%PDF-", "PDF 文档"),
    (b"\x89PNG\r\n\x1a\n", "PNG 图片"),
    (b"\xff\xd8\xff", "JPEG 图片"),
    (b"GIF87a", "GIF 图片"),
    (b"GIF89a", "GIF 图片"),
    (b"Rar!\x1a\x07", "RAR 压缩包"),
    (b"7z\xbc\xaf\x27\x1c", "7z 压缩包"),
    (b"\x1f\x8b", "gzip 压缩包"),
    (b"{\\rtf", "RTF 文档"),
)
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".et")
TEXT_SUFFIXES = (".csv", ".txt")
_RESAVE = "请在 Excel/WPS 中打开后另存为 .xlsx 再上传。"
_DECRYPT = "请在 Excel/WPS 中取消密码后另存再上传。"
_BOMB = "已拒绝（疑似压缩炸弹）。"


class Format(StrEnum):
    XLSX = "xlsx"
    XLS = "xls"
    CSV = "csv"


class Rejected(Exception):
    """A file refused as a whole; the message is for the user, in Chinese."""


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB"


def check_size(size: int) -> None:
    """Refuse a file over the size limit before reading it."""
    if size > MAX_FILE_BYTES:
        raise Rejected(f"文件大小 {size / 1024 / 1024:.1f} MB，超过 {_mb(MAX_FILE_BYTES)} 的上限，请拆分后分批上传。")


def sniff(name: str, data: bytes) -> Format:
    """The file's real format from its content; the name only decides between text and refusal."""
    check_size(len(data))
    suffix = PurePath(name).suffix.lower()
    if suffix not in EXCEL_SUFFIXES + TEXT_SUFFIXES:
        raise Rejected(f"不支持的文件类型“{suffix or '无扩展名'}”，请上传 .xlsx、.xls 或 .csv 文件。")
    if not data:
        raise Rejected("文件是空的（0 字节）。")
    if data.startswith(ZIP_MAGIC) or data.startswith(b"PK\x05\x06"):
        check_zip(data)
        return Format.XLSX
    if data.startswith(OLE_MAGIC):
        if _ENCRYPTED_OOXML in data[: 4 * _CHUNK] or _ENCRYPTED_OOXML in data[-4 * _CHUNK :]:
            raise Rejected(f"工作簿设有打开密码（已加密），无法读取。{_DECRYPT}")
        return Format.XLS
    other = _other_format(data)
    if suffix in EXCEL_SUFFIXES:
        raise Rejected(f"文件扩展名是 {suffix}，但{_not_a_workbook(data, other)}")
    if other:
        raise Rejected(f"文件扩展名是 {suffix}，但内容是 {other}，不能按 CSV 读取。请上传 .xlsx、.xls 或 .csv 文件。")
    if b"\x00" in data[:4096] and not data.startswith(_UTF16_BOMS):
        raise Rejected("文件内容不是文本，不能按 CSV 读取。请上传 .xlsx、.xls 或 .csv 文件。")
    return Format.CSV


def _other_format(data: bytes) -> str | None:
    """The name of a well-known non-spreadsheet format the data starts like, if any."""
    return next((kind for magic, kind in _OTHER_FORMATS if data.startswith(magic)), None)


def _text_head(data: bytes) -> str | None:
    """The first characters of the data if it reads as text (UTF-8, GB18030 or UTF-16 with a BOM)."""
    head = data[:4096]
    if head.startswith(_UTF16_BOMS):
        return codecs.getincrementaldecoder("utf-16")(errors="replace").decode(head)
    if b"\x00" in head:
        return None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return codecs.getincrementaldecoder(encoding)().decode(head)
        except UnicodeDecodeError:
            continue
    return None


def _not_a_workbook(data: bytes, other: str | None) -> str:
    """What a file named as a workbook really holds, and what to do about it, in Chinese."""
    if other:
        return f"内容是 {other}，不是 Excel 工作簿。请上传 .xlsx、.xls 或 .csv 文件。"
    text = _text_head(data)
    if text is None:
        return f"内容无法识别，不是 Excel 工作簿（文件可能已损坏，或是其他类型的文件）。{_RESAVE}"
    if text.lstrip("\ufeff \t\r\n").startswith("<"):
        return f"内容是网页或 XML（常见于业务系统导出的“Excel”），不是 Excel 工作簿。{_RESAVE}"
    return f"内容是纯文本（可能是 CSV 文件），不是 Excel 工作簿。如果是 CSV，请把扩展名改为 .csv 后上传；否则{_RESAVE}"


def check_zip(data: bytes) -> None:
    """Refuse zip bombs, truncated or encrypted workbooks and XML with DOCTYPE or entities."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, NotImplementedError, EOFError, struct.error):
        raise Rejected("工作簿不完整或已损坏（压缩结构无法读取），请重新保存或重新导出后上传。") from None
    total = sum(m.file_size for m in members)
    if total > MAX_UNZIPPED_BYTES:
        raise Rejected(f"工作簿解压后将达 {_mb(total)}，超过 {_mb(MAX_UNZIPPED_BYTES)} 的上限，{_BOMB}")
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > RATIO_CHECK_FROM_BYTES and ratio > MAX_RATIO:
            raise Rejected(f"工作簿中的“{member.filename}”压缩比 {ratio:.0f} 倍，超过 {MAX_RATIO} 倍的上限，{_BOMB}")
        if member.flag_bits & 0x1:
            raise Rejected(f"工作簿已加密，无法读取。{_DECRYPT}")
    names = {m.filename for m in members}
    if "[Content_Types].xml" not in names:
        raise Rejected("压缩文件不是 Excel 工作簿（缺少 [Content_Types].xml），请上传 .xlsx、.xls 或 .csv 文件。")
    budget = MAX_UNZIPPED_BYTES
    for member in members:
        budget = _scan_member(data, member, budget)


_LOCAL_HEADER = struct.Struct("<4s5H3L2H")  # signature ... name length, extra length: 30 bytes


def _scan_member(data: bytes, member: zipfile.ZipInfo, budget: int) -> int:
    """Decompress one member as a stream, within its declared size and the budget, looking for XML declarations.

    Every member is scanned: a reader parses whatever part the workbook's relationships name as a sheet,
    so a name without .xml proves nothing. Its content is inflated here rather than through zipfile, so
    that a member holding more than its directory entry declares is refused as a lie the moment it
    passes that size, and a short or corrupt one for what it is.
    """
    name = member.filename
    seen, crc, tail = 0, 0, b""
    try:
        for chunk in _inflate(_stored_bytes(data, member), member.compress_type):
            seen += len(chunk)
            budget -= len(chunk)
            if seen > member.file_size:
                raise Rejected(
                    f"工作簿中的“{name}”解压后超过压缩目录所记录的 {member.file_size} 字节，"
                    f"目录与内容不符（文件被篡改或已损坏），{_BOMB}"
                )
            if budget < 0:
                raise Rejected(f"工作簿解压后超过 {_mb(MAX_UNZIPPED_BYTES)} 的上限，{_BOMB}")
            window = (tail + chunk).upper()
            if any(marker.upper() in window for marker in _XML_MARKERS):
                raise Rejected(f"工作簿中的“{name}”含有 DOCTYPE 或实体声明，出于安全原因拒绝读取。{_RESAVE}")
            tail = chunk[-32:]
            crc = zlib.crc32(chunk, crc)
    except (zlib.error, EOFError, struct.error):
        raise Rejected(f"工作簿不完整或已损坏（“{name}”无法解压），请重新保存或重新导出后上传。") from None
    if seen != member.file_size:
        raise Rejected(
            f"工作簿中的“{name}”解压后只有 {seen} 字节，与压缩目录所记录的 {member.file_size} 字节不符，"
            "目录与内容不符（文件被篡改或已损坏），请重新保存或重新导出后上传。"
        )
    if crc != member.CRC:
        raise Rejected(f"工作簿不完整或已损坏（“{name}”校验失败），请重新保存或重新导出后上传。")
    return budget


def _stored_bytes(data: bytes, member: zipfile.ZipInfo) -> memoryview:
    """The member's bytes as stored, found through its local header as every zip reader finds them."""
    fields = _LOCAL_HEADER.unpack_from(data, member.header_offset)
    if fields[0] != ZIP_MAGIC:
        raise EOFError(member.filename)
    start = member.header_offset + _LOCAL_HEADER.size + fields[-2] + fields[-1]
    stored = memoryview(data)[start : start + member.compress_size]
    if len(stored) < member.compress_size:
        raise EOFError(member.filename)
    return stored


def _inflate(stored: memoryview, method: int) -> Iterator[bytes]:
    """The member's content in chunks of at most 1 MB; only Excel's methods, stored and deflate, are read."""
    if method == zipfile.ZIP_STORED:
        for start in range(0, len(stored), _CHUNK):
            yield bytes(stored[start : start + _CHUNK])
        return
    if method != zipfile.ZIP_DEFLATED:
        raise Rejected(f"工作簿使用了 Excel/WPS 不会使用的压缩方式（编号 {method}），无法安全读取。{_RESAVE}")
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    fed = 0
    while not inflater.eof:
        if inflater.unconsumed_tail:
            chunk = inflater.decompress(inflater.unconsumed_tail, _CHUNK)
        elif fed < len(stored):
            chunk = inflater.decompress(stored[fed : fed + _CHUNK], _CHUNK)
            fed += _CHUNK
        else:
            raise EOFError("deflate stream ends early")
        if chunk:
            yield chunk


def check_sheet_count(count: int) -> None:
    """Refuse a workbook with more sheets than a reader goes through in seconds."""
    if count > MAX_SHEETS:
        raise Rejected(
            f"工作簿有 {count:,} 个工作表，超过 {MAX_SHEETS} 个的上限，已拒绝。请删除无关的工作表，或拆分为几个文件分批上传。"
        )


def check_extent(extents: list[tuple[str, int, int]]) -> None:
    """Refuse sheets, given as (name, rows, columns), wider or larger together than a reader handles in seconds.

    Rows and columns count from A1 to the farthest cell with a value, as the reader lays a sheet out:
    a single stray value far away (XFD1048576) makes a tiny file span billions of cells.
    """
    total = 0
    for sheet, rows, columns in extents:
        where = f"工作表“{sheet}”" if sheet else "文件"
        if columns > MAX_COLUMNS:
            raise Rejected(
                f"{where}的数据区域宽达 {columns:,} 列，超过 {MAX_COLUMNS:,} 列的上限，已拒绝。"
                "请删除右侧远处无用的单元格（在 Excel/WPS 中按 Ctrl+End 可定位到最后一个单元格）后另存再上传。"
            )
        total += rows * columns
        if total > MAX_CELLS:
            raise Rejected(
                f"{where}的数据区域达 {rows:,} 行 × {columns:,} 列，全部工作表合计超过 {MAX_CELLS:,} 个单元格的上限，"
                "已拒绝。请删除远处无用的单元格（按 Ctrl+End 可定位到最后一个单元格），或拆分为几个文件分批上传。"
            )
