"""The text of a PDF by poppler's pdftotext: an independent reader of our documents.

pdftotext comes from Debian's poppler-utils (`make system-deps`); without it a test
fails with the fix, it never skips (CI must run every test)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest


def pdf_text(pdf: bytes | Path, *, layout: bool = False) -> str:
    """pdftotext's output for ``pdf`` (a file, or the bytes of one)."""
    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.fail("pdftotext is needed: apt-get install poppler-utils (make system-deps)")
    args = [tool, *(["-layout"] if layout else []), "-enc", "UTF-8", "-", "-"]
    data = pdf.read_bytes() if isinstance(pdf, Path) else pdf
    return subprocess.run(
        args, input=data, capture_output=True, check=True, timeout=60
    ).stdout.decode()
