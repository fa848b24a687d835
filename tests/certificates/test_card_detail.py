"""Detailgegevens of a card (manual §4.1): every field of the seed's example, the serial
numbers of the card's certificates, the requester, and the buttons certificate_actions
allows."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from certificates.models import Kind
from tests.certificates.test_card_overviews import KINDS, card_certificate
from tests.factories import CertificateFactory, PersonFactory, RevocationRequestFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def voorbeeld(maximo):  # noqa: ANN001, ANN201
    return maximo.subscriber


@pytest.fixture
def maximo_client(client, login_as):  # noqa: ANN001, ANN201
    login_as("maximo")
    return client


def detail(client, certificate) -> str:  # noqa: ANN001
    response = client.get(reverse("card_detail", args=[certificate.kind, certificate.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_it_shows_every_field_of_the_seeds_example(maximo_client, voorbeeld):
    requester = PersonFactory(
        subscriber=voorbeeld, given_name="Ria", surname="Aanvrager", email="ria@voorbeeld.nl"
    )
    auth = card_certificate(
        voorbeeld,
        Kind.PERSONAL,
        "Detail Pashouder",
        email="detail@voorbeeld.nl",
        common_name="Detail Pashouder",
        subject_serial="CB9502890",
        requested_by=requester,
        card__carrier="mobile",
    )
    sign = CertificateFactory(
        on_card=True,
        subscriber=voorbeeld,
        card=auth.card,
        card_usage="signature",
        issuing_ca=auth.issuing_ca,
    )
    content = detail(maximo_client, auth)
    assert "Detailgegevens Persoonlijk certificaat" in content
    assert "Betreft pas voor: Detail Pashouder" in content
    for label, value in [
        ("Pasnummer", auth.card.number),
        ("Common Name (CN)", "Detail Pashouder"),
        ("Subject.serienummer (SN)", "CB9502890"),
        ("Organisatienaam (O)", voorbeeld.name),
        ("Land (C)", "NL"),
        ("E-mail", "detail@voorbeeld.nl"),
        ("Geldig van", timezone.localtime(auth.not_before).strftime("%d-%m-%Y")),
        ("Verloopdatum", timezone.localtime(auth.not_after).strftime("%d-%m-%Y")),
        ("Pastype", "Persoons"),
        ("Product", "certificaat via Mobiel"),
        ("Uitgevende CA", auth.issuing_ca.name),
        ("Status", "Geldig"),
    ]:
        assert f'<th scope="row">{label}</th><td' in content
        row = content.split(f'<th scope="row">{label}</th>', 1)[1].split("</tr>", 1)[0]
        assert value in row, label
    assert f"Authenticiteitcertificaat: {auth.serial}" in content
    assert f"Handtekeningcertificaat: {sign.serial}" in content
    requester_block = content.split('data-testid="requester-block"', 1)[1]
    assert "Ria Aanvrager" in requester_block
    assert "ria@voorbeeld.nl" in requester_block
    assert "Dit pasgebonden certificaat is aangevraagd door:" in content
    assert reverse("certificate_download", args=[auth.pk, "pem"]) in content


@pytest.mark.parametrize("kind", KINDS)
def test_the_detail_has_downloaden_verlengen_and_intrekken(maximo_client, voorbeeld, kind):
    certificate = card_certificate(voorbeeld, kind, "Knoppenkaart")
    content = detail(maximo_client, certificate)
    assert f'href="{reverse("renewal_start", args=[certificate.pk])}"' in content
    assert f'href="{reverse("certificate_revoke", args=[certificate.pk])}"' in content
    assert "Downloaden" in content
    assert f'href="{reverse("card_list", args=[kind])}"' in content


@pytest.mark.parametrize("slug", ["joost", "herman"])
def test_every_contact_role_may_renew_and_revoke(client, login_as, voorbeeld, slug):
    certificate = card_certificate(voorbeeld, Kind.GROUP, "Rollenkaart")
    login_as(slug)
    response = client.get(reverse("card_detail", args=["group", certificate.pk]))
    assert response.context["actions"].renew
    assert 'data-testid="renew"' in response.content.decode()
    assert 'data-testid="revoke"' in response.content.decode()


@pytest.mark.parametrize("kind", KINDS)
def test_a_cancelled_subscription_may_revoke_but_not_renew(maximo_client, voorbeeld, kind):
    certificate = card_certificate(voorbeeld, kind, "Opgezegd")
    voorbeeld.cancelled_at = timezone.now()
    voorbeeld.save(update_fields=["cancelled_at"])
    content = detail(maximo_client, certificate)
    assert 'data-testid="renew"' not in content
    assert 'data-testid="revoke"' in content


def test_a_revoked_card_has_neither_verlengen_nor_intrekken(maximo_client, voorbeeld):
    certificate = card_certificate(
        voorbeeld,
        Kind.ESEAL,
        "Ingetrokken zegel",
        revoked_at=timezone.now(),
        revocation_reason="keyCompromise",
    )
    content = detail(maximo_client, certificate)
    assert 'data-testid="renew"' not in content
    assert 'data-testid="revoke"' not in content
    status = content.split('data-testid="status">', 1)[1].split("</td>", 1)[0]
    assert "Ingetrokken" in status
    assert "Sleutel gecompromitteerd" in status


def test_an_open_revocation_is_shown_and_not_requested_twice(maximo_client, voorbeeld, maximo):
    certificate = card_certificate(voorbeeld, Kind.PERSONAL, "Bijna ingetrokken")
    RevocationRequestFactory(certificate=certificate, requested_by=maximo)
    content = detail(maximo_client, certificate)
    assert 'data-testid="revocation-notice"' in content
    assert 'data-testid="revoke"' not in content


@pytest.mark.parametrize("kind", KINDS)
def test_another_subscribers_card_is_not_found(client, login_as, voorbeeld, kind):
    certificate = card_certificate(voorbeeld, kind, "Niet van Frank")
    login_as("frank")
    response = client.get(reverse("card_detail", args=[kind, certificate.pk]))
    assert response.status_code == 404


def test_a_card_under_another_kinds_menu_is_not_found(maximo_client, voorbeeld):
    certificate = card_certificate(voorbeeld, Kind.GROUP, "Groep")
    response = maximo_client.get(reverse("card_detail", args=["eseal", certificate.pk]))
    assert response.status_code == 404
