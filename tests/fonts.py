"""The controls of the glyph tests: an environment whose fontconfig knows DejaVu only (no CJK font),
in which chromium and LibreOffice draw Chinese text as missing-glyph boxes."""

from __future__ import annotations

import os
from pathlib import Path

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")


def without_cjk(tmp_path: Path) -> dict[str, str]:
    """os.environ with FONTCONFIG_FILE pointing at a configuration of DejaVu alone."""
    assert DEJAVU.is_dir(), "make installs Debian's fonts-dejavu-core for this control"
    conf = tmp_path / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n'
        f"<fontconfig><dir>{DEJAVU}</dir><cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>\n",
        encoding="utf-8",
    )
    return {**os.environ, "FONTCONFIG_FILE": str(conf)}
