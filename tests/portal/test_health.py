"""/healthz and /readyz (issue 16): JSON for health checkers, over plain HTTP, no login."""

from __future__ import annotations

import pytest
from django.test import Client

# Nobody listens on port 1 (tcpmux): a broker that is down.
CLOSED_PORT_BROKER = "redis://127.0.0.1:1/0"


def checker() -> Client:
    """A health checker: plain HTTP straight to gunicorn, no nginx, no cookies."""
    return Client(HTTP_HOST="web:8000")


def test_healthz_answers_without_touching_the_database():
    # No django_db mark: any query would fail this test.
    response = checker().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]
    assert not response.cookies


@pytest.mark.django_db
def test_readyz_is_ready_on_the_test_setup(settings):
    response = checker().get("/readyz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "broker", "seal", "ca", "crl"}
    assert all(check["status"] == "ok" for check in body["checks"].values())
    if not settings.REDIS_URL:
        assert body["checks"]["broker"] == {"status": "ok", "detail": "eager"}
    assert "no-store" in response["Cache-Control"]
    assert not response.cookies


def failed_checks(response) -> dict[str, dict[str, str]]:  # noqa: ANN001
    assert response.status_code == 503, response.content
    body = response.json()
    assert body["status"] == "failed"
    return {name: check for name, check in body["checks"].items() if check["status"] != "ok"}


@pytest.mark.django_db
def test_readyz_names_a_seal_key_it_cannot_read(settings, tmp_path):
    settings.PORTAL_SEAL_KEY = tmp_path / "gone" / "seal.key"
    response = checker().get("/readyz")
    assert failed_checks(response) == {
        "seal": {"status": "failed", "detail": "key or certificate unreadable"}
    }
    assert str(tmp_path) not in response.content.decode()


@pytest.mark.django_db
def test_readyz_names_a_seal_key_of_another_certificate(settings, pki_dir):
    settings.PORTAL_SEAL_KEY = pki_dir / "server.key"
    response = checker().get("/readyz")
    assert failed_checks(response) == {
        "seal": {"status": "failed", "detail": "key does not match the certificate"}
    }


@pytest.mark.django_db
def test_readyz_names_a_missing_seal(settings):
    settings.PORTAL_SEAL_KEY = settings.PORTAL_SEAL_CERT = None
    assert failed_checks(checker().get("/readyz")) == {
        "seal": {"status": "failed", "detail": "not configured"}
    }


@pytest.mark.django_db
def test_readyz_names_a_broker_that_is_down(settings):
    settings.CELERY_BROKER_URL = CLOSED_PORT_BROKER
    response = checker().get("/readyz")
    assert failed_checks(response) == {"broker": {"status": "failed", "detail": "unreachable"}}
    assert "127.0.0.1:1" not in response.content.decode()


@pytest.mark.django_db
def test_readyz_names_ca_keys_it_cannot_load(settings, pki_dir, tmp_path):
    """A CA directory with only a certificate (the key kept elsewhere): nothing to issue from."""
    (tmp_path / "g1-root.crt").write_bytes((pki_dir / "ca" / "g1-root.crt").read_bytes())
    settings.PORTAL_CA_DIR = tmp_path
    response = checker().get("/readyz")
    assert failed_checks(response) == {"ca": {"status": "failed", "detail": "CA keys not loadable"}}
    assert str(tmp_path) not in response.content.decode()


@pytest.mark.django_db
def test_readyz_names_a_ca_key_of_another_certificate(settings, pki_dir, tmp_path):
    ca = pki_dir / "ca"
    (tmp_path / "g1-services.crt").write_bytes((ca / "g1-services.crt").read_bytes())
    (tmp_path / "g1-services.key").write_bytes((ca / "g3-services.key").read_bytes())
    settings.PORTAL_CA_DIR = tmp_path
    assert failed_checks(checker().get("/readyz")) == {
        "ca": {"status": "failed", "detail": "CA keys not loadable"}
    }


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_reachable_over_plain_http_by_any_host_name(settings, path):
    """A health checker asks gunicorn directly (no nginx, no HTTPS), by the container's
    name, which is no allowed host; every other page is redirected to HTTPS."""
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["portal.example.nl"]
    assert checker().get(path).status_code == 200
    page = Client(HTTP_HOST="portal.example.nl").get("/")
    assert page.status_code == 301
    assert page["Location"] == "https://portal.example.nl/"


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_only_get_and_head(path):
    assert checker().post(path).status_code == 405
