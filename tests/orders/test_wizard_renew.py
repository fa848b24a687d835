"""Verlengen (manual §3.2): start screen, fixed CN and product, the earlier-renewal warning."""

from __future__ import annotations

import pytest
from django.urls import reverse

from certificates.models import Certificate, Product
from orders.models import Order
from tests.certificates.csr_factory import make_csr
from tests.orders.wizard_steps import (
    current_step,
    manager_choice,
    place,
    post_step,
    prefix_of,
    walk_to_final_step,
)

pytestmark = pytest.mark.django_db


def cert(cn: str) -> Certificate:
    return Certificate.objects.get(common_name=cn)


def renew_url(certificate: Certificate) -> str:
    return reverse("renewal_wizard", args=[certificate.pk])


def renew(client, certificate: Certificate, *, cn: str | None = None) -> Order:  # noqa: ANN001
    cn = cn or certificate.common_name
    url = renew_url(certificate)
    prefix, token = walk_to_final_step(
        client,
        url,
        csr_pem=make_csr(cn=cn, sans=[cn]).decode(),
        manager=manager_choice(certificate.certificate_manager),
    )
    response = place(client, url, prefix, token)
    assert response.status_code == 302, response.content.decode()[-2000:]
    return Order.objects.get(reference=response.url.split("/")[-3])


def test_the_start_screen_shows_the_old_certificate(client, login_as):
    login_as("joost")
    www = cert("www.voorbeeld.nl")
    content = client.get(reverse("renewal_start", args=[www.pk])).content.decode()
    assert "Omdat het een zogenaamde verlenging betreft" in content
    assert "www.voorbeeld.nl" in content
    assert "PKIoverheid PRIVATE servercertificaat" in content
    assert "Voorbeeld B.V." in content
    assert "nieuw</strong> Certificate Signing Request" in content
    assert "Waarschuwing" not in content


def test_a_renewal_records_the_renewed_certificate_and_keeps_its_product(client, login_as):
    login_as("joost")
    www = cert("www.voorbeeld.nl")
    order = renew(client, www)
    assert order.renews == www
    assert order.product == www.product
    assert order.server.common_name == "www.voorbeeld.nl"
    assert order.subject_label == "www.voorbeeld.nl"
    assert order.certificate_manager == www.certificate_manager
    detail = client.get(reverse("server_detail", args=[www.pk])).content.decode()
    assert "Er is een verlengingsaanvraag voor dit certificaat ingediend op" in detail
    assert order.reference in detail


def test_the_manager_step_proposes_the_current_manager(client, login_as):
    login_as("joost")
    www = cert("www.voorbeeld.nl")
    url = renew_url(www)
    prefix = prefix_of(client.get(url))
    response = post_step(client, url, prefix, "contactpersoon")
    form = response.context["form"]
    assert form.initial["manager"] == www.certificate_manager.pk


def test_the_common_name_cannot_be_changed(client, login_as):
    login_as("joost")
    www = cert("www.voorbeeld.nl")
    url = renew_url(www)
    prefix = prefix_of(client.get(url))
    post_step(client, url, prefix, "contactpersoon")
    post_step(client, url, prefix, "certificaatbeheerder", manager_choice(www.certificate_manager))
    csr = make_csr(cn="ander.voorbeeld.nl", sans=["ander.voorbeeld.nl"]).decode()
    response = post_step(client, url, prefix, "certificaat", {"csr": csr})
    assert current_step(response) == "certificaat"
    assert "commonName moet www.voorbeeld.nl zijn" in response.content.decode()


