"""Pages of a long list without deep OFFSET and without counting every row (issue 15).

A list is a queryset ordered on sort keys that end in the primary key, all in one
direction. A page is found by the seek method: the rows after (or before) a cursor,
the sort values of the row at the edge of the page the visitor came from, which the
database reads straight from an index matching the order. The last page is the first
page of the reversed order. The total is counted up to a limit
(``PORTAL_LIST_EXACT_COUNT_LIMIT``, 10,000): beyond it the list says "meer dan
10.000" instead of paying for a count of every row on each page.

A cursor is only a position: a tampered or stale one gives the first page, never an
error, and it can only point between rows of the queryset it is applied to.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connections, models
from django.db.models import F, Func, OrderBy, QuerySet, Value
from django.utils import timezone

DEFAULT_EXACT_COUNT_LIMIT = 10_000
LAST = "last"
# The query-string parameters that choose a page; links to other pages, sorts and
# exports keep the rest of the query string.
PAGE_PARAMS = ("page", "after", "before")


def exact_count_limit() -> int:
    """Up to how many rows a list is counted exactly."""
    return int(getattr(settings, "PORTAL_LIST_EXACT_COUNT_LIMIT", DEFAULT_EXACT_COUNT_LIMIT))


@dataclass(frozen=True)
class Total:
    """The number of rows, or "more than ``limit``" when ``exact`` is false."""

    count: int
    exact: bool
    limit: int

    def __add__(self, other: Total) -> Total:
        """The total of two disjoint lists, still bounded by the limit."""
        count = self.count + other.count
        return Total(
            count=min(count, self.limit),
            exact=self.exact and other.exact and count <= self.limit,
            limit=self.limit,
        )


def bounded_count(queryset: QuerySet[Any], limit: int | None = None) -> Total:
    """Count at most ``limit + 1`` rows (a LIMIT subquery): cheap at any size."""
    return bounded_counts({"rows": queryset}, limit)["rows"]


def bounded_counts(
    querysets: Mapping[str, QuerySet[Any]], limit: int | None = None
) -> dict[str, Total]:
    """``bounded_count`` of several querysets in one statement and one round trip:
    ``SELECT (SELECT COUNT(*) FROM (… LIMIT n + 1)), …`` (Home's dashboard, issue 15)."""
    limit = exact_count_limit() if limit is None else limit
    if not querysets:
        return {}
    using = {queryset.db for queryset in querysets.values()}
    if len(using) != 1:
        raise ValueError(f"bounded_counts counts on one database, not {sorted(using)}")
    alias = using.pop()
    parts: list[str] = []
    params: list[Any] = []
    for queryset in querysets.values():
        limited = queryset.order_by().values("pk")[: limit + 1]
        sql, sql_params = limited.query.get_compiler(using=alias).as_sql()
        # Django compiled ``sql``; its values travel apart, as parameters.
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS bounded)")  # noqa: S608
        params.extend(sql_params)
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return {
        name: Total(count=min(counted, limit), exact=counted <= limit, limit=limit)
        for name, counted in zip(querysets, row, strict=True)
    }


class _Row(Func):
    template = "(%(expressions)s)"


class _RowCompare(Func):
    """``(a, b, id) > (x, y, z)``: a row comparison, which PostgreSQL turns into an index
    range on a matching btree index (and SQLite understands since 3.15)."""

    output_field = models.BooleanField()
    template = "%(expressions)s"

    def __init__(self, left: _Row, operator: str, right: _Row) -> None:
        super().__init__(left, right)
        self.arg_joiner = f" {operator} "


@dataclass(frozen=True)
class _Key:
    expression: Any  # F or Expression
    field: models.Field[Any, Any]


