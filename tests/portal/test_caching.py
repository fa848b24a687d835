"""Nothing personal is cached: ``Cache-Control: private, no-store`` on every page and download;
static files and the public CRLs keep their own caching (issue 11, point 3)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.urls import get_resolver, reverse

from certificates.campaigns import campaign_members_refresh
from certificates.models import Certificate, IssuingCA, Kind, Product
from orders.documents import documents_create as order_documents_create
from organisations.models import Person
from registration.documents import documents_create as change_documents_create
from tests.factories import ReplacementCampaignFactory
from tests.orders.placing import place_order
from tests.registration.submitting import address_change, submit_change

pytestmark = pytest.mark.django_db

# Named URLs answered publicly on purpose (RFC 5280 distribution points).
PUBLIC = {"crl", "ca_certificate"}


@pytest.fixture
def portal_urls() -> dict[str, list[str]]:
    """A real URL of every named portal URL pattern, with the demo data's objects."""
    joost = Person.objects.get(email="joost@voorbeeld.nl")
    server = Certificate.objects.get(common_name="www.voorbeeld.nl")
    card = Certificate.objects.filter(subscriber=joost.subscriber, kind=Kind.PERSONAL).first()
    order = place_order()
    order_documents_create(order.pk)
    change = submit_change(address_change())
    change_documents_create(change.pk)
    campaign = ReplacementCampaignFactory(
        leaving_cas=[IssuingCA.objects.get(name="Demo Organisatie Services CA - G3")],
        target_product=Product.objects.get(code="pkio-private"),
    )
    campaign_members_refresh(campaign=campaign)
    covered = Certificate.objects.get(common_name="koppeling.voorbeeld.nl")
    return {
        "home": ["/"],
        "not_logged_in": [reverse("not_logged_in")],
        "login": [reverse("login")],
        "logout": [reverse("logout")],
        "request_too_large": [reverse("request_too_large")],
        "set_language": [reverse("set_language")],
        "dev_login": [reverse("dev_login")],
        "server_list": [reverse("server_list")],
        "server_csv": [reverse("server_csv")],
        "server_detail": [reverse("server_detail", args=[server.pk])],
        "certificate_revoke": [reverse("certificate_revoke", args=[server.pk])],
        "card_list": [reverse("card_list", args=["personal"])],
        "card_detail": [reverse("card_detail", args=["personal", card.pk])],
        "card_csv": [reverse("card_csv", args=["personal"])],
        "certificate_download": [
            reverse("certificate_download", args=[server.pk, fmt])
            for fmt in ("pem", "der", "chain", "p7b")
        ],
        "order_wizard": [reverse("order_wizard", args=["pkio"])],
        "renewal_start": [reverse("renewal_start", args=[server.pk])],
        "renewal_wizard": [reverse("renewal_wizard", args=[server.pk])],
        "card_order_new": [reverse("card_order_new", args=["personal"])],
        "card_renewal_start": [reverse("card_renewal_start", args=["personal", card.pk])],
        "card_renewal_wizard": [reverse("card_renewal_wizard", args=["personal", card.pk])],
        "order_list": [reverse("order_list")],
        "order_detail": [reverse("order_detail", args=[order.reference])],
        "order_placed": [reverse("order_placed", args=[order.reference])],
        "order_document": [
            reverse("order_document", args=[order.reference, extension])
            for extension in ("pdf", "xml")
        ],
        "organisation": [reverse("organisation")],
        "manager_change": [reverse("manager_change")],
        "manager_update": [reverse("manager_update", args=[joost.pk])],
        "manager_deactivate": [reverse("manager_deactivate", args=[joost.pk])],
        "registration_change": [reverse("registration_change")],
        "change_request_submitted": [reverse("change_request_submitted", args=[change.reference])],
        "change_request_document": [reverse("change_request_document", args=[change.reference])],
        "seal_verify": [reverse("seal_verify")],
        "csr_assistant": [reverse("csr_assistant")],
        "csr_assistant_cnf": [reverse("csr_assistant_cnf")],
        "replacement_new": [reverse("replacement_new", args=[covered.pk])],
        "campaign_overview": [reverse("campaign_overview", args=[campaign.pk])],
        "trust_chains": [reverse("trust_chains")],
        "trust_ca_pem": [reverse("trust_ca_pem", args=[server.issuing_ca_id])],
        "trust_chain_pem": [reverse("trust_chain_pem", args=[server.issuing_ca_id])],
        "crl": ["/crl/g1-services.crl"],
        "ca_certificate": ["/crl/g1-services.crt"],
    }


def test_every_named_url_is_walked(portal_urls):
    names = {name for name in get_resolver().reverse_dict if isinstance(name, str)}

    assert names == set(portal_urls)


def test_every_portal_page_and_download_is_private_and_not_stored(
    client, login_as, portal_urls, settings, pki_dir: Path
):
    settings.PORTAL_CA_DIR = pki_dir / "ca"
    login_as("maximo")
    answered = set()
    for name, urls in portal_urls.items():
        if name in PUBLIC:
            continue
        for url in urls:
            response = client.get(url)
            assert response["Cache-Control"] == "private, no-store", (url, response.status_code)
            answered.add(response.status_code)
    # Pages, downloads and redirects alike.
    assert {200, 302} <= answered


@pytest.mark.parametrize(
    ("url", "content_type"),
    [
        ("/servercertificaten/export.csv", "text/csv"),
        ("/bestellingen/{order}/bestelformulier.pdf", "application/pdf"),
    ],
)
def test_csv_export_and_documents_are_not_stored(client, login_as, url, content_type):
    order = place_order()
    order_documents_create(order.pk)
    login_as("joost")

    response = client.get(url.format(order=order.reference))

    assert response.status_code == 200
    assert response["Content-Type"].startswith(content_type)
    assert response["Cache-Control"] == "private, no-store"


def test_error_pages_and_the_login_page_are_not_stored(client):
    for url in ("/servercertificaten/", "/bestaat-niet/"):
        assert client.get(url)["Cache-Control"] == "private, no-store"


def test_the_back_office_is_not_stored(client, officer_login):
    officer = get_user_model().objects.create_superuser("officer", password="x")
    order = place_order()
    change = submit_change(address_change())
    change_documents_create(change.pk)
    officer_login(officer)

    for url in (
        "/beheer/",
        "/beheer/orders/order/",
        f"/beheer/orders/order/{order.pk}/change/",
        f"/beheer/registration/changerequest/{change.pk}/change/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url
        assert "private" in response["Cache-Control"], url


def test_static_files_and_crls_keep_their_public_caching(client, settings, pki_dir: Path):
    settings.PORTAL_CA_DIR = pki_dir / "ca"

    # The static file last: closing its file response ends the request (and the connection).
    for url in ("/crl/g1-services.crl", "/crl/g1-services.crt", "/static/css/portal.css"):
        response = client.get(url)
        response.close()
        assert response.status_code == 200, url
        assert "no-store" not in response["Cache-Control"], url
        assert "public" in response["Cache-Control"], url
