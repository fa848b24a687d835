"""CRL files past their nextUpdate (issue 16): still used by the login check (a revocation
is never ignored), logged once per file and version, and /readyz says so."""

from __future__ import annotations

import datetime as dt
import logging
import os

import pytest
from django.conf import settings
from django.test import Client

from certificates import demo_pki
from portal import client_certificate
from portal.client_certificate import CertificateRejected, check
from tests.crl_files import write_crl

pytestmark = pytest.mark.django_db

STALE = -dt.timedelta(days=1)


@pytest.fixture
def joost(pki_dir):  # noqa: ANN001, ANN201
    return demo_pki.client_certificate(pki_dir, "joost")


def readyz_crl() -> tuple[int, dict[str, str], str]:
    response = Client(HTTP_HOST="web:8000").get("/readyz")
    return response.status_code, response.json()["checks"]["crl"], response.content.decode()


def stale_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == "portal.auth"
        and record.levelno == logging.WARNING
        and "past its nextUpdate" in record.getMessage()
    ]


def test_a_stale_crl_still_revokes(pki_dir, joost):
    write_crl(pki_dir, joost, settings.PORTAL_CRL_DIR / "stale.crl", next_update=STALE)
    with pytest.raises(CertificateRejected) as rejected:
        check(joost)
    assert rejected.value.failure.value == "revoked"


def test_readyz_fails_on_a_stale_crl_without_naming_its_path(pki_dir, joost):
    assert readyz_crl()[:2] == (200, {"status": "ok"})
    write_crl(pki_dir, joost, settings.PORTAL_CRL_DIR / "stale.crl", next_update=STALE)
    status, crl, body = readyz_crl()
    assert (status, crl) == (503, {"status": "failed", "detail": "stale"})
    assert "stale.crl" not in body
    assert str(settings.PORTAL_CRL_DIR) not in body


def test_a_stale_crl_is_logged_once_per_version_of_the_file(pki_dir, joost, caplog):
    path = settings.PORTAL_CRL_DIR / "stale.crl"
    write_crl(pki_dir, joost, path, next_update=STALE)
    for _ in range(3):
        readyz_crl()
        client_certificate.local_crls()
    (warning,) = stale_warnings(caplog)
    assert f"CRL file {path} is past its nextUpdate" in warning
    assert "still used" in warning

    # Rewritten by a fetch job that fetched the same stale CRL again: a new version.
    write_crl(pki_dir, joost, path, next_update=STALE)
    os.utime(path, ns=(0, 0))
    readyz_crl()
    readyz_crl()
    assert len(stale_warnings(caplog)) == 2


def test_a_crl_going_stale_while_loaded_is_reported_then(pki_dir, joost, caplog, monkeypatch):
    path = settings.PORTAL_CRL_DIR / "fresh.crl"
    crl = write_crl(pki_dir, joost, path, next_update=dt.timedelta(hours=1))
    assert readyz_crl()[1] == {"status": "ok"}
    assert stale_warnings(caplog) == []

    later = crl.next_update_utc + dt.timedelta(seconds=1)
    monkeypatch.setattr(client_certificate, "clock", lambda: later)
    client_certificate.local_crls()
    (warning,) = stale_warnings(caplog)
    assert str(path) in warning
    assert readyz_crl()[:2] == (503, {"status": "failed", "detail": "stale"})
    assert len(stale_warnings(caplog)) == 1


def test_a_fresh_crl_in_place_of_the_stale_one_makes_readyz_pass(pki_dir, joost):
    path = settings.PORTAL_CRL_DIR / "persons.crl"
    write_crl(pki_dir, joost, path, next_update=STALE)
    assert readyz_crl()[0] == 503
    write_crl(pki_dir, joost, path)
    os.utime(path, ns=(0, 0))
    assert readyz_crl()[:2] == (200, {"status": "ok"})


@pytest.mark.parametrize("crl_dir", ["absent", "empty", None])
def test_without_crl_files_the_check_passes_with_none(settings, tmp_path, crl_dir):
    (tmp_path / "empty").mkdir()
    settings.PORTAL_CRL_DIR = tmp_path / crl_dir if crl_dir else None
    assert readyz_crl()[:2] == (200, {"status": "ok", "detail": "none"})