def test_a_tampered_product_is_ignored(client, login_as):
    login_as("joost")
    www = cert("www.voorbeeld.nl")
    url = renew_url(www)
    prefix = prefix_of(client.get(url))
    post_step(client, url, prefix, "contactpersoon")
    post_step(client, url, prefix, "certificaatbeheerder", manager_choice(www.certificate_manager))
    trial = Product.objects.get(code="pkio-trial")
    csr = make_csr(cn="www.voorbeeld.nl", sans=["www.voorbeeld.nl"]).decode()
    post_step(client, url, prefix, "certificaat", {"csr": csr, "product": trial.pk})
    post_step(client, url, prefix, "controle")
    response = post_step(
        client,
        url,
        prefix,
        "voorwaarden",
        {
            c: "on"
            for c in [
                "truthful",
                "terms",
                "manager",
                "secure_key",
                "prices",
                "publication",
                "domain",
            ]
        },
    )
    token = response.context["form"].initial["token"]
    place(client, url, prefix, str(token))
    assert Order.objects.get().product == www.product


def test_an_earlier_renewal_needs_an_explicit_confirmation_and_is_replaced(client, login_as):
    login_as("joost")
    www = cert("www.voorbeeld.nl")
    first = renew(client, www)

    login_as("herman")
    start = reverse("renewal_start", args=[www.pk])
    # The wizard itself sends an unconfirmed person back to the start screen.
    response = client.get(renew_url(www))
    assert response.status_code == 302 and response.url == start
    content = client.get(start).content.decode()
    assert "er is al een aanvraag voltooid voor de vernieuwing van dit Servercertificaat" in content
    assert first.reference in content
    response = client.post(start, {})
    assert response.status_code == 200
    assert "Bevestig dat u toch een nieuwe aanvraag wilt doen" in response.content.decode()
    response = client.post(start, {"confirm": "on"})
    assert response.status_code == 302 and response.url == renew_url(www)

    second = renew(client, www)
    first.refresh_from_db()
    assert first.state == Order.State.CANCELLED
    assert second.replaced_order == first
    assert Order.objects.open().filter(renews=www).get() == second


def test_a_renewal_placed_meanwhile_is_not_replaced_unseen(client, login_as):
    """Joost walks the wizard; Herman places a renewal first; Joost is sent to the warning."""
    www = cert("www.voorbeeld.nl")
    login_as("joost")
    url = renew_url(www)
    prefix, token = walk_to_final_step(
        client,
        url,
        csr_pem=make_csr(cn="www.voorbeeld.nl", sans=["www.voorbeeld.nl"]).decode(),
        manager=manager_choice(www.certificate_manager),
    )
    from django.conf import settings
    from django.test import Client

    from portal.middleware import CERT_HEADER, VERIFY_HEADER
    from tests.conftest import forwarded_by_nginx, pem_header

    herman = Client(**forwarded_by_nginx())
    herman.defaults[CERT_HEADER] = pem_header(settings.PORTAL_PKI_DIR, "herman")
    herman.defaults[VERIFY_HEADER] = "SUCCESS"
    hermans = renew(herman, www)

    response = place(client, url, prefix, token)
    assert response.status_code == 302
    assert response.url == reverse("renewal_start", args=[www.pk])
    assert list(Order.objects.filter(renews=www)) == [hermans]


def test_a_revoked_certificate_cannot_be_renewed(client, login_as):
    login_as("joost")
    revoked = cert("ingetrokken.voorbeeld.nl")
    response = client.get(renew_url(revoked))
    assert response.status_code == 302
    assert "niet worden verlengd" in client.get(response.url).content.decode()


@pytest.mark.parametrize("name", ["renewal_start", "renewal_wizard", "certificate_revoke"])
def test_another_subscribers_certificate_cannot_be_renewed_or_revoked(client, login_as, name):
    login_as("frank")
    www = cert("www.voorbeeld.nl")
    assert client.get(reverse(name, args=[www.pk])).status_code == 404
    assert (
        client.post(
            reverse(name, args=[www.pk]), {"confirm": "on", "reason": "superseded"}
        ).status_code
        == 404
    )
    assert Order.objects.count() == 0
    assert not www.revocation_requests.exists()
