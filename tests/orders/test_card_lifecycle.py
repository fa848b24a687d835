"""A personal card from order to revocation, through the portal's own pages (issue 13):
joost orders it in the wizard, the officer approves it in the back office, the demo card
bureau issues the pair, joost sees it and asks to revoke it, the officer executes."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from django.urls import reverse

from certificates.models import Certificate, RevocationRequest, Status
from orders.models import Order
from tests.orders.test_wizard_card import CARD_DECLARATIONS, HOLDER, new_url, product, walk
from tests.orders.wizard_steps import place

pytestmark = pytest.mark.django_db


@pytest.fixture
def card_files(settings, pki_dir: Path, tmp_path: Path) -> Path:
    settings.PORTAL_CA_DIR = pki_dir / "ca"
    settings.PORTAL_PKI_DIR = tmp_path
    return tmp_path / "cards"


def test_a_personal_card_is_ordered_issued_shown_and_revoked_as_a_whole(
    client,
    login_as,
    officer_login,
    eager_tasks,
    django_capture_on_commit_callbacks,
    card_files: Path,
):
    assert CARD_DECLARATIONS  # the wizard's declarations, ticked by ``walk``
    login_as("joost")
    url = new_url("personal")
    prefix, token = walk(
        client, url, card={"product": product("personal").pk, "carrier": "card", **HOLDER}
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert place(client, url, prefix, token).status_code == 302
    order = Order.objects.get()

    client.logout()
    officer_login()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/beheer/orders/order/{order.pk}/goedkeuren/", follow=True)
    order.refresh_from_db()
    assert order.state == Order.State.ISSUED

    pair = {c.card_usage: c for c in order.certificates.all()}
    assert set(pair) == {"authentication", "signature"}
    authentication, signature = pair["authentication"], pair["signature"]
    card = authentication.card
    assert signature.card == card
    assert (card.kind, card.holder_name) == ("personal", HOLDER["holder_name"])
    usages = {
        usage: c.der.loaded.extensions.get_extension_for_class(x509.KeyUsage).value
        for usage, c in pair.items()
    }
    assert usages["authentication"].digital_signature
    assert not usages["authentication"].content_commitment
    assert usages["signature"].content_commitment
    assert not usages["signature"].digital_signature
    # The card's keys are only in the demo card bureau's file, never in the database.
    key, leaf, _chain = pkcs12.load_key_and_certificates(
        (card_files / f"{card.number}.p12").read_bytes(), b"demo"
    )
    assert key is not None
    assert leaf == authentication.der.loaded

    client.logout()
    login_as("joost")
    detail = client.get(reverse("card_detail", args=["personal", authentication.pk]))
    assert detail.status_code == 200
    page = detail.content.decode()
    assert card.number in page
    assert authentication.serial in page
    assert signature.serial in page
    order_page = client.get(reverse("order_detail", args=[order.reference])).content.decode()
    assert authentication.serial in order_page

    revoke_url = reverse("certificate_revoke", args=[authentication.pk])
    response = client.post(
        revoke_url, {"reason": "keyCompromise", "explanation": "Pas verloren", "confirm": "on"}
    )
    assert response.status_code == 302
    request = RevocationRequest.objects.get(certificate=authentication)

    client.logout()
    officer_login()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/beheer/certificates/revocationrequest/{request.pk}/intrekken/", follow=True)
    for certificate in Certificate.objects.filter(card=card):
        assert certificate.status == Status.REVOKED
        assert certificate.revocation_reason == "keyCompromise"
