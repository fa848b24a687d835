"""The machine-readable XML copy of an order (SPEC.md §8): content, escaping, seal."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation
from lxml import etree

from orders.models import Declaration, Order
from orders.order_xml import ORDER_NAMESPACE, order_xml
from sealing.results import SealStatus
from sealing.xml import sign_xml, verify_xml
from tests.orders.placing import LOGIN_ISSUER, place_order
from tests.sealing.test_xml import xmlsec1_verify

pytestmark = pytest.mark.django_db

NS = {"o": ORDER_NAMESPACE}
LINK = "<link rel=attachment href=file:///etc/passwd>"


@pytest.fixture
def order(db) -> Order:  # noqa: ANN001
    return place_order()


def _parse(order: Order) -> etree._Element:
    return etree.fromstring(order_xml(order))


def test_the_xml_holds_the_order(order):
    root = _parse(order)
    assert root.tag == f"{{{ORDER_NAMESPACE}}}order"
    assert root.get("reference") == order.reference
    assert root.find("o:product", NS).get("code") == "pkio-private"
    assert root.findtext("o:product", namespaces=NS) == order.product.name
    assert root.find("o:renews", NS).get("serial") == order.renews.serial
    assert root.findtext("o:subscriber/o:name", namespaces=NS) == "Voorbeeld B.V."
    assert root.findtext("o:subscriber/o:kvkNumber", namespaces=NS) == order.subscriber.kvk_number
    assert root.findtext("o:contactPerson/o:email", namespaces=NS) == "joost@voorbeeld.nl"
    assert root.find("o:certificateManager", NS).get("new") == "false"
    certificate = root.find("o:certificate", NS)
    assert certificate.findtext("o:commonName", namespaces=NS) == "www.voorbeeld.nl"
    assert certificate.xpath("o:subjectAltNames/o:name/text()", namespaces=NS) == [
        "www.voorbeeld.nl"
    ]
    assert certificate.findtext("o:spkiSha256", namespaces=NS) == order.spki_sha256
    assert certificate.findtext("o:csr", namespaces=NS) == order.server.csr_pem
    assert root.findtext("o:submittedBy/o:loginCertificateIssuer", namespaces=NS) == LOGIN_ISSUER
    assert root.findtext("o:submittedBy/o:loginCertificateSerial", namespaces=NS) == "0a1b2c"
    assert root.findtext("o:place", namespaces=NS) == "Online via selfservice portal"


def test_the_declarations_are_in_dutch_whatever_the_language(order):
    with translation.override("en"):
        root = _parse(order)
    with translation.override("nl"):
        expected = [(choice.value, str(choice.label)) for choice in Declaration]
    declarations = root.findall("o:declarations/o:declaration", NS)
    assert [(element.get("code"), element.text) for element in declarations] == expected


def test_placed_at_is_iso_8601_with_the_amsterdam_offset(order):
    order.placed_at = dt.datetime(2024, 2, 9, 8, 15, 43, tzinfo=dt.UTC)
    assert _parse(order).findtext("o:placedAt", namespaces=NS) == "2024-02-09T09:15:43+01:00"


def test_markup_and_control_characters_stay_text(order):
    order.subscriber.name = f"Voorbeeld {LINK} ]]> &amp; \x01\x0b\ufffe B.V."
    data = order_xml(order)
    assert b"<link" not in data
    name = etree.fromstring(data).findtext("o:subscriber/o:name", namespaces=NS)
    assert name == f"Voorbeeld {LINK} ]]> &amp;  B.V."


def test_the_sealed_order_verifies(order, pki_dir, tmp_path):
    sealed = sign_xml(order_xml(order))

    check = verify_xml(sealed)
    assert check.status == SealStatus.VALID, check.message
    assert check.reference == order.reference

    result = xmlsec1_verify(sealed, pki_dir, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "OK" in result.stderr.splitlines()
