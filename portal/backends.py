"""Mapping a checked login certificate to a registered person (SPEC.md §5 step 3)."""

from __future__ import annotations

import logging

from cryptography import x509
from cryptography.x509.oid import NameOID
from django.db.models import Q

from certificates.x509_fields import fingerprint, name_attribute, uzi_number
from organisations.models import LoginCertificate, Person
from portal import client_certificate
from portal.client_certificate import CertificateRejected, Failure

logger = logging.getLogger("portal.auth")


class ClientCertificateBackend:
    """Authenticates a person by their smartcard certificate.

    Matches on issuer + subject serialNumber, on the UZI number in the
    subjectAltName otherName 2.5.5.5, or on a registered SHA-256
    fingerprint; never on the CN alone, and never creates anything.
    """

    def authenticate(self, certificate: x509.Certificate) -> Person:
        client_certificate.check(certificate)
        person = self.person_for(certificate)
        if person is None:
            raise CertificateRejected(Failure.NOT_REGISTERED, "no matching registration")
        return person

    def person_for(self, certificate: x509.Certificate) -> Person | None:
        conditions = Q(
            match=LoginCertificate.Match.FINGERPRINT, fingerprint=fingerprint(certificate)
        )
        subject_serial = name_attribute(certificate.subject, NameOID.SERIAL_NUMBER)
        if subject_serial:
            conditions |= Q(
                match=LoginCertificate.Match.ISSUER_SERIAL,
                issuer=certificate.issuer.rfc4514_string(),
                subject_serial=subject_serial,
            )
        if uzi := uzi_number(certificate):
            conditions |= Q(match=LoginCertificate.Match.UZI, uzi_number=uzi)
        person_ids = set(
            LoginCertificate.objects.filter(conditions).values_list("person_id", flat=True)
        )
        if len(person_ids) > 1:
            logger.error(
                "Login certificate %s matches several persons %s; refused",
                fingerprint(certificate),
                sorted(person_ids),
            )
            return None
        if not person_ids:
            return None
        person = Person.objects.select_related("subscriber").get(pk=person_ids.pop())
        if not person.can_log_in:
            logger.info("Person %s matched but may not log in (inactive or no role)", person.pk)
            return None
        return person
