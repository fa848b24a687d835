"""Sortable column headings and the "1 t/m 25 (totaal N)" line of the overviews."""

from __future__ import annotations

from django import template
from django.core.paginator import Page
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext as _

from core.pagination import ListPage

register = template.Library()


@register.simple_tag(takes_context=True)
def sort_heading(context: template.Context, key: str, label: str) -> str:
    filters = context["filters"]
    active = filters["sort"] == key
    descending = active and not filters["descending"]
    query = context["sort_query"]
    href = f"?{query}&sort={key}&dir={'desc' if descending else 'asc'}".replace("?&", "?")
    arrow = ""
    aria = ""
    if active:
        arrow = " ▼" if filters["descending"] else " ▲"
        aria = "descending" if filters["descending"] else "ascending"
    return format_html(
        '<a href="{}" class="sort-link"{}>{}{}</a>',
        href,
        format_html(' aria-sort="{}"', aria) if aria else "",
        label,
        arrow,
    )


@register.simple_tag
def page_range_text(page: Page | ListPage) -> str:
    """ "1 t/m 25 (totaal 132)" (manual §3.1); past the counted rows "1 t/m 25 (meer
    dan 10.000)", or "25 van meer dan 10.000" where the position is not counted."""
    if isinstance(page, ListPage):
        return _list_range_text(page)
    paginator = page.paginator
    if paginator.count == 0:
        return _("0 resultaten")
    return _("%(first)s t/m %(last)s (totaal %(total)s)") % {
        "first": page.start_index(),
        "last": page.end_index(),
        "total": paginator.count,
    }


def _list_range_text(page: ListPage) -> str:
    if page.total.count == 0:
        return _("0 resultaten")
    if page.total.exact and page.start is not None:
        return _("%(first)s t/m %(last)s (totaal %(total)s)") % {
            "first": page.start,
            "last": page.end,
            "total": page.total.count,
        }
    limit = number_format(page.total.limit, force_grouping=True)
    if page.start is None:
        return _("%(count)s van meer dan %(limit)s") % {"count": len(page), "limit": limit}
    return _("%(first)s t/m %(last)s (meer dan %(limit)s)") % {
        "first": page.start,
        "last": page.end,
        "limit": limit,
    }
