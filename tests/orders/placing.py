"""Placing an order directly through the service, for tests about what follows it."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import uuid4

from cryptography import x509

from certificates.csr import CsrExpectations, csr_check
from certificates.login_certificate import LoginCertificateData
from certificates.models import Certificate, Product
from orders.models import Declaration, Order, ServerOrderDetail
from orders.services import order_place
from organisations.models import Person
from tests.certificates.csr_factory import make_csr

LOGIN_ISSUER = (
    "/C=NL/O=Certificaatportaal Demo/organizationIdentifier=NTRNL-99999999"
    "/CN=Demo Organisatie Persoon CA - G3"
)


def place_order(
    *,
    cn: str = "www.voorbeeld.nl",
    language: str = "nl",
    product_code: str = "pkio-private",
    extra_attrs: Iterable[x509.NameAttribute] = (),
    **kwargs: object,
) -> Order:
    """A renewal of the demo www.voorbeeld.nl certificate placed by Joost, unless told otherwise.

    ``extra_attrs`` go into the CSR's subject (certSIGN OV wants L and ST there)."""
    joost = Person.objects.get(email="joost@voorbeeld.nl")
    product = Product.objects.get(code=product_code)
    if "renews" not in kwargs and cn == "www.voorbeeld.nl":
        www = Certificate.objects.get(common_name="www.voorbeeld.nl")
        kwargs.update(renews=www, manager=www.certificate_manager)
    if "new_manager" not in kwargs:
        kwargs.setdefault("manager", Person.objects.get(manager_number="CB9505784"))
    checked = csr_check(
        make_csr(cn=cn, sans=[cn], extra_attrs=extra_attrs),
        expect=CsrExpectations.for_order(subscriber=joost.subscriber, product=product),
    )
    return order_place(
        token=uuid4(),
        subscriber=joost.subscriber,
        product=product,
        contact_person=joost,
        detail=ServerOrderDetail.from_csr(checked),
        declarations=[choice.value for choice in Declaration],
        login_certificate=LoginCertificateData(issuer=LOGIN_ISSUER, serial="0a1b2c"),
        language=language,
        **kwargs,
    )
