"""SPEC.md §5 through the middleware: every way a login can fail, and the session binding."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.urls import reverse

from certificates.models import Certificate
from core import proxy_secret
from organisations.models import LoginCertificate, Person
from portal.middleware import CERT_HEADER, SESSION_FINGERPRINT, VERIFY_HEADER
from tests.conftest import forwarded_by_nginx, pem_header

pytestmark = pytest.mark.django_db


def failure_of(response) -> str:  # noqa: ANN001
    assert response.status_code == 403
    return response.context["failure"].value


@pytest.mark.parametrize(
    ("slug", "name"),
    [
        ("maximo", "Maximo de Tester"),
        ("joost", "Joost Test"),
        ("herman", "Herman Testing"),
        ("frank", "Frank TestF"),
    ],
)
def test_each_registered_person_lands_on_home(client, login_as, slug, name):
    login_as(slug)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert response.context["person"].name == name


@pytest.mark.parametrize(
    ("slug", "failure"),
    [
        ("unregistered", "not_registered"),
        ("expired", "expired"),
        ("signature-only", "wrong_type"),
        ("untrusted", "untrusted"),
        ("revoked", "revoked"),
    ],
)
def test_negative_certificates_do_not_get_in(client, login_as, slug, failure):
    login_as(slug)
    assert failure_of(client.get(reverse("home"))) == failure


def test_no_certificate_is_not_logged_in(client):
    assert failure_of(client.get(reverse("home"))) == "no_certificate"


def test_verify_must_be_success(client, pki_dir):
    response = client.get(
        reverse("home"),
        headers={
            "x-ssl-client-cert": pem_header(pki_dir, "maximo"),
            "x-ssl-client-verify": "FAILED:certificate has expired",
        },
    )
    assert failure_of(response) == "expired"


def test_headers_from_an_untrusted_address_are_ignored(client, pki_dir, caplog):
    response = client.get(
        reverse("home"),
        REMOTE_ADDR="192.0.2.10",
        secure=True,  # a direct TLS connection, past the HTTPS redirect
        **{CERT_HEADER: pem_header(pki_dir, "maximo"), VERIFY_HEADER: "SUCCESS"},
    )
    assert failure_of(response) == "no_certificate"
    assert "untrusted address 192.0.2.10" in caplog.text


def test_trusted_proxies_setting_decides(client, pki_dir, settings):
    import ipaddress

    settings.PORTAL_TRUSTED_PROXIES = [ipaddress.ip_network("10.0.0.0/8")]
    headers = {CERT_HEADER: pem_header(pki_dir, "maximo"), VERIFY_HEADER: "SUCCESS"}
    from_proxy = client.get(reverse("home"), REMOTE_ADDR="10.1.2.3", **headers)
    assert from_proxy.status_code == 200
    direct = client.get(reverse("home"), REMOTE_ADDR="127.0.0.1", secure=True, **headers)
    assert failure_of(direct) == "no_certificate"


def maximo_forwarded(pki_dir, secret: str | None) -> dict[str, str]:  # noqa: ANN001
    """Maximo's public certificate as nginx forwards it, with ``secret`` (None: none)."""
    headers = {CERT_HEADER: pem_header(pki_dir, "maximo"), VERIFY_HEADER: "SUCCESS"}
    if secret is not None:
        headers[proxy_secret.META_KEY] = secret
    return headers


def test_the_proxy_secret_from_a_trusted_address_logs_in(pki_dir, settings):
    from django.test import Client

    forwarded = maximo_forwarded(pki_dir, settings.PORTAL_PROXY_SECRET)
    response = Client().get(reverse("home"), REMOTE_ADDR="127.0.0.1", secure=True, **forwarded)
    assert response.status_code == 200
    assert response.context["person"].name == "Maximo de Tester"


@pytest.mark.parametrize("forged", ["none", "empty", "wrong", "one-off"])
def test_headers_from_loopback_without_the_proxy_secret_are_ignored(
    pki_dir, settings, caplog, forged
):
    """Any process on the host reaches gunicorn on 127.0.0.1, a trusted address. With
    Maximo's public certificate but not nginx's secret it is not logged in (issue 11)."""
    from django.test import Client

    right = settings.PORTAL_PROXY_SECRET
    secret = {
        "none": None,
        "empty": "",
        "wrong": "x" * len(right),
        "one-off": right[:-1] + ("A" if right[-1] != "A" else "B"),
    }[forged]
    forwarded = maximo_forwarded(pki_dir, secret)
    response = Client().get(reverse("home"), REMOTE_ADDR="127.0.0.1", secure=True, **forwarded)
    assert failure_of(response) == "no_certificate"
    assert "ignored: missing or wrong proxy secret from 127.0.0.1" in caplog.text


def test_without_a_configured_secret_no_header_counts(pki_dir, settings, caplog):
    """No proxy-secret file: even an empty secret header does not match an empty secret."""
    from django.test import Client

    settings.PORTAL_PROXY_SECRET = ""
    forwarded = maximo_forwarded(pki_dir, "")
    response = Client().get(reverse("home"), REMOTE_ADDR="127.0.0.1", secure=True, **forwarded)
    assert failure_of(response) == "no_certificate"
    assert "no proxy secret configured" in caplog.text


