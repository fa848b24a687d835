"""Shared fixtures: the demo PKI (generated once per run) and the seeded demo data.

The demo data is loaded once, right after the test database is created, so
every test starts from the same subscribers, persons and certificates and
rolls its own changes back.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from certificates import demo_pki
from certificates.x509_fields import fingerprint
from core import proxy_secret
from organisations.models import LoginCertificate, Person
from portal import demo_data
from portal.backends import matching_login_certificates
from portal.backoffice_login import SESSION_STAFF_CARD
from portal.middleware import CERT_HEADER, VERIFY_HEADER

OFFICER_CARD = "validatie"


@pytest.fixture(scope="session")
def pki_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pki")
    demo_pki.build(out)
    settings.PORTAL_PKI_DIR = out
    settings.PORTAL_TRUST_BUNDLE = out / "trust-bundle.pem"
    settings.PORTAL_CRL_DIR = out / "crl"
    settings.PORTAL_SEAL_KEY = out / "seal.key"
    settings.PORTAL_SEAL_CERT = out / "seal.crt"
    settings.PORTAL_PROXY_SECRET_FILE = out / proxy_secret.SECRET_FILE
    settings.PORTAL_PROXY_SECRET = proxy_secret.read(settings.PORTAL_PROXY_SECRET_FILE)
    return out


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, pki_dir):  # noqa: ANN001
    with django_db_blocker.unblock():
        demo_data.seed(pki_dir)


@pytest.fixture(autouse=True)
def _pki_settings(request: pytest.FixtureRequest, pki_dir: Path) -> Iterator[None]:
    """Every test sees the demo PKI settings, and CRLs it writes (a revocation) go to a
    copy: the session's CRL directory is what the served portal and later logins read.
    End-to-end tests write there on purpose and restore what they change."""
    if request.node.get_closest_marker("e2e"):
        yield
        return
    crl_dir = request.getfixturevalue("tmp_path") / "crl"
    shutil.copytree(pki_dir / "crl", crl_dir)
    before = settings.PORTAL_CRL_DIR
    settings.PORTAL_CRL_DIR = crl_dir
    yield
    settings.PORTAL_CRL_DIR = before


def forwarded_by_nginx() -> dict[str, str]:
    """What nginx adds to every request it forwards (as WSGI keys): HTTPS, and the
    proxy secret without which no forwarded header counts (core/proxy_secret.py)."""
    return {"HTTP_X_FORWARDED_PROTO": "https", proxy_secret.META_KEY: settings.PORTAL_PROXY_SECRET}


@pytest.fixture(autouse=True)
def _dutch_after_each_test() -> Iterator[None]:
    """A request in English leaves English active in this thread (LocaleMiddleware does
    not reset it); the next test starts in the portal's default language again."""
    yield
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def client():  # noqa: ANN201
    """The Django test client as the app sees nginx: HTTPS forwarded, with the secret."""
    from django.test import Client

    return Client(**forwarded_by_nginx())


def pem_header(pki_dir: Path, slug: str) -> str:
    """What nginx forwards: the URL-encoded PEM ($ssl_client_escaped_cert)."""
    from urllib.parse import quote

    return quote((pki_dir / "clients" / f"{slug}.crt").read_text(), safe="")


@pytest.fixture
def login_as(client, pki_dir):  # noqa: ANN001
    """Make the test client present a demo client certificate, as nginx would."""

    def _login(slug: str) -> None:
        client.defaults[CERT_HEADER] = pem_header(pki_dir, slug)
        client.defaults[VERIFY_HEADER] = "SUCCESS"

    return _login


def back_office_login(client, pki_dir: Path, user, card: str = OFFICER_CARD) -> None:  # noqa: ANN001
    """Leave ``client`` as the admin login leaves an officer: a demo card (by default the
    officer's, clients/validatie.crt) mapped to ``user`` for this test, presented on every
    request, and the session logged in and bound to that card (portal/backoffice_login.py)."""
    map_card(pki_dir, card, user)
    client.defaults[CERT_HEADER] = pem_header(pki_dir, card)
    client.defaults[VERIFY_HEADER] = "SUCCESS"
    client.force_login(user)
    session = client.session
    session[SESSION_STAFF_CARD] = fingerprint(demo_pki.client_certificate(pki_dir, card))
    session.save()


def map_card(pki_dir: Path, card: str, user) -> None:  # noqa: ANN001
    """Map a demo card to the staff ``user``: its existing staff mapping is pointed at
    ``user``, or a new fingerprint mapping is made."""
    certificate = demo_pki.client_certificate(pki_dir, card)
    staff_mappings = matching_login_certificates(certificate).filter(person__isnull=True)
    if not staff_mappings.update(staff_user=user):
        LoginCertificate.objects.create(
            match=LoginCertificate.Match.FINGERPRINT,
            fingerprint=fingerprint(certificate),
            staff_user=user,
        )


@pytest.fixture
def officer_login(client, pki_dir):  # noqa: ANN001, ANN201
    """Log the test client in to the back office as ``user`` (default: the demo officer)."""
    from django.contrib.auth import get_user_model

    def _login(user=None, card: str = OFFICER_CARD):  # noqa: ANN001, ANN202
        user = user or get_user_model().objects.get(username="validatie")
        back_office_login(client, pki_dir, user, card)
        return user

    return _login


@pytest.fixture
def broker_down() -> Iterator[None]:
    """Celery publishing to a port where no Redis listens."""
    from portal.celery import app as celery_app

    before = (celery_app.conf.task_always_eager, celery_app.conf.broker_url)
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = "redis://127.0.0.1:1/0"
    celery_app._after_fork()  # drop pooled connections to the real broker
    yield
    celery_app.conf.task_always_eager, celery_app.conf.broker_url = before
    celery_app._after_fork()


@pytest.fixture
def eager_tasks() -> Iterator[None]:
    """Tasks run inline, as in the embedded default (CI points Celery at Redis)."""
    from portal.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


@pytest.fixture
def maximo(db) -> Person:  # noqa: ANN001
    return Person.objects.get(email="maximo@voorbeeld.nl")


@pytest.fixture
def frank(db) -> Person:  # noqa: ANN001
    return Person.objects.get(email="frank@andere.nl")


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Under CI=true nothing may be skipped: a skip there hides a gap."""
    if os.environ.get("CI") != "true":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    stats = reporter.stats if reporter is not None else {}
    skipped = len(stats.get("skipped", [])) + len(stats.get("xfailed", []))
    if skipped:
        if reporter is not None:
            reporter.write_line(f"CI=true: {skipped} test(s) skipped or xfailed; failing the run.")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
