"""The Persoons, Groeps and eSeal order wizards and renewing a card (manual §4–6, issue 13)."""

from __future__ import annotations

import datetime as dt
import re
from io import BytesIO

import pytest
from django.core import mail
from django.urls import reverse
from lxml import etree
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from certificates.models import Card, Certificate, Kind, Product
from core.models import OutboxMessage
from orders.models import Order, OrderDocuments
from orders.order_xml import ORDER_NAMESPACE
from organisations.models import Person, Subscriber
from tests.factories import CardFactory, CardOrderDetailFactory, CertificateFactory
from tests.orders.test_documents import _text, _write
from tests.orders.wizard_steps import current_step, manager_choice, place, post_step, prefix_of

pytestmark = pytest.mark.django_db

CARD_DECLARATIONS = ["truthful", "terms", "holder", "prices", "publication"]
HOLDER = {
    "holder_name": "Jan Kees van der Test",
    "email": "jankees@voorbeeld.nl",
    "phone": "0612345678",
    "date_of_birth": "1980-05-17",
}


@pytest.fixture
def joost(db) -> Person:  # noqa: ANN001
    return Person.objects.get(email="joost@voorbeeld.nl")


@pytest.fixture
def victor(db) -> Person:  # noqa: ANN001
    return Person.objects.get(manager_number="CB9505784")


def new_url(kind: str) -> str:
    return reverse("card_order_new", args=[kind])


def product(kind: str) -> Product:
    return Product.objects.get(kind=kind, active=True)


def walk(
    client,  # noqa: ANN001
    url: str,
    *,
    card: dict[str, object],
    manager: dict[str, object] | None = None,
) -> tuple[str, str]:
    """GET the wizard and post every step up to the last; return (prefix, token)."""
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    prefix = prefix_of(response)
    response = post_step(client, url, prefix, "contactpersoon")
    if manager is not None:
        assert current_step(response) == "certificaatbeheerder"
        response = post_step(client, url, prefix, "certificaatbeheerder", manager)
    assert current_step(response) == "certificaat", response.content.decode()[-2000:]
    response = post_step(client, url, prefix, "certificaat", card)
    assert current_step(response) == "controle", response.context["form"].errors
    response = post_step(client, url, prefix, "controle")
    assert current_step(response) == "voorwaarden"
    response = post_step(
        client, url, prefix, "voorwaarden", {code: "on" for code in CARD_DECLARATIONS}
    )
    assert current_step(response) == "afronding", response.context["form"].errors
    token = re.search(r'value="([0-9a-f-]{36})"', response.content.decode())
    assert token
    return prefix, token.group(1)


def test_a_personal_certificate_is_ordered_without_a_manager_step(client, login_as, joost):
    login_as("joost")
    url = new_url("personal")
    page = client.get(url).content.decode()
    assert "Aanvraag Persoonlijk certificaat" in page
    assert "2. Certificaat" in page
    assert "Certificaatbeheerder" not in page
    prefix, token = walk(
        client, url, card={"product": product("personal").pk, "carrier": "card", **HOLDER}
    )
    response = place(client, url, prefix, token)

    order = Order.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("order_placed", args=[order.reference])
    assert re.fullmatch(r"GRP\d{18}", order.reference)
    assert order.product.kind == Kind.PERSONAL
    assert order.state == Order.State.PLACED
    assert order.contact_person == joost
    # A personal card's holder is the person on it: the contact person is recorded.
    assert order.certificate_manager == joost
    assert order.spki_sha256 == ""
    assert order.declarations == CARD_DECLARATIONS
    card = order.card
    assert (card.carrier, card.holder_name, card.email, card.phone) == (
        "card",
        "Jan Kees van der Test",
        "jankees@voorbeeld.nl",
        "0612345678",
    )
    assert card.date_of_birth == dt.date(1980, 5, 17)
    assert OutboxMessage.objects.filter(topic="orders.documents", object_id=order.pk).exists()
    placed = client.get(response.url).content.decode()
    assert order.reference in placed


def test_via_mobile_preselects_the_mobile_carrier(client, login_as):
    login_as("joost")
    url = new_url("personal") + "?drager=mobile"
    response = client.get(url)
    prefix = prefix_of(response)
    response = post_step(client, new_url("personal"), prefix, "contactpersoon")
    assert response.context["form"]["carrier"].value() == "mobile"
    assert re.search(r'value="mobile"[^>]*checked', response.content.decode())


