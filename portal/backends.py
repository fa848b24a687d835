"""Mapping a checked login certificate to a registered person (SPEC.md §5 step 3)."""

from __future__ import annotations

import logging

from cryptography import x509
from cryptography.x509.oid import NameOID
from django.db.models import Q, QuerySet

from certificates.x509_fields import fingerprint, name_attribute, uzi_number
from core.access import Failure
from organisations.models import LoginCertificate, Person
from portal import client_certificate
from portal.client_certificate import CertificateRejected

logger = logging.getLogger("portal.auth")


def matching_login_certificates(certificate: x509.Certificate) -> QuerySet[LoginCertificate]:
    """The mappings (of persons and of staff users) that ``certificate`` satisfies.

    By issuer + subject serialNumber, by the UZI number in the subjectAltName
    otherName 2.5.5.5, or by the SHA-256 fingerprint; never by the CN alone.
    """
    conditions = Q(match=LoginCertificate.Match.FINGERPRINT, fingerprint=fingerprint(certificate))
    subject_serial = name_attribute(certificate.subject, NameOID.SERIAL_NUMBER)
    if subject_serial:
        conditions |= Q(
            match=LoginCertificate.Match.ISSUER_SERIAL,
            issuer=certificate.issuer.rfc4514_string(),
            subject_serial=subject_serial,
        )
    if uzi := uzi_number(certificate):
        conditions |= Q(match=LoginCertificate.Match.UZI, uzi_number=uzi)
    return LoginCertificate.objects.filter(conditions)


class ClientCertificateBackend:
    """Authenticates a person by their smartcard certificate.

    Matches as ``matching_login_certificates`` does, only mappings of persons
    (a staff user's card opens no customer account), and never creates anything.
    """

    def authenticate(self, certificate: x509.Certificate) -> Person:
        client_certificate.check(certificate)
        person = self.person_for(certificate)
        if person is None:
            raise CertificateRejected(Failure.NOT_REGISTERED, "no matching registration")
        return person

    def person_for(self, certificate: x509.Certificate) -> Person | None:
        person_ids = set(
            matching_login_certificates(certificate)
            .filter(person__isnull=False)
            .values_list("person_id", flat=True)
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
