"""Intrekken (manual §3.1): a revocation request for the back office."""

from __future__ import annotations

import pytest
from django.urls import reverse

from certificates.models import Certificate, RevocationRequest

pytestmark = pytest.mark.django_db


def cert(cn: str) -> Certificate:
    return Certificate.objects.get(common_name=cn)


def test_it_creates_one_request_with_the_reason(client, login_as):
    login_as("herman")
    api = cert("api.voorbeeld.nl")
    url = reverse("certificate_revoke", args=[api.pk])
    page = client.get(url).content.decode()
    assert "Sleutel gecompromitteerd" in page
    response = client.post(
        url, {"reason": "keyCompromise", "confirm": "on", "explanation": "laptop kwijt"}
    )
    assert response.status_code == 302
    request = RevocationRequest.objects.get()
    assert request.certificate == api
    assert request.reason == "keyCompromise"
    assert request.requested_by.email == "herman@voorbeeld.nl"
    assert request.state == RevocationRequest.State.OPEN
    detail = client.get(reverse("server_detail", args=[api.pk])).content.decode()
    assert "Intrekking aangevraagd op" in detail
    # The certificate itself is only revoked by the back office.
    api.refresh_from_db()
    assert api.revoked_at is None


def test_the_confirmation_is_required(client, login_as):
    login_as("joost")
    url = reverse("certificate_revoke", args=[cert("api.voorbeeld.nl").pk])
    response = client.post(url, {"reason": "superseded"})
    assert response.status_code == 200
    assert "Bevestig dat u het certificaat wilt laten intrekken" in response.content.decode()
    assert not RevocationRequest.objects.exists()


def test_a_second_request_is_not_created(client, login_as):
    login_as("joost")
    url = reverse("certificate_revoke", args=[cert("api.voorbeeld.nl").pk])
    client.post(url, {"reason": "superseded", "confirm": "on"})
    response = client.post(url, {"reason": "keyCompromise", "confirm": "on"})
    assert response.status_code == 302
    assert RevocationRequest.objects.count() == 1


@pytest.mark.parametrize("cn", ["oud.voorbeeld.nl", "ingetrokken.voorbeeld.nl"])
def test_only_a_valid_certificate_can_be_revoked(client, login_as, cn):
    login_as("joost")
    response = client.post(
        reverse("certificate_revoke", args=[cert(cn).pk]), {"reason": "superseded", "confirm": "on"}
    )
    assert response.status_code == 302
    assert not RevocationRequest.objects.exists()


def test_an_unknown_reason_is_refused(client, login_as):
    login_as("joost")
    url = reverse("certificate_revoke", args=[cert("api.voorbeeld.nl").pk])
    response = client.post(url, {"reason": "removeFromCRL", "confirm": "on"})
    assert response.status_code == 200
    assert not RevocationRequest.objects.exists()