def test_an_unknown_carrier_in_the_url_is_ignored(client, login_as):
    login_as("joost")
    response = client.get(new_url("group") + "?drager=mobile")
    prefix = prefix_of(response)
    response = post_step(client, new_url("group"), prefix, "contactpersoon")
    response = post_step(
        client,
        new_url("group"),
        prefix,
        "certificaatbeheerder",
        manager_choice(Person.objects.get(manager_number="CB9505784")),
    )
    assert response.context["form"]["carrier"].value() == "card"


def test_a_personal_card_needs_the_holders_data(client, login_as):
    login_as("joost")
    url = new_url("personal")
    prefix = prefix_of(client.get(url))
    post_step(client, url, prefix, "contactpersoon")
    response = post_step(
        client,
        url,
        prefix,
        "certificaat",
        {"product": product("personal").pk, "carrier": "cloud", "date_of_birth": "2999-01-01"},
    )
    assert current_step(response) == "certificaat"
    errors = response.context["form"].errors
    assert set(errors) >= {"carrier", "holder_name", "email", "phone", "date_of_birth"}
    assert "geboortedatum in het verleden" in str(errors["date_of_birth"])


def test_a_group_certificate_has_a_group_name_and_a_manager(client, login_as, victor):
    login_as("herman")
    url = new_url("group")
    prefix, token = walk(
        client,
        url,
        card={
            "product": product("group").pk,
            "carrier": "usb",
            "group_name": "Servicedesk",
            "email": "servicedesk@voorbeeld.nl",
        },
        manager=manager_choice(victor),
    )
    place(client, url, prefix, token)
    order = Order.objects.get()
    assert re.fullmatch(r"GRP\d{18}", order.reference)
    assert order.product.kind == Kind.GROUP
    assert order.certificate_manager == victor
    assert order.card.group_name == "Servicedesk"
    assert order.card.holder_name == "Servicedesk"
    assert order.card.carrier == "usb"
    assert order.subject_label == "Servicedesk"


def test_a_group_certificate_can_register_a_new_manager(client, login_as):
    login_as("joost")
    url = new_url("group")
    new = manager_choice(
        given_name="Nina", surname="Nieuw", email="nina@voorbeeld.nl", phone="0612345678"
    )
    prefix, token = walk(
        client,
        url,
        card={
            "product": product("group").pk,
            "carrier": "card",
            "group_name": "Balie",
            "email": "balie@voorbeeld.nl",
        },
        manager=new,
    )
    place(client, url, prefix, token)
    order = Order.objects.get()
    assert order.manager_is_new
    assert order.certificate_manager.email == "nina@voorbeeld.nl"


def test_an_eseal_in_the_cloud_carries_the_organisation(client, login_as, victor):
    login_as("joost")
    url = new_url("eseal")
    page = client.get(url).content.decode()
    assert "Aanvraag eSeal certificaat" in page
    prefix, token = walk(
        client,
        url,
        card={"product": product("eseal").pk, "carrier": "cloud", "email": "pki@voorbeeld.nl"},
        manager=manager_choice(victor),
    )
    place(client, url, prefix, token)
    order = Order.objects.get()
    assert re.fullmatch(r"GRP\d{18}", order.reference)
    assert order.product.kind == Kind.ESEAL
    assert order.card.carrier == Card.Carrier.CLOUD
    assert order.card.holder_name == order.subscriber.name


def test_an_eseal_is_not_offered_on_mobile(client, login_as, victor):
    login_as("joost")
    url = new_url("eseal")
    prefix = prefix_of(client.get(url))
    post_step(client, url, prefix, "contactpersoon")
    post_step(client, url, prefix, "certificaatbeheerder", manager_choice(victor))
    response = post_step(
        client,
        url,
        prefix,
        "certificaat",
        {"product": product("eseal").pk, "carrier": "mobile", "email": "pki@voorbeeld.nl"},
    )
    assert current_step(response) == "certificaat"
    assert "carrier" in response.context["form"].errors


def test_a_server_product_cannot_be_posted_into_a_card_order(client, login_as):
    login_as("joost")
    url = new_url("personal")
    prefix = prefix_of(client.get(url))
    post_step(client, url, prefix, "contactpersoon")
    server = Product.objects.get(code="pkio-private")
    response = post_step(
        client, url, prefix, "certificaat", {"product": server.pk, "carrier": "card", **HOLDER}
    )
    assert current_step(response) == "certificaat"
    assert "product" in response.context["form"].errors


def test_a_double_submit_places_one_order(client, login_as):
    login_as("joost")
    url = new_url("personal")
    prefix, token = walk(
        client, url, card={"product": product("personal").pk, "carrier": "card", **HOLDER}
    )
    first = place(client, url, prefix, token)
    second = place(client, url, prefix, token)
    order = Order.objects.get()
    assert first.url == second.url == reverse("order_placed", args=[order.reference])


