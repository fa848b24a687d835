"""The machine-readable XML copy of an order (SPEC.md §8).

The same data as the PDF order form (templates/orders/documents/order_form.html),
in English element names under ``ORDER_NAMESPACE``. ``sealing.xml.sign_xml``
seals it with an enveloped XML Signature following the AORTA profile.

Built with lxml, never by string concatenation: what users typed stays text.
Characters XML 1.0 cannot carry at all (most C0 controls, lone surrogates,
U+FFFE/U+FFFF) are dropped rather than letting one odd name break the
document.
"""

from __future__ import annotations

import re

from django.utils import timezone, translation
from lxml import etree

from orders.models import CardOrderDetail, Declaration, Order, ServerOrderDetail

ORDER_NAMESPACE = "urn:certificaatportaal:order:1"
PLACE = "Online via selfservice portal"

# XML 1.0 §2.2 "Char": everything else is a fatal error for any parser.
_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(value: object) -> str:
    """``value`` as text an XML 1.0 document can hold."""
    return _NOT_XML_CHAR.sub("", "" if value is None else str(value))


def _tag(name: str) -> str:
    return f"{{{ORDER_NAMESPACE}}}{name}"


def _add(parent: etree._Element, name: str, text: object = "", **attributes: str) -> etree._Element:
    element = etree.SubElement(
        parent, _tag(name), {key: _xml_text(value) for key, value in attributes.items()}
    )
    if text != "":
        element.text = _xml_text(text)
    return element


def order_xml(order: Order) -> bytes:
    """The order as UTF-8 XML with root ``<order reference="...">``; not sealed (SPEC.md §8)."""
    root = etree.Element(
        _tag("order"), {"reference": _xml_text(order.reference)}, nsmap={None: ORDER_NAMESPACE}
    )
    _add(root, "product", order.product.name, code=order.product.code)
    if order.renews is not None:
        _add(root, "renews", serial=order.renews.serial)
    if order.campaign is not None:
        _add(root, "campaign", order.campaign.name, id=str(order.campaign.pk))

    subscriber = order.subscriber
    element = _add(root, "subscriber")
    _add(element, "number", subscriber.number)
    _add(element, "name", subscriber.name)
    _add(element, "kvkNumber", subscriber.kvk_number)
    _add(element, "oin", subscriber.oin)
    address = _add(element, "address")
    _add(address, "street", subscriber.street)
    _add(address, "postcode", subscriber.postcode)
    _add(address, "city", subscriber.city)
    _add(address, "country", subscriber.country)

    contact = order.contact_person
    element = _add(root, "contactPerson")
    _add(element, "name", contact.name)
    _add(element, "email", contact.email)
    _add(element, "phone", contact.phone)

    manager = order.certificate_manager
    element = _add(root, "certificateManager", new="true" if order.manager_is_new else "false")
    _add(element, "number", manager.manager_number)
    _add(element, "name", manager.name)
    _add(element, "email", manager.email)

    _add_certificate(root, order)

    element = _add(root, "declarations")
    # The declarations were accepted in Dutch; the copy says what was accepted.
    with translation.override("nl"):
        labels = {code: str(label) for code, label in Declaration.choices}
    for code in order.declarations:
        if code in labels:
            _add(element, "declaration", labels[code], code=code)

    element = _add(root, "submittedBy")
    _add(element, "loginCertificateIssuer", order.login_certificate_issuer)
    _add(element, "loginCertificateSerial", order.login_certificate_serial)
    _add(root, "placedAt", timezone.localtime(order.placed_at).isoformat(timespec="seconds"))
    _add(root, "place", PLACE)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _add_certificate(root: etree._Element, order: Order) -> None:
    """What the CSR asks for, as the order form and includes/csr_details.html show it;
    for a card (whose keys are made on the card) the holder and the carrier."""
    server = order.detail
    if isinstance(server, CardOrderDetail):
        _add_card(root, order, server)
        return
    if not isinstance(server, ServerOrderDetail):
        return
    csr = server.csr_details
    if server.reuses_key:
        # A replacement in a campaign: no CSR, the replaced certificate's key again.
        element = _add(root, "certificate", reusesKey="true")
        _add(element, "commonName", server.common_name)
        sans = _add(element, "subjectAltNames")
        for san in server.sans:
            _add(sans, "name", san)
        _add(element, "spkiSha256", order.spki_sha256)
        return
    element = _add(root, "certificate")
    _add(element, "commonName", csr.get("common_name", server.common_name))
    sans = _add(element, "subjectAltNames")
    for san in csr.get("sans", server.sans):
        _add(sans, "name", san)
    _add(element, "subject", csr.get("subject", ""))
    _add(element, "key", csr.get("key_description", ""))
    _add(element, "signatureAlgorithm", csr.get("signature_algorithm", ""))
    _add(element, "spkiSha256", csr.get("spki_sha256", order.spki_sha256))
    _add(element, "csr", server.csr_pem)


def _add_card(root: etree._Element, order: Order, card: CardOrderDetail) -> None:
    """The holder of a card order, as the order form shows it (manual §4–6)."""
    element = _add(root, "card", kind=order.product.kind, carrier=card.carrier)
    _add(element, "holderName", card.holder_name)
    if card.group_name:
        _add(element, "groupName", card.group_name)
    _add(element, "email", card.email)
    if card.phone:
        _add(element, "phone", card.phone)
    if card.date_of_birth is not None:
        _add(element, "dateOfBirth", card.date_of_birth.isoformat())
