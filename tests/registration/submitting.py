"""Submitting change requests directly through the service, for tests about what follows."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from certificates.login_certificate import LoginCertificateData
from organisations.models import Person
from registration.id_documents import check_id_document, store_id_document
from registration.models import ChangeRequest
from registration.services import change_request_submit
from tests.registration.conftest import png_upload

LOGIN_ISSUER = (
    "/C=NL/O=Certificaatportaal Demo/organizationIdentifier=NTRNL-99999999"
    "/CN=Demo Organisatie Persoon CA - G3"
)


def person(slug: str) -> Person:
    return Person.objects.get(email=f"{slug}@voorbeeld.nl")


def submit_change(
    sections: dict[str, Any], *, by: str = "maximo", language: str = "nl"
) -> ChangeRequest:
    submitter = person(by)
    return change_request_submit(
        token=uuid4(),
        subscriber=submitter.subscriber,
        submitted_by=submitter,
        sections=sections,
        login_certificate=LoginCertificateData(issuer=LOGIN_ISSUER, serial="0a1b2c"),
        language=language,
    )


def stored_png() -> dict[str, str]:
    checked = check_id_document(png_upload())
    return {
        "stored_name": store_id_document(checked),
        "original_name": checked.original_name,
        "content_type": checked.content_type,
    }


def address_change() -> dict[str, Any]:
    return {
        "organisation": {
            "before": {
                "name": "Voorbeeld B.V.",
                "kvk_number": "12345678",
                "street": "Wilhelminakade 123",
                "postcode": "3072 AP",
                "city": "Rotterdam",
                "country": "NL",
            },
            "after": {
                "name": "Voorbeeld B.V.",
                "kvk_number": "12345678",
                "street": "Coolsingel 40",
                "postcode": "3011 AD",
                "city": "Rotterdam",
                "country": "NL",
            },
        }
    }


def new_contact(**after: str) -> dict[str, Any]:
    return {
        "change": "new",
        "after": {
            "given_name": "Nina",
            "surname": "Nieuw",
            "email": "nina@voorbeeld.nl",
            "phone": "0612345678",
            "job_title": "Security officer",
            "contact_authorisation": "basic",
            **after,
        },
        "id_document": stored_png(),
    }


def new_representative() -> dict[str, Any]:
    return {
        "change": "new",
        "after": {
            "given_name": "Pedro",
            "surname": "con Certo",
            "birth_date": "1971-12-22",
            "job_title": "Dirigent",
            "phone": "0612390875",
            "email": "pedro@voorbeeld.nl",
        },
    }
