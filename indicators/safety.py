"""Refuse hostile or broken files before any parser sees them: cheap checks, bounded memory.

Sizes come from the zip directory first, then every member is decompressed as a stream with a hard
cap (a directory that lies fails its length or CRC check), and XML members are scanned for DOCTYPE
and entity declarations, so the spreadsheet readers only ever see a file known to be sane.
"""

from __future__ import annotations

import io
import zipfile
from enum import StrEnum
from pathlib import PurePath

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
RATIO_CHECK_FROM_BYTES = 1024 * 1024
MAX_RATIO = 100
_CHUNK = 1024 * 1024

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
_XML_MARKERS = tuple(
    marker.encode(enc) for marker in ("<!DOCTYPE", "<!ENTITY") for enc in ("ascii", "utf-16-le", "utf-16-be")
)
_ENCRYPTED_OOXML = "EncryptedPackage".encode("utf-16-le")
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".et")
TEXT_SUFFIXES = (".csv", ".txt")


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
            raise Rejected("工作簿设有打开密码（已加密），无法读取。请在 Excel/WPS 中取消密码后另存再上传。")
        return Format.XLS
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if suffix in EXCEL_SUFFIXES:
        if head.startswith((b"<html", b"<!doctype", b"<table", b"<?xml", b"<meta")):
            raise Rejected(
                f"文件扩展名是 {suffix}，但内容是网页或 XML，不是 Excel 工作簿。"
                "请在 Excel/WPS 中打开后另存为 .xlsx 再上传。"
            )
        raise Rejected(
            f"文件扩展名是 {suffix}，但内容不是 Excel 工作簿（可能是改了扩展名的文本或其他文件）。"
            "请在 Excel/WPS 中打开后另存为 .xlsx 再上传。"
        )
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise Rejected("文件内容不是文本，不能按 CSV 读取。请上传 .xlsx、.xls 或 .csv 文件。")
    return Format.CSV


def check_zip(data: bytes) -> None:
    """Refuse zip bombs, truncated or encrypted workbooks and XML with DOCTYPE or entities."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise Rejected("工作簿不完整或已损坏（压缩结构无法读取），请重新保存或重新导出后上传。") from None
    total = sum(m.file_size for m in members)
    if total > MAX_UNZIPPED_BYTES:
        raise Rejected(
            f"工作簿解压后将达 {_mb(total)}，超过 {_mb(MAX_UNZIPPED_BYTES)} 的上限，已拒绝（疑似压缩炸弹）。"
        )
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > RATIO_CHECK_FROM_BYTES and ratio > MAX_RATIO:
            raise Rejected(
                f"工作簿中的“{member.filename}”压缩比 {ratio:.0f} 倍，超过 {MAX_RATIO} 倍的上限，已拒绝（疑似压缩炸弹）。"
            )
        if member.flag_bits & 0x1:
            raise Rejected("工作簿已加密，无法读取。请在 Excel/WPS 中取消密码后另存再上传。")
    names = {m.filename for m in members}
    if "[Content_Types].xml" not in names:
        raise Rejected("压缩文件不是 Excel 工作簿（缺少 [Content_Types].xml），请上传 .xlsx、.xls 或 .csv 文件。")
    budget = MAX_UNZIPPED_BYTES
    for member in members:
        budget = _scan_member(archive, member, budget)


def _scan_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, budget: int) -> int:
    """Decompress one member as a stream, within the byte budget, looking for XML declarations."""
    is_xml = member.filename.lower().endswith((".xml", ".rels", ".vml"))
    tail = b""
    try:
        with archive.open(member) as stream:
            while chunk := stream.read(_CHUNK):
                budget -= len(chunk)
                if budget < 0:
                    raise Rejected(f"工作簿解压后超过 {_mb(MAX_UNZIPPED_BYTES)} 的上限，已拒绝（疑似压缩炸弹）。")
                if is_xml:
                    window = (tail + chunk).upper()
                    if any(marker.upper() in window for marker in _XML_MARKERS):
                        raise Rejected(
                            f"工作簿中的“{member.filename}”含有 DOCTYPE 或实体声明，出于安全原因拒绝读取。"
                            "请在 Excel/WPS 中打开后另存为 .xlsx 再上传。"
                        )
                    tail = chunk[-32:]
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError, RuntimeError) as exc:
        if isinstance(exc, RuntimeError) and "encrypt" in str(exc).lower():
            raise Rejected("工作簿已加密，无法读取。请在 Excel/WPS 中取消密码后另存再上传。") from None
        raise Rejected(f"工作簿不完整或已损坏（“{member.filename}”无法解压），请重新保存或重新导出后上传。") from None
    return budget
