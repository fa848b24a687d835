"""Health checks straight to gunicorn and the request id through nginx (issue 16)."""

from __future__ import annotations

import http.client
import json
import re
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import NginxProxy, PortalServer
from tests.e2e.test_nginx_login import via_nginx

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]

NGINX_REQUEST_ID = re.compile(r"[0-9a-f]{32}")


def plain_http(server: PortalServer, path: str) -> tuple[int, dict]:
    """As a container health check: plain HTTP to gunicorn, by the container's name."""
    connection = http.client.HTTPConnection(server.host, server.port, timeout=15)
    try:
        connection.request("GET", path, headers={"Host": "web:8000"})
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_health_checks_straight_to_gunicorn(portal_server: PortalServer, path: str) -> None:
    """gunicorn with HTTPS required (PORTAL_HTTPS=1) and other allowed hosts: no redirect,
    no 400, and ready with its database, broker, seal, CA keys and fresh CRL files."""
    status, body = plain_http(portal_server, path)
    assert status == 200, body
    assert body["status"] == "ok"
    if path == "/readyz":
        assert {name: check["status"] for name, check in body["checks"].items()} == {
            "database": "ok",
            "broker": "ok",
            "seal": "ok",
            "ca": "ok",
            "crl": "ok",
        }


def test_nginx_replaces_a_request_id_the_client_sent(
    nginx_proxy: NginxProxy, pki_dir: Path
) -> None:
    """nginx sends its own $request_id with the proxy secret; the client's never counts."""
    spoofed = "c0ffee" * 5 + "00"
    page = via_nginx(nginx_proxy, pki_dir, "maximo", headers={"X-Request-ID": spoofed})
    assert page.status == 200
    request_id = page.headers["X-Request-ID"]
    assert NGINX_REQUEST_ID.fullmatch(request_id)
    assert request_id != spoofed


def test_nginx_logs_the_request_id_the_portal_answered_with(
    nginx_proxy: NginxProxy, pki_dir: Path
) -> None:
    """nginx's access log is one JSON object per request, with the same request id as the
    portal's answer (and its own log lines): one request can be followed through both."""
    page = via_nginx(nginx_proxy, pki_dir, "joost")
    request_id = page.headers["X-Request-ID"]
    log = nginx_proxy.prefix / "access.log"
    # nginx writes the line when it finishes the request, which may be just after the
    # client has read the answer.
    deadline = time.monotonic() + 10
    while True:
        entries = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
        ours = [e for e in entries if e["request_id"] == request_id]
        if ours or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    [entry] = ours
    assert entry["status"] == 200
    assert entry["method"] == "GET"
    assert entry["client_verify"] == "SUCCESS"