def test_a_skipped_step_is_refused(client, login_as):
    login_as("joost")
    url = new_url("personal")
    prefix = prefix_of(client.get(url))
    response = post_step(client, url, prefix, "voorwaarden", {c: "on" for c in CARD_DECLARATIONS})
    assert current_step(response) == "contactpersoon"
    assert "Vul eerst de stap" in response.content.decode()


def test_the_manager_step_posted_to_a_personal_order_shows_the_current_step(client, login_as):
    login_as("joost")
    url = new_url("personal")
    prefix = prefix_of(client.get(url))
    post_step(client, url, prefix, "contactpersoon")
    response = post_step(client, url, prefix, "certificaatbeheerder", {"choice": "new"})
    assert response.status_code == 200
    assert current_step(response) == "certificaat"
    assert "Deze stap bestaat niet of is niet voor u beschikbaar." in response.content.decode()
    assert Order.objects.count() == 0


def test_an_unknown_kind_is_not_found(client, login_as):
    login_as("joost")
    assert client.get("/passen/server/nieuw/").status_code == 404
    assert client.get("/passen/anders/nieuw/").status_code == 404


def test_the_card_wizard_needs_a_login(client):
    response = client.get(new_url("personal"))
    assert response.status_code == 403


@pytest.mark.parametrize("slug", ["maximo", "joost", "herman"])
def test_every_contact_role_may_order_a_card(client, login_as, slug):
    login_as(slug)
    for kind in ("personal", "group", "eseal"):
        assert client.get(new_url(kind)).status_code == 200


