"""A personal certificate revoked by the back office no longer logs in through nginx (issue 5).

The same revocation data serves the CRL, the CRL file the login check reads,
and the portal's revoked Certificate rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from django.db.models import Q

from tests.e2e.conftest import NginxProxy
from tests.e2e.test_nginx_login import assert_not_logged_in, via_nginx

pytestmark = pytest.mark.e2e


@pytest.mark.django_db
def test_herman_logs_in_before(nginx_proxy: NginxProxy, pki_dir: Path) -> None:
    page = via_nginx(nginx_proxy, pki_dir, "herman")
    assert page.status == 200 and page.person == "Herman Testing", page.body[:2000]


@pytest.fixture
def hermans_certificate(django_db_blocker, pki_dir: Path) -> Iterator[int]:  # noqa: ANN001
    """Herman's login certificate row; restored (and its CRL rewritten) afterwards."""
    from certificates.ca import ca_backend
    from certificates.models import Certificate, RevocationRequest
    from certificates.topics import CA_REVOKE, REVOCATION_NOTICE
    from certificates.x509_fields import fingerprint
    from core.models import OutboxMessage

    leaf = x509.load_pem_x509_certificate((pki_dir / "clients" / "herman.crt").read_bytes())
    with django_db_blocker.unblock():
        certificate = Certificate.objects.get(fingerprint=fingerprint(leaf))
    yield certificate.pk
    with django_db_blocker.unblock():
        requests = RevocationRequest.objects.filter(certificate_id=certificate.pk)
        # Their outbox messages go too: a later revocation of this card is a new one.
        OutboxMessage.objects.filter(
            Q(topic=CA_REVOKE, object_id=certificate.pk)
            | Q(topic=REVOCATION_NOTICE, object_id__in=list(requests.values_list("pk", flat=True)))
        ).delete()
        requests.delete()
        Certificate.objects.filter(pk=certificate.pk).update(revoked_at=None, revocation_reason="")
        issuing_ca = x509.load_der_x509_certificate(bytes(certificate.issuing_ca.certificate.der))
        ca_backend().revoke(
            issuing_ca=issuing_ca,
            serial_number=leaf.serial_number,
            reason=x509.ReasonFlags.unspecified,
            revoked_at=leaf.not_valid_before_utc,
        )


def test_a_certificate_revoked_in_the_back_office_cannot_log_in(
    nginx_proxy: NginxProxy,
    pki_dir: Path,
    django_db_blocker,
    hermans_certificate: int,
    eager_tasks: None,
) -> None:
    """The CA call that rewrites the CRL is an outbox message; a worker runs it (here
    inline, as in the embedded default)."""
    from django.contrib.auth import get_user_model

    from certificates.models import Certificate
    from certificates.revocation import revocation_execute
    from certificates.services import revocation_request_create
    from organisations.models import Person

    with django_db_blocker.unblock():
        certificate = Certificate.objects.get(pk=hermans_certificate)
        request = revocation_request_create(
            certificate=certificate,
            reason="keyCompromise",
            requested_by=Person.objects.get(email="maximo@voorbeeld.nl"),
            explanation="Pas verloren",
        )
        officer = get_user_model().objects.get(username="validatie")
        revocation_execute(request_id=request.pk, officer=officer, address="192.0.2.10")

    crl = x509.load_pem_x509_crl((pki_dir / "crl" / "g3-persons.crl").read_bytes())
    leaf = x509.load_pem_x509_certificate((pki_dir / "clients" / "herman.crt").read_bytes())
    entry = crl.get_revoked_certificate_by_serial_number(leaf.serial_number)
    assert entry is not None
    assert entry.extensions.get_extension_for_class(x509.CRLReason).value.reason == (
        x509.ReasonFlags.key_compromise
    )
    assert_not_logged_in(via_nginx(nginx_proxy, pki_dir, "herman"), "revoked")