def test_garbage_certificate_header_is_unreadable(client):
    response = client.get(
        reverse("home"),
        **{CERT_HEADER: quote("-----BEGIN CERTIFICATE-----\nAAAA\n"), VERIFY_HEADER: "SUCCESS"},
    )
    assert failure_of(response) == "unreadable"


def test_a_name_alike_ca_is_not_trusted(client, pki_dir):
    """The untrusted demo CA has exactly the trusted CA's name (CVE-2026-35616 pattern)."""
    from cryptography import x509

    fake = x509.load_pem_x509_certificate((pki_dir / "clients/untrusted-ca.crt").read_bytes())
    real = x509.load_pem_x509_certificates((pki_dir / "trust-bundle.pem").read_bytes())[0]
    assert fake.subject == real.subject
    response = client.get(
        reverse("home"),
        **{CERT_HEADER: pem_header(pki_dir, "untrusted"), VERIFY_HEADER: "SUCCESS"},
    )
    assert failure_of(response) == "untrusted"


def test_revoked_in_the_portal_records_is_refused(client, login_as, maximo):
    login_as("joost")
    assert client.get(reverse("home")).status_code == 200
    joost_auth = Certificate.objects.get(
        card__holder_name="Joost Test", card_usage="authentication"
    )
    joost_auth.revoked_at = joost_auth.not_before
    joost_auth.revocation_reason = "keyCompromise"
    joost_auth.save()
    assert failure_of(client.get(reverse("home"))) == "revoked"


def test_common_name_alone_does_not_map(client, login_as):
    """The unregistered certificate is valid; only a registration would let it in."""
    login_as("unregistered")
    assert failure_of(client.get(reverse("home"))) == "not_registered"


def test_inactive_person_cannot_log_in(client, login_as):
    Person.objects.filter(email="joost@voorbeeld.nl").update(status=Person.Status.INACTIVE)
    login_as("joost")
    assert failure_of(client.get(reverse("home"))) == "not_registered"


def test_certificate_manager_without_contact_role_cannot_log_in(client, login_as):
    herman = Person.objects.get(email="herman@voorbeeld.nl")
    herman.contact_authorisation = ""
    herman.manager_number = "CB1234567"
    herman.save()
    login_as("herman")
    assert failure_of(client.get(reverse("home"))) == "not_registered"


def test_ambiguous_mapping_is_refused(client, login_as, pki_dir):
    from certificates import demo_pki
    from certificates.x509_fields import fingerprint

    joost = Person.objects.get(email="joost@voorbeeld.nl")
    LoginCertificate.objects.create(
        person=joost,
        match=LoginCertificate.Match.FINGERPRINT,
        fingerprint=fingerprint(demo_pki.client_certificate(pki_dir, "maximo")),
    )
    login_as("maximo")
    assert failure_of(client.get(reverse("home"))) == "not_registered"


def test_session_is_bound_to_the_certificate(client, login_as):
    login_as("maximo")
    client.get(reverse("home"))
    first_key = client.session.session_key
    assert client.session[SESSION_FINGERPRINT]

    login_as("joost")
    response = client.get(reverse("home"))
    assert response.context["person"].name == "Joost Test"
    assert client.session.session_key != first_key
    from django.contrib.sessions.models import Session

    assert not Session.objects.filter(session_key=first_key).exists()


def test_session_without_certificate_is_logged_out(client, login_as):
    login_as("maximo")
    client.get(reverse("home"))
    key = client.session.session_key
    del client.defaults[CERT_HEADER]
    del client.defaults[VERIFY_HEADER]
    assert failure_of(client.get(reverse("home"))) == "no_certificate"
    from django.contrib.sessions.models import Session

    assert not Session.objects.filter(session_key=key).exists()


def test_logout_keeps_the_card_out_until_login(client, login_as):
    login_as("maximo")
    client.get(reverse("home"))
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    page = client.get(reverse("logout"))
    assert "sluit uw browser af" in page.content.decode()
    assert failure_of(client.get(reverse("home"))) == "logged_out"
    client.post(reverse("login"))
    assert client.get(reverse("home")).status_code == 200


def test_csrf_stays_on_for_certificate_logins(pki_dir):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True, **forwarded_by_nginx())
    csrf_client.defaults[CERT_HEADER] = pem_header(pki_dir, "maximo")
    csrf_client.defaults[VERIFY_HEADER] = "SUCCESS"
    assert csrf_client.get(reverse("home")).status_code == 200
    assert csrf_client.post(reverse("logout")).status_code == 403


def test_forwarded_proto_counts_only_from_the_proxy(client):
    from django.test import Client

    direct = Client(**forwarded_by_nginx(), REMOTE_ADDR="192.0.2.10")
    # Not believed: the HTTPS redirect still applies.
    assert direct.get(reverse("logout")).status_code == 301
    local = Client(HTTP_X_FORWARDED_PROTO="https", REMOTE_ADDR="127.0.0.1")  # no secret
    assert local.get(reverse("logout")).status_code == 301
    assert client.get(reverse("logout")).status_code == 200
