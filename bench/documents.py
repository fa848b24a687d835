"""Render + seal of an order form against render alone (SPEC.md §8, issue 15 point 5).

The "docs" work may change how the form is rendered and sealed; both figures go
through the portal's own functions (``orders.documents``), so the ratio is what the
seal costs on top of the render, and the target is the sum.
"""

from __future__ import annotations

from collections.abc import Callable


def render_and_seal(
    sampled: Callable[[Callable[[], object], int], list[float]], repeat: int = 30
) -> tuple[list[float], list[float]]:
    """Seconds per order form: (render alone, render + seal). 30 of each: of 10, the p95
    was the slowest one, whatever the machine was doing then."""
    from orders import documents
    from tests.orders.placing import place_order

    order = place_order()
    return (
        sampled(lambda: documents.order_form_pdf(order), repeat),
        sampled(lambda: documents.sealed_order_form(order), repeat),
    )