class _Cursor:
    """Encodes and decodes the sort values of one row: URL-safe base64 of a JSON list."""

    @staticmethod
    def encode(values: Sequence[object]) -> str:
        plain = [v.isoformat() if isinstance(v, dt.date) else v for v in values]
        raw = json.dumps(plain, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @staticmethod
    def decode(text: str, keys: Sequence[_Key]) -> list[object] | None:
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            values = json.loads(raw)
        except (binascii.Error, ValueError, UnicodeDecodeError):
            return None
        if not isinstance(values, list) or len(values) != len(keys):
            return None
        decoded = []
        for value, key in zip(values, keys, strict=True):
            value = _from_json(value, key.field)
            if value is None:
                return None
            decoded.append(value)
        return decoded


def _from_json(value: object, field: models.Field[Any, Any]) -> object | None:
    """The Python value of one cursor entry, or None when it is not of the key's type."""
    kind = field.get_internal_type()
    try:
        if kind == "DateTimeField":
            moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else None
            if moment is None or (settings.USE_TZ and timezone.is_naive(moment)):
                return None
            return moment
        if kind == "DateField":
            return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
    if kind == "BooleanField":
        return value if isinstance(value, bool) else None
    if kind in {"AutoField", "BigAutoField", "IntegerField", "BigIntegerField"}:
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    return value if isinstance(value, str) else None


@dataclass
class ListPage:
    """One page of a list: its rows, where it lies in the list, and its links as
    query-string parameters (``after=``/``before=`` cursors, ``page=last``)."""

    rows: list[Any]
    per_page: int
    total: Total
    start: int | None  # 1-based position of the first row, None when unknown
    has_previous: bool
    has_next: bool
    previous_param: str = ""
    next_param: str = ""

    def __iter__(self) -> Iterator[Any]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index: int) -> Any:
        return self.rows[index]

    @property
    def end(self) -> int | None:
        return None if self.start is None else self.start + len(self.rows) - 1

    @property
    def number(self) -> int | None:
        """The page number, counted from the end of the page (cursor pages need not
        start on a multiple of the page size)."""
        if self.end is None or not self.rows:
            return None
        return -(-self.end // self.per_page)

    @property
    def num_pages(self) -> int | None:
        return -(-self.total.count // self.per_page) if self.total.exact else None

    @property
    def is_paged(self) -> bool:
        return self.has_previous or self.has_next

    @property
    def last_param(self) -> str:
        return f"page={LAST}"


def _sort_keys(queryset: QuerySet[Any]) -> tuple[list[Any], bool]:
    """The queryset's ORDER BY as expressions and its direction; it must end in the
    primary key and run one way (what makes a cursor unique and an index usable)."""
    keys: list[Any] = []  # F or Expression
    directions = set()
    for item in queryset.query.order_by:
        if isinstance(item, str):
            descending = item.startswith("-")
            keys.append(F(item.removeprefix("-")))
        elif isinstance(item, OrderBy):
            descending = item.descending
            keys.append(item.expression)
        else:
            raise ValueError(f"Cannot page on the ordering {item!r}.")
        directions.add(descending)
    last = keys[-1] if keys else None
    if not isinstance(last, F) or last.name not in {"pk", queryset.model._meta.pk.name}:
        raise ValueError("A paged list must be ordered on its primary key last.")
    if len(directions) != 1:
        raise ValueError("A paged list must be ordered in one direction.")
    return keys, directions.pop()


def paginate(
    queryset: QuerySet[Any],
    params: Mapping[str, str],
    *,
    per_page: int,
    count_limit: int | None = None,
) -> ListPage:
    """The page of ``queryset`` that ``params`` asks for: ``after=`` or ``before=`` a
    cursor, ``page=last``, ``page=N`` (only where the position is counted), else the
    first page. Three queries at most: the bounded count, the rows, and for a cursor
    page the bounded count of the rows before it."""
    expressions, descending = _sort_keys(queryset)
    aliases = [f"_seek{i}" for i in range(len(expressions))]
    annotated = queryset.annotate(**dict(zip(aliases, expressions, strict=True)))
    keys = [
        _Key(expression, annotated.query.annotations[alias].output_field)
        for expression, alias in zip(expressions, aliases, strict=True)
    ]
    # Order on the expressions themselves (what the indexes hold); read values by alias.
    forward = [(e.desc() if descending else e.asc()) for e in expressions]
    backward = [(e.asc() if descending else e.desc()) for e in expressions]
    total = bounded_count(queryset, count_limit)
    pager = _Pager(annotated, keys, aliases, forward, backward, descending, per_page, total)
    if total.count == 0:
        return ListPage([], per_page, total, start=None, has_previous=False, has_next=False)
    for name, after in (("after", True), ("before", False)):
        if params.get(name):
            values = _Cursor.decode(params[name], keys)
            page = pager.from_cursor(values, after=after) if values is not None else None
            return page or pager.first()
    requested = params.get("page", "")
    if requested == LAST:
        return pager.last()
    if requested.isdigit() and int(requested) > 1:
        return pager.numbered(int(requested))
    return pager.first()


@dataclass
class _Pager:
    queryset: QuerySet[Any]
    keys: list[_Key]
    aliases: list[str]
    forward: list[OrderBy]
    backward: list[OrderBy]
    descending: bool
    per_page: int
    total: Total

    def _seek(self, values: Sequence[object], *, after: bool) -> _RowCompare:
        """The rows after (or before) ``values`` in the list's order."""
        operator = ">" if after != self.descending else "<"
        return _RowCompare(
            _Row(*(key.expression for key in self.keys)),
            operator,
            _Row(
                *(
                    Value(v, output_field=key.field)
                    for v, key in zip(values, self.keys, strict=True)
                )
            ),
        )

    def _rows(
        self, queryset: QuerySet[Any], order: list[OrderBy], start: int, stop: int
    ) -> list[Any]:
        """A deferred join: the page's ids first, which an index holding the filter
        columns yields without reading the table, then those rows in full."""
        ids = queryset.order_by(*order).values("pk")[start:stop]
        return list(self.queryset.filter(pk__in=ids).order_by(*order))

    def _values(self, row: Any) -> list[object]:
        return [getattr(row, alias) for alias in self.aliases]

    def _page(
        self, rows: list[Any], start: int | None, has_previous: bool, has_next: bool
    ) -> ListPage:
        page = ListPage(rows, self.per_page, self.total, start, has_previous, has_next)
        if rows and has_previous:
            page.previous_param = "before=" + _Cursor.encode(self._values(rows[0]))
        if rows and has_next:
            page.next_param = "after=" + _Cursor.encode(self._values(rows[-1]))
        return page

    def first(self) -> ListPage:
        rows = self._rows(self.queryset, self.forward, 0, self.per_page + 1)
        return self._page(rows[: self.per_page], 1, False, len(rows) > self.per_page)

    def _last_size(self) -> int:
        if not self.total.exact:
            return self.per_page
        return self.total.count - (-(-self.total.count // self.per_page) - 1) * self.per_page

    def last(self) -> ListPage:
        rows = self._rows(self.queryset, self.backward, 0, self._last_size())[::-1]
        start = self.total.count - len(rows) + 1 if self.total.exact else None
        has_previous = not self.total.exact or self.total.count > len(rows)
        return self._page(rows, start, has_previous, False)

    def numbered(self, number: int) -> ListPage:
        """``page=N``: where the total is counted (from whichever end is nearer), or
        within the counted first rows; any other number gives the first page."""
        offset = (number - 1) * self.per_page
        if not self.total.exact:
            if offset >= self.total.limit:
                return self.first()
            rows = self._rows(self.queryset, self.forward, offset, offset + self.per_page + 1)
            if not rows:
                return self.first()
            return self._page(rows[: self.per_page], offset + 1, True, len(rows) > self.per_page)
        if offset >= self.total.count:
            return self.last()
        size = min(self.per_page, self.total.count - offset)
        from_end = self.total.count - offset - size
        if from_end < offset:
            rows = self._rows(self.queryset, self.backward, from_end, from_end + size)[::-1]
        else:
            rows = self._rows(self.queryset, self.forward, offset, offset + size)
        return self._page(rows, offset + 1, True, offset + size < self.total.count)

    def from_cursor(self, values: Sequence[object], *, after: bool) -> ListPage | None:
        order = self.forward if after else self.backward
        seek = self.queryset.filter(self._seek(values, after=after))
        found = self._rows(seek, order, 0, self.per_page + 1)
        more = len(found) > self.per_page
        rows = found[: self.per_page]
        if not rows:
            return None  # nothing there: a stale or made-up cursor
        if not after:
            rows.reverse()
            if not more:
                # Back at the start: the rows before the cursor, however few (the
                # last page of an uncounted list need not end on a page boundary).
                return self._page(rows, 1, has_previous=False, has_next=True)
        before = bounded_count(
            self.queryset.filter(self._seek(self._values(rows[0]), after=False)),
            self.total.limit,
        )
        start = before.count + 1 if before.exact else None
        return self._page(rows, start, has_previous=True, has_next=more if after else True)
