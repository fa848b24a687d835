"""Streaming CSV export of certificate lists ("Exporteer lijst als .csv").

For Excel with Dutch settings (issue 11, point 17): a semicolon between the
fields (the list separator there; with commas everything lands in one
column) and UTF-8 with a byte-order mark so it reads the accents right.
Otherwise RFC 4180 (CRLF, a field with the separator, a quote or a line
break quoted, quotes doubled), ISO 8601 dates. Cells that a
spreadsheet would run as a formula are prefixed with an apostrophe (OWASP
"CSV injection"). Output is yielded in chunks of about 64 KB.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

CHUNK_SIZE = 64 * 1024
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
DELIMITER = ";"


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def stream_csv(header: list[str], rows: Iterable[Iterable[object]]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=DELIMITER, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
        if buffer.tell() >= CHUNK_SIZE:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")
