"""Streaming CSV export of certificate lists ("Exporteer lijst als .csv").

For Excel with Dutch settings (issue 11, point 17): a semicolon between the
fields (the list separator there; with commas everything lands in one
column) and UTF-8 with a byte-order mark so it reads the accents right.
Otherwise RFC 4180 (CRLF, a field with the separator, a quote or a line
break quoted, quotes doubled), ISO 8601 dates. Cells that a
spreadsheet would run as a formula are prefixed with an apostrophe (OWASP
"CSV injection"). Output is yielded in chunks of about 64 KB.

On PostgreSQL PostgreSQL writes the rows (issue 15 point 4): the view hands
``stream_csv`` a ``CopyRows`` of its filtered queryset, whose columns are the
cells already made in SQL by ``cell``/``date_cell``/``label_cell``/``name_cell``
(formula prefix, ISO date, translated label), and ``COPY (that SELECT) TO STDOUT``
streams them. The bytes are the same as the Python path's: PostgreSQL quotes a
field exactly when ``csv.writer`` does (separator, quote, CR or LF; quotes
doubled), an empty cell is NULL so it stays unquoted, and each row's LF becomes
CRLF (COPY sends one row per message).
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connections, transaction
from django.db.models import (
    Case,
    CharField,
    Expression,
    F,
    Func,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat, Left, NullIf, TruncDate
from django.db.models.lookups import In
from django.utils import timezone

CHUNK_SIZE = 64 * 1024
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
DELIMITER = ";"
# What str.strip() strips, for names joined in SQL as ``_full_name`` joins them.
WHITESPACE = "".join(c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace())


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


@dataclass(frozen=True)
class CopyRows:
    """Rows PostgreSQL writes: a ``values()`` queryset of SQL-made cells, in order."""

    queryset: QuerySet[Any, Any]


def copy_rows(queryset: QuerySet[Any, Any], cells: list[Expression]) -> CopyRows:
    """``queryset``'s rows (in its order) with ``cells`` as the columns."""
    return CopyRows(queryset.values(**{f"csv_{i}": c for i, c in enumerate(cells)}))


def copy_possible(queryset: QuerySet[Any, Any]) -> bool:
    return connections[queryset.db].vendor == "postgresql"


def _text(expression: Expression | str) -> Expression:
    return F(expression) if isinstance(expression, str) else expression  # type: ignore[return-value]  # F resolves to an expression


def cell(expression: Expression | str) -> Expression:
    """``safe_cell`` in SQL: a formula gets an apostrophe; empty is NULL (unquoted)."""
    value = _text(expression)
    return NullIf(
        Case(
            When(In(Left(value, 1), list(FORMULA_PREFIXES)), then=Concat(Value("'"), value)),
            default=value,
            output_field=CharField(),
        ),
        Value(""),
    )


def date_cell(field: str) -> Expression:
    """The ISO date in the portal's time zone (``timezone.localdate``)."""
    local = TruncDate(field, tzinfo=timezone.get_current_timezone())
    return Func(local, Value("YYYY-MM-DD"), function="to_char", output_field=CharField())


def label(field: str, labels: Mapping[str, str]) -> Expression:
    """A choice's label, translated once per export and passed as parameters."""
    return Case(
        *[When(**{field: key}, then=Value(str(text))) for key, text in labels.items()],
        output_field=CharField(),
    )


def label_cell(field: str, labels: Mapping[str, str]) -> Expression:
    """``cell(label(field, labels))`` with the formula prefix put on the labels here, once,
    instead of on every row in SQL (a label is one of a few known texts)."""
    return NullIf(label(field, {key: safe_cell(text) for key, text in labels.items()}), Value(""))


def with_detail(text: Expression, detail: str) -> Expression:
    """``f"{text} ({detail})" if detail else text``."""
    return Case(
        When(Q(**{detail: ""}) | Q(**{f"{detail}__isnull": True}), then=text),
        default=Concat(text, Value(" ("), F(detail), Value(")")),
        output_field=CharField(),
    )


def name_cell(given: str, surname: str) -> Expression:
    """``"given surname".strip()`` as a cell."""
    joined = Concat(Coalesce(F(given), Value("")), Value(" "), Coalesce(F(surname), Value("")))
    return cell(Func(joined, Value(WHITESPACE), function="btrim", output_field=CharField()))


def joined_list_cell(field: str) -> Expression:
    """A JSON list of strings joined with spaces (``" ".join(value or [])``) as a cell.

    The joined text starts with what its first element starts with, so the formula check
    looks at that element (``->> 0``) and the list is joined once per row, not twice.
    """
    joined = Func(
        F(field),
        template=(
            "array_to_string(ARRAY(SELECT jsonb_array_elements_text(CASE WHEN"
            " jsonb_typeof(%(expressions)s) = 'array' THEN %(expressions)s"
            " ELSE '[]'::jsonb END)), ' ')"
        ),
        output_field=CharField(),
    )
    first = Func(F(field), template="(%(expressions)s ->> 0)", output_field=CharField())
    return NullIf(
        Case(
            When(In(Left(first, 1), list(FORMULA_PREFIXES)), then=Concat(Value("'"), joined)),
            default=joined,
            output_field=CharField(),
        ),
        Value(""),
    )


def _copy(queryset: QuerySet[Any, Any]) -> Iterator[bytes]:
    """The rows as PostgreSQL's CSV, each row ended with CRLF.

    COPY is planned for the whole result, so with a subscriber's rows being a large
    share of the table the planner sorts them all before the first row; an index in
    the list's order (subscriber, kind, not_after, id) returns them about as fast and
    starts at once, so sorting is discouraged for this one statement. So is JIT
    compilation: for a statement over 100,000 rows PostgreSQL compiled the cell
    expressions for about 300 ms before the first row, longer than it saves.
    """
    sql, params = queryset.query.sql_with_params()
    copy_sql = f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, DELIMITER '{DELIMITER}')"
    with transaction.atomic(using=queryset.db), connections[queryset.db].cursor() as cursor:
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL jit = off")
        with cursor.cursor.copy(copy_sql, params) as copy:
            for row in copy:
                yield bytes(row[:-1]) + b"\r\n"


def stream_csv(header: list[str], rows: Iterable[Iterable[object]] | CopyRows) -> Iterator[bytes]:
    if isinstance(rows, CopyRows):
        yield from _stream_copy(header, rows.queryset)
        return
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


def _stream_copy(header: list[str], queryset: QuerySet[Any, Any]) -> Iterator[bytes]:
    head = io.StringIO()
    csv.writer(head, delimiter=DELIMITER, lineterminator="\r\n").writerow(
        [safe_cell(h) for h in header]
    )
    chunk = bytearray((BOM + head.getvalue()).encode("utf-8"))
    for row in _copy(queryset):
        chunk += row
        if len(chunk) >= CHUNK_SIZE:
            yield bytes(chunk)
            chunk.clear()
    yield bytes(chunk)
