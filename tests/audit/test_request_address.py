"""Audit entries of what customers do carry the address they came from (issue 5)."""

from __future__ import annotations

import pytest

from audit.models import Action, AuditEntry
from certificates.models import Certificate

pytestmark = pytest.mark.django_db


def test_a_revocation_request_records_the_customers_address(client, login_as):
    login_as("joost")
    www = Certificate.objects.get(common_name="www.voorbeeld.nl")
    response = client.post(
        f"/servercertificaten/{www.pk}/intrekken/",
        {"reason": "superseded", "confirm": "on"},
        HTTP_X_FORWARDED_FOR="203.0.113.7",  # as nginx, a trusted proxy, sets it
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action=Action.REVOCATION_REQUESTED)
    assert (entry.actor_label, entry.address) == ("Joost Test", "203.0.113.7")


def test_outside_a_request_there_is_no_address():
    from audit.services import audit_record

    www = Certificate.objects.get(common_name="www.voorbeeld.nl")
    entry = audit_record(action=Action.ORDER_ISSUED, obj=www, label="x")
    assert entry.address is None and entry.actor_label == "systeem"
