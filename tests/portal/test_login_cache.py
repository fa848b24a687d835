"""The login check after the first request of a session (issue 15 point 3): the chain and
CRL verdict comes from the cache, one query reads the portal's records, and every way a
login stops being good still ends the session at the next request."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography import x509
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from certificates import demo_pki
from certificates.models import Certificate, RevocationReason
from certificates.services import certificate_mark_revoked
from certificates.x509_fields import fingerprint
from organisations.models import LoginCertificate, Person
from portal import client_certificate
from portal.middleware import CERT_HEADER, VERIFY_HEADER, ClientCertificateMiddleware
from tests.conftest import forwarded_by_nginx, pem_header
from tests.crl_files import write_crl

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain_verifications(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Counts the chain verifications (one per full check of the signatures)."""
    calls: list[str] = []
    verify_chain = client_certificate._verified_chain

    def counting(certificate, anchors, at):  # noqa: ANN001, ANN202
        calls.append(fingerprint(certificate))
        return verify_chain(certificate, anchors, at)

    monkeypatch.setattr(client_certificate, "_verified_chain", counting)
    return calls


@pytest.fixture
def joost_logged_in(client, login_as):  # noqa: ANN001, ANN201
    login_as("joost")
    assert client.get(reverse("home")).status_code == 200
    return client


def failure_of(response) -> str:  # noqa: ANN001
    assert response.status_code == 403
    return response.context["failure"].value


def joost_leaf(pki_dir: Path) -> x509.Certificate:
    return demo_pki.client_certificate(pki_dir, "joost")


def session_gone(client) -> bool:  # noqa: ANN001
    key = client.cookies.get(settings.SESSION_COOKIE_NAME)
    return key is None or not Session.objects.filter(session_key=key.value).exists()


def test_the_second_request_of_a_session_verifies_no_chain(client, login_as, chain_verifications):
    login_as("joost")
    assert client.get(reverse("home")).status_code == 200
    assert len(chain_verifications) == 1
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert response.context["person"].name == "Joost Test"
    assert len(chain_verifications) == 1


def test_the_second_request_costs_the_session_and_one_query(
    joost_logged_in, pki_dir, django_assert_num_queries
):
    request = RequestFactory().get(
        "/",
        **forwarded_by_nginx(),
        **{CERT_HEADER: pem_header(pki_dir, "joost"), VERIFY_HEADER: "SUCCESS"},
    )
    request.session = SessionStore(joost_logged_in.session.session_key)
    middleware = ClientCertificateMiddleware(lambda request: HttpResponse())
    with django_assert_num_queries(2):  # the session, then the person with the checks
        middleware(request)
    assert request.person.name == "Joost Test"
    assert request.login_failure is None
    assert request.client_certificate is not None


def test_a_new_session_with_the_same_card_reuses_the_verified_chain(
    client, login_as, pki_dir, chain_verifications
):
    login_as("joost")
    assert client.get(reverse("home")).status_code == 200
    client.cookies.clear()
    assert client.get(reverse("home")).status_code == 200
    assert len(chain_verifications) == 1


def test_a_revocation_in_the_portal_ends_the_session(joost_logged_in, pki_dir):
    certificate = Certificate.objects.get(fingerprint=fingerprint(joost_leaf(pki_dir)))
    certificate_mark_revoked(
        certificate=certificate,
        reason=RevocationReason.KEY_COMPROMISE,
        revoked_at=certificate.not_before,
    )
    assert failure_of(joost_logged_in.get(reverse("home"))) == "revoked"
    assert session_gone(joost_logged_in)


def test_a_revoked_at_written_any_other_way_ends_the_session(joost_logged_in, pki_dir):
    leaf = joost_leaf(pki_dir)
    Certificate.objects.filter(fingerprint=fingerprint(leaf)).update(
        revoked_at=leaf.not_valid_before_utc, revocation_reason="keyCompromise"
    )
    assert failure_of(joost_logged_in.get(reverse("home"))) == "revoked"


def test_a_new_crl_file_listing_the_card_ends_the_session(
    joost_logged_in, pki_dir, chain_verifications
):
    write_crl(pki_dir, joost_leaf(pki_dir), settings.PORTAL_CRL_DIR / "new.crl")
    assert failure_of(joost_logged_in.get(reverse("home"))) == "revoked"
    assert len(chain_verifications) == 1
    assert session_gone(joost_logged_in)


def test_a_crl_file_rewritten_in_place_ends_the_session(joost_logged_in, pki_dir):
    """The built-in CA replaces its CRL file (os.replace) when it revokes."""
    (persons_crl,) = [
        path
        for path in settings.PORTAL_CRL_DIR.iterdir()
        if x509.load_pem_x509_crl(path.read_bytes()).issuer == joost_leaf(pki_dir).issuer
    ]
    persons_crl.unlink()
    write_crl(pki_dir, joost_leaf(pki_dir), persons_crl)
    assert failure_of(joost_logged_in.get(reverse("home"))) == "revoked"


def test_deactivating_the_person_ends_the_session(joost_logged_in):
    Person.objects.filter(email="joost@voorbeeld.nl").update(status=Person.Status.INACTIVE)
    assert failure_of(joost_logged_in.get(reverse("home"))) == "not_registered"
    assert session_gone(joost_logged_in)


def test_removing_the_mapping_ends_the_session(joost_logged_in):
    LoginCertificate.objects.filter(person__email="joost@voorbeeld.nl").delete()
    assert failure_of(joost_logged_in.get(reverse("home"))) == "not_registered"


def test_a_second_person_on_the_same_card_ends_the_session(joost_logged_in, pki_dir):
    LoginCertificate.objects.create(
        person=Person.objects.get(email="maximo@voorbeeld.nl"),
        match=LoginCertificate.Match.FINGERPRINT,
        fingerprint=fingerprint(joost_leaf(pki_dir)),
    )
    assert failure_of(joost_logged_in.get(reverse("home"))) == "not_registered"


def test_the_card_expiring_during_the_session_ends_it(joost_logged_in, pki_dir, monkeypatch):
    after = joost_leaf(pki_dir).not_valid_after_utc + dt.timedelta(seconds=1)
    monkeypatch.setattr(client_certificate, "clock", lambda: after)
    assert failure_of(joost_logged_in.get(reverse("home"))) == "expired"
    assert session_gone(joost_logged_in)


def test_the_cached_verdict_holds_only_while_the_whole_chain_is_valid(pki_dir):
    leaf = joost_leaf(pki_dir)
    chain = [leaf, *x509.load_pem_x509_certificates((pki_dir / "trust-bundle.pem").read_bytes())]
    verified = client_certificate.verify(leaf)
    in_chain = [c for c in chain if c.subject == leaf.issuer or c.subject == leaf.subject]
    assert verified.valid_until <= min(c.not_valid_after_utc for c in in_chain)
    assert verified.valid_from >= max(c.not_valid_before_utc for c in in_chain)
    later = verified.valid_until + dt.timedelta(seconds=1)
    with pytest.raises(client_certificate.CertificateRejected):
        client_certificate.verify(leaf, now=later)