def test_a_cancelled_subscription_ends_card_orders_and_renewals(client, login_as, joost):
    personal = CertificateFactory(on_card=True, subscriber=joost.subscriber)
    Subscriber.objects.filter(pk=joost.subscriber_id).update(
        cancelled_at="2026-11-01T12:00:00+01:00"
    )
    login_as("joost")
    for url in [
        new_url("personal"),
        new_url("eseal"),
        reverse("card_renewal_start", args=["personal", personal.pk]),
        reverse("card_renewal_wizard", args=["personal", personal.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Het abonnement van uw organisatie is opgezegd" in response.content.decode()


def test_another_subscribers_card_cannot_be_renewed(client, login_as, joost):
    personal = CertificateFactory(on_card=True, subscriber=joost.subscriber)
    login_as("frank")
    for url in [
        reverse("card_renewal_start", args=["personal", personal.pk]),
        reverse("card_renewal_wizard", args=["personal", personal.pk]),
        reverse("renewal_start", args=[personal.pk]),
    ]:
        assert client.get(url).status_code == 404, url


def test_the_card_order_form_is_sealed_and_mailed(
    client, login_as, pki_dir, eager_tasks, django_capture_on_commit_callbacks
):
    login_as("joost")
    url = new_url("personal")
    prefix, token = walk(
        client, url, card={"product": product("personal").pk, "carrier": "mobile", **HOLDER}
    )
    with django_capture_on_commit_callbacks(execute=True):
        place(client, url, prefix, token)
    order = Order.objects.get()
    documents = OrderDocuments.objects.get(order=order)

    reader = PdfFileReader(BytesIO(bytes(documents.pdf)))
    (signature,) = reader.embedded_signatures
    root = load_cert_from_pemder(pki_dir / "ca" / "g3-root.crt")
    status = validate_pdf_signature(
        signature, ValidationContext(trust_roots=[root], allow_fetching=False)
    )
    assert status.intact and status.valid and status.trusted

    xml = etree.fromstring(bytes(documents.xml))
    card = xml.find(f"{{{ORDER_NAMESPACE}}}card")
    assert card is not None
    assert card.get("carrier") == "mobile"
    assert card.findtext(f"{{{ORDER_NAMESPACE}}}holderName") == "Jan Kees van der Test"
    assert xml.find(f"{{{ORDER_NAMESPACE}}}certificate") is None

    (message,) = mail.outbox
    assert message.to == ["joost@voorbeeld.nl"]
    assert message.subject == f"Bevestiging bestelling {order.reference}"
    assert "Naam pashouder (CN): Jan Kees van der Test (certificaat via Mobiel)" in message.body
    assert "domeinnaam" not in message.body
    (name, content, mimetype) = message.attachments[0]
    assert (name, mimetype) == (f"bestelformulier-{order.reference}.pdf", "application/pdf")
    assert content == bytes(documents.pdf)


def test_the_order_form_pdf_shows_the_holder_and_no_csr(tmp_path):
    detail = CardOrderDetailFactory(holder_name="Pashouder Zichtbaar", carrier="usb")
    text = _text(_write(tmp_path / "form.pdf", detail.order))
    assert "PashouderZichtbaar" in text
    assert "USB-token" in text
    assert detail.email in text
    assert "GegevensuitdeCSR" not in text
    assert "Handtekeningalgoritme" not in text


# -- renewal ------------------------------------------------------------------


def personal_certificate(joost: Person) -> Certificate:
    card = CardFactory(
        subscriber=joost.subscriber,
        holder_name="Herman Testing",
        email="herman@voorbeeld.nl",
        carrier=Card.Carrier.USB,
    )
    return CertificateFactory(
        on_card=True, subscriber=joost.subscriber, card=card, common_name="Herman Testing"
    )


def test_renewing_a_personal_certificate_places_a_card_order_prefilled(client, login_as, joost):
    certificate = personal_certificate(joost)
    login_as("joost")
    start = client.get(reverse("card_renewal_start", args=["personal", certificate.pk]))
    assert start.status_code == 200
    content = start.content.decode()
    assert "Herman Testing" in content
    wizard_url = reverse("card_renewal_wizard", args=["personal", certificate.pk])
    assert wizard_url in content
    # The server URL of the start screen leads to the same wizard.
    assert (
        wizard_url in client.get(reverse("renewal_start", args=[certificate.pk])).content.decode()
    )

    response = client.get(wizard_url)
    prefix = prefix_of(response)
    response = post_step(client, wizard_url, prefix, "contactpersoon")
    form = response.context["form"]
    assert form["holder_name"].value() == "Herman Testing"
    assert form["email"].value() == "herman@voorbeeld.nl"
    assert form["carrier"].value() == "usb"
    # The name in the certificate stays: a posted other name is ignored.
    response = post_step(
        client,
        wizard_url,
        prefix,
        "certificaat",
        {
            "carrier": "card",
            "holder_name": "Iemand Anders",
            "email": "herman@voorbeeld.nl",
            "phone": "0687654321",
            "date_of_birth": "1975-03-02",
        },
    )
    assert current_step(response) == "controle", response.context["form"].errors
    post_step(client, wizard_url, prefix, "controle")
    response = post_step(
        client, wizard_url, prefix, "voorwaarden", {c: "on" for c in CARD_DECLARATIONS}
    )
    token = re.search(r'value="([0-9a-f-]{36})"', response.content.decode()).group(1)
    response = place(client, wizard_url, prefix, token)

    order = Order.objects.get()
    assert response.url == reverse("order_placed", args=[order.reference])
    assert order.renews == certificate
    assert re.fullmatch(r"GRP\d{18}", order.reference)
    assert order.product == product("personal")
    assert order.card.holder_name == "Herman Testing"
    assert order.card.carrier == "card"
    detail = client.get(reverse("order_detail", args=[order.reference])).content.decode()
    assert reverse("card_detail", args=["personal", certificate.pk]) in detail


def test_a_second_card_renewal_asks_for_confirmation(client, login_as, joost):
    certificate = personal_certificate(joost)
    CardOrderDetailFactory(
        order__subscriber=joost.subscriber,
        order__renews=certificate,
        order__product=product("personal"),
    )
    login_as("joost")
    wizard_url = reverse("card_renewal_wizard", args=["personal", certificate.pk])
    response = client.get(wizard_url)
    assert response.status_code == 302
    start_url = reverse("card_renewal_start", args=["personal", certificate.pk])
    assert response.url == start_url
    assert 'data-testid="renewal-warning"' in client.get(start_url).content.decode()
    confirmed = client.post(start_url, {"confirm": "on"})
    assert confirmed.url == wizard_url
    assert client.get(wizard_url).status_code == 200


def test_a_revoked_card_is_not_renewed(client, login_as, joost):
    certificate = personal_certificate(joost)
    Certificate.objects.filter(pk=certificate.pk).update(
        revoked_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), revocation_reason="keyCompromise"
    )
    login_as("joost")
    response = client.get(reverse("card_renewal_wizard", args=["personal", certificate.pk]))
    assert response.status_code == 302
    assert response.url == reverse("card_detail", args=["personal", certificate.pk])
    start = client.get(reverse("card_renewal_start", args=["personal", certificate.pk]))
    assert 'data-testid="renew-refused"' in start.content.decode()


def test_a_card_renewal_url_of_the_wrong_kind_is_not_found(client, login_as, joost):
    certificate = personal_certificate(joost)
    login_as("joost")
    assert (
        client.get(reverse("card_renewal_wizard", args=["group", certificate.pk])).status_code
        == 404
    )
    assert (
        client.get(reverse("card_renewal_start", args=["eseal", certificate.pk])).status_code == 404
    )
