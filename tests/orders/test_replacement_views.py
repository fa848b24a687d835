"""The customer's side of a replacement campaign (issue 14, point 4): "Vervangen" for one
certificate, the campaign page with its progress, "Alle certificaten vervangen", and a
replacement order's pages and sealed documents."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from certificates.csr import CsrExpectations, csr_check
from certificates.models import Certificate, ReplacementCampaign
from orders import documents
from orders.forms import SERVER_DECLARATIONS
from orders.models import Order, OrderDocuments
from orders.order_xml import order_xml
from orders.replacement import replacement_place
from orders.selectors import campaign_progress
from organisations.models import Person
from tests.certificates.campaigns import g3_campaign
from tests.certificates.csr_factory import make_csr
from tests.pdf_text import pdf_text

pytestmark = pytest.mark.django_db

KOPPELING = "koppeling.voorbeeld.nl"


@pytest.fixture
def campaign(db) -> ReplacementCampaign:  # noqa: ANN001
    return g3_campaign()


@pytest.fixture
def koppeling(db) -> Certificate:  # noqa: ANN001
    return Certificate.objects.get(common_name=KOPPELING)


def url_of(certificate: Certificate) -> str:
    return reverse("replacement_new", args=[certificate.pk])


def declarations(prefix: str = "") -> dict[str, str]:
    return {f"{prefix}{code.value}": "on" for code in SERVER_DECLARATIONS}


def form_data(certificate: Certificate, **extra: object) -> dict[str, object]:
    data: dict[str, object] = {
        "token": str(uuid.uuid4()),
        "certificate_manager": certificate.certificate_manager.pk,
        "key": "reuse",
        **declarations(),
    }
    data.update(extra)
    return data


def texts(response) -> list[str]:  # noqa: ANN001
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_the_page_is_prefilled_from_the_old_certificate(client, login_as, campaign, koppeling):
    login_as("joost")
    response = client.get(url_of(koppeling))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Vervangen servercertificaat koppeling.voorbeeld.nl" in page
    assert campaign.message in page
    assert "PKIoverheid PRIVATE servercertificaat" in page
    assert "Demo Private Services CA - G1" in page
    assert timezone.localtime(koppeling.not_after).strftime("%d-%m-%Y") in page
    assert "Bestaande sleutel (CSR) hergebruiken" in page
    # The old certificate's manager is chosen; the reuse of the key is the default.
    assert re.search(rf'<option value="{koppeling.certificate_manager_id}"[^>]*selected', page)
    assert re.search(r'value="reuse"[^>]*checked', page)
    assert re.search(r'name="token" value="[0-9a-f-]{36}"', page)


def test_a_certificate_expiring_before_the_deadline_gets_the_full_validity(
    client, login_as, koppeling
):
    g3_campaign(deadline=timezone.localdate() + dt.timedelta(days=800))
    login_as("joost")
    page = client.get(url_of(koppeling)).content.decode()
    assert "volledige geldigheid van het product" in page


def test_reusing_the_key_places_a_replacement_order(client, login_as, campaign, koppeling):
    login_as("joost")
    response = client.post(url_of(koppeling), form_data(koppeling))

    order = Order.objects.get(renews=koppeling)
    assert response.status_code == 302
    assert response["Location"] == reverse("order_placed", args=[order.reference])
    assert order.campaign == campaign and order.is_replacement
    assert order.server.reuses_key
    assert order.spki_sha256 == koppeling.spki_sha256
    assert order.product.code == "pkio-private"
    assert order.certificate_manager == koppeling.certificate_manager
    assert order.login_certificate_issuer  # the login certificate is recorded

    placed = client.get(response["Location"]).content.decode()
    assert f"Vervanging van {KOPPELING} ({koppeling.serial}) in {campaign.name}" in placed
    assert "bestaande sleutel hergebruikt" in placed
    detail = client.get(reverse("order_detail", args=[order.reference])).content.decode()
    assert f"Vervanging van {KOPPELING} ({koppeling.serial})" in detail
    assert "Bestaande sleutel hergebruikt" in detail and koppeling.spki_sha256 in detail


def test_a_new_csr_with_the_same_name_is_ordered_with_its_key(
    client, login_as, campaign, koppeling
):
    login_as("joost")
    csr = make_csr(cn=KOPPELING).decode()
    response = client.post(url_of(koppeling), form_data(koppeling, key="new", csr=csr))

    assert response.status_code == 302
    order = Order.objects.get(renews=koppeling)
    assert not order.server.reuses_key
    assert order.server.csr_pem.strip() == csr.strip()
    assert order.spki_sha256 != koppeling.spki_sha256


def test_a_new_csr_with_another_name_is_refused(client, login_as, campaign, koppeling):
    login_as("joost")
    csr = make_csr(cn="ander.voorbeeld.nl").decode()
    response = client.post(url_of(koppeling), form_data(koppeling, key="new", csr=csr))

    assert response.status_code == 200
    assert f"commonName moet {KOPPELING} zijn" in response.content.decode()
    assert not Order.objects.filter(renews=koppeling).exists()


def test_a_new_csr_is_required_when_chosen(client, login_as, campaign, koppeling):
    login_as("joost")
    response = client.post(url_of(koppeling), form_data(koppeling, key="new"))
    assert "Upload een CSR-bestand of plak de CSR." in response.content.decode()
    assert not Order.objects.filter(renews=koppeling).exists()


def test_a_csr_whose_key_another_certificate_holds_is_refused(
    client, login_as, campaign, koppeling
):
    csr = make_csr(cn=KOPPELING)
    joost = Person.objects.get(email="joost@voorbeeld.nl")
    checked = csr_check(
        csr,
        expect=CsrExpectations.for_order(
            subscriber=joost.subscriber, product=campaign.target_product
        ),
    )
    Certificate.objects.filter(common_name="www.voorbeeld.nl").update(
        spki_sha256=checked.spki_sha256
    )
    login_as("joost")
    response = client.post(url_of(koppeling), form_data(koppeling, key="new", csr=csr.decode()))

    assert "Deze sleutel is al eerder gebruikt" in response.content.decode()
    assert not Order.objects.filter(renews=koppeling).exists()


def test_a_csr_with_the_old_certificates_own_key_is_allowed(client, login_as, campaign, koppeling):
    csr = make_csr(cn=KOPPELING)
    joost = Person.objects.get(email="joost@voorbeeld.nl")
    checked = csr_check(
        csr,
        expect=CsrExpectations.for_order(
            subscriber=joost.subscriber, product=campaign.target_product
        ),
    )
    Certificate.objects.filter(pk=koppeling.pk).update(spki_sha256=checked.spki_sha256)
    login_as("joost")
    response = client.post(url_of(koppeling), form_data(koppeling, key="new", csr=csr.decode()))

    assert response.status_code == 302
    assert Order.objects.get(renews=koppeling).spki_sha256 == checked.spki_sha256


def test_the_declarations_are_required(client, login_as, campaign, koppeling):
    login_as("joost")
    data = form_data(koppeling)
    del data[SERVER_DECLARATIONS[0].value]
    response = client.post(url_of(koppeling), data)
    assert "U moet akkoord gaan met deze verklaring." in response.content.decode()
    assert not Order.objects.filter(renews=koppeling).exists()


def test_another_subscribers_certificate_is_not_found(client, login_as, campaign):
    api = Certificate.objects.get(common_name="api.andere.nl")
    login_as("joost")
    assert client.get(url_of(api)).status_code == 404
    login_as("frank")
    koppeling = Certificate.objects.get(common_name=KOPPELING)
    assert client.get(url_of(koppeling)).status_code == 404
    assert client.post(url_of(koppeling), form_data(koppeling)).status_code == 404
    assert not Order.objects.filter(renews=koppeling).exists()


def test_a_certificate_no_campaign_covers_goes_back_to_its_page(client, login_as, campaign):
    www = Certificate.objects.get(common_name="www.voorbeeld.nl")
    login_as("joost")
    response = client.get(url_of(www))

    assert response.status_code == 302
    assert response["Location"] == reverse("server_detail", args=[www.pk])
    assert "Dit certificaat valt niet onder een lopende vervangingscampagne." in texts(response)


def test_an_inactive_campaign_offers_no_replacement(client, login_as, campaign, koppeling):
    ReplacementCampaign.objects.filter(pk=campaign.pk).update(active=False)
    login_as("joost")
    assert client.get(url_of(koppeling)).status_code == 302
    assert client.get(reverse("campaign_overview", args=[campaign.pk])).status_code == 404


def test_a_double_post_places_one_order(client, login_as, campaign, koppeling):
    login_as("joost")
    data = form_data(koppeling)
    first = client.post(url_of(koppeling), data)
    second = client.post(url_of(koppeling), data)

    order = Order.objects.get(renews=koppeling)
    placed = reverse("order_placed", args=[order.reference])
    assert first["Location"] == second["Location"] == placed


def test_a_second_replacement_with_a_new_token_says_one_is_open(
    client, login_as, campaign, koppeling
):
    login_as("joost")
    client.post(url_of(koppeling), form_data(koppeling))
    order = Order.objects.get(renews=koppeling)
    response = client.post(url_of(koppeling), form_data(koppeling))

    assert response.status_code == 409
    page = response.content.decode()
    assert "al een vervanging of verlenging besteld" in page and order.reference in page
    assert Order.objects.filter(renews=koppeling).count() == 1


def test_a_cancelled_subscription_may_not_replace(client, login_as, campaign, koppeling):
    joost = Person.objects.get(email="joost@voorbeeld.nl")
    joost.subscriber.cancelled_at = timezone.now()
    joost.subscriber.save(update_fields=["cancelled_at"])
    login_as("joost")
    assert client.get(url_of(koppeling)).status_code == 403
    response = client.post(reverse("campaign_overview", args=[campaign.pk]), declarations("alle-"))
    assert response.status_code == 403
    assert not Order.objects.filter(campaign=campaign).exists()


def test_a_basic_contact_person_may_replace_as_the_matrix_allows(
    client, login_as, campaign, koppeling
):
    # Manual §7.2 / SPEC.md §1: ordering and renewing are open to basic contact persons.
    login_as("herman")
    response = client.post(url_of(koppeling), form_data(koppeling))
    assert response.status_code == 302
    assert Order.objects.get(renews=koppeling).contact_person.email == "herman@voorbeeld.nl"


def test_the_page_speaks_english(client, login_as, campaign, koppeling):
    login_as("joost")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(url_of(koppeling)).content.decode()
    assert "Replace server certificate koppeling.voorbeeld.nl" in page
    assert "Reuse the existing key (CSR)" in page
    overview = client.get(reverse("campaign_overview", args=[campaign.pk])).content.decode()
    assert "Replace all certificates" in overview and "To be replaced" in overview
    assert ">Replace</a>" in overview and ">Replaced</div>" in overview


# --- The campaign page ---------------------------------------------------------------------


def test_the_campaign_page_shows_only_the_own_certificates(client, login_as, campaign):
    login_as("joost")
    response = client.get(reverse("campaign_overview", args=[campaign.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert campaign.message in page and "Demo Private Services CA - G1" in page
    assert "digipoort.voorbeeld.nl" in page and KOPPELING in page
    assert "api.andere.nl" not in page
    assert 'data-testid="count-affected">2<' in page
    assert 'data-testid="count-outstanding">2<' in page
    assert page.count('data-testid="replace-one"') == 2
    assert "table-responsive" in page and "col-secondary" in page

    login_as("frank")
    page = client.get(reverse("campaign_overview", args=[campaign.pk])).content.decode()
    assert "api.andere.nl" in page and KOPPELING not in page


def test_the_campaign_page_shows_each_state(client, login_as, campaign, koppeling):
    joost = Person.objects.get(email="joost@voorbeeld.nl")
    order = replacement_place(
        campaign=campaign,
        certificate=koppeling,
        contact_person=joost,
        token=uuid.uuid4(),
        declarations=[code.value for code in SERVER_DECLARATIONS],
    )
    Certificate.objects.filter(common_name="digipoort.voorbeeld.nl").update(
        revoked_at=timezone.now(), revocation_reason="superseded"
    )
    login_as("joost")
    page = client.get(reverse("campaign_overview", args=[campaign.pk])).content.decode()

    assert f'Vervanging besteld (<a href="/bestellingen/{order.reference}/">' in page
    assert "Ingetrokken" in page
    assert 'data-testid="count-ordered">1<' in page
    assert 'data-testid="count-outstanding">0<' in page
    assert 'data-testid="replace-one"' not in page


def test_a_replaced_certificate_names_its_successor(campaign, koppeling):
    joost = Person.objects.get(email="joost@voorbeeld.nl")
    order = replacement_place(
        campaign=campaign,
        certificate=koppeling,
        contact_person=joost,
        token=uuid.uuid4(),
        declarations=[code.value for code in SERVER_DECLARATIONS],
    )
    successor = Certificate.objects.get(common_name="www.voorbeeld.nl")
    order.certificates.add(successor)
    Order.objects.filter(pk=order.pk).update(state=Order.State.ISSUED)

    progress = campaign_progress(campaign=campaign, subscriber=joost.subscriber)
    (row,) = [row for row in progress.rows if row.certificate == koppeling]
    assert row.state == "replaced" and row.successor == successor
    assert progress.replaced == 1


def test_the_progress_takes_few_queries(campaign, django_assert_max_num_queries):
    joost = Person.objects.get(email="joost@voorbeeld.nl")
    with django_assert_max_num_queries(3):
        progress = campaign_progress(campaign=campaign, subscriber=joost.subscriber)
    assert progress.affected == 2


def test_another_campaign_number_is_not_found(client, login_as, campaign):
    login_as("joost")
    assert client.get(reverse("campaign_overview", args=[campaign.pk + 1000])).status_code == 404


# --- "Alle certificaten vervangen" -----------------------------------------------------------


def test_replacing_all_orders_each_outstanding_certificate_once(client, login_as, campaign):
    login_as("joost")
    url = reverse("campaign_overview", args=[campaign.pk])
    first = client.post(url, declarations("alle-"))

    assert first.status_code == 302 and first["Location"] == url
    assert "2 vervangingen besteld, 0 waren al besteld." in texts(first)
    orders = Order.objects.filter(campaign=campaign)
    assert {order.renews.common_name for order in orders} == {
        "digipoort.voorbeeld.nl",
        KOPPELING,
    }
    assert all(order.server.reuses_key for order in orders)

    second = client.post(url, declarations("alle-"))
    assert texts(second)[-1] == "0 vervangingen besteld, 2 waren al besteld."
    assert Order.objects.filter(campaign=campaign).count() == 2


def test_replacing_all_skips_one_already_ordered(client, login_as, campaign, koppeling):
    login_as("joost")
    client.post(url_of(koppeling), form_data(koppeling))
    # The replacement is ordered but still covered: "Alle" counts it as ordered.
    Order.objects.filter(renews=koppeling).update(state=Order.State.PLACED)
    url = reverse("campaign_overview", args=[campaign.pk])
    response = client.post(url, declarations("alle-"))
    assert Order.objects.filter(campaign=campaign).count() == 2
    assert any("1 vervangingen besteld" in text for text in texts(response))


def test_replacing_all_needs_the_declarations(client, login_as, campaign):
    login_as("joost")
    response = client.post(reverse("campaign_overview", args=[campaign.pk]), {})
    assert response.status_code == 400
    assert "U moet akkoord gaan met deze verklaring." in response.content.decode()
    assert not Order.objects.filter(campaign=campaign).exists()


# --- The sealed documents of a replacement that reuses the key ------------------------------


def _pdf_text(pdf: Path) -> str:
    return "".join(pdf_text(pdf).split())


def test_the_sealed_documents_of_a_reused_key_are_made(campaign, koppeling, tmp_path):
    joost = Person.objects.get(email="joost@voorbeeld.nl")
    order = replacement_place(
        campaign=campaign,
        certificate=koppeling,
        contact_person=joost,
        token=uuid.uuid4(),
        declarations=[code.value for code in SERVER_DECLARATIONS],
    )
    made = documents.documents_create(order.pk)

    assert made is not None and OrderDocuments.objects.filter(order=order).exists()
    pdf = tmp_path / "order.pdf"
    pdf.write_bytes(bytes(made.pdf))
    text = _pdf_text(pdf)
    assert "Bestaandesleutelhergebruikt(SPKISHA-256" in text
    assert koppeling.spki_sha256 in text
    assert "".join(f"Vervanging van {KOPPELING}".split()) in text
    xml = bytes(made.xml).decode()
    assert 'reusesKey="true"' in xml and koppeling.spki_sha256 in xml
    assert "<campaign " in xml
    assert b"<csr>" not in order_xml(order)
