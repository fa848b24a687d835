"""Reads on change requests (selectors, see STYLE.md)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from organisations.models import Subscriber
from registration.models import ChangeRequest


def change_request_for_subscriber(*, subscriber: Subscriber, reference: str) -> ChangeRequest:
    """The subscriber's own change request; another subscriber's is a 404 (SPEC.md §1)."""
    return get_object_or_404(
        ChangeRequest.objects.select_related("subscriber", "submitted_by"),
        subscriber=subscriber,
        reference=reference,
    )
