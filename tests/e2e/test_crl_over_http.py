"""CRLs and CA certificates over plain HTTP through the real nginx (issue 16, point 2).

Relying parties fetch the CRL distribution point and the authorityInfoAccess
caIssuers URL of an issued certificate over http:// and follow no redirect.
nginx's plain-HTTP server (`nginx_conf --http-listen`) passes exactly those
URLs to the portal, with no client-certificate header and no proxy secret, and
sends everything else to HTTPS. The URLs in the certificates name
http://localhost/...; the tests fetch them from nginx's HTTP port instead.
"""

from __future__ import annotations

import http.client
import json
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from cryptography import x509
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtensionOID

from certificates.models import Certificate, Kind
from certificates.x509_fields import fingerprint
from tests.certificates.test_ca_local import issue
from tests.e2e.conftest import (
    BASE_DIR,
    NginxProxy,
    PortalServer,
    free_port,
    running_nginx,
    stop,
    wait_for_port,
)
from tests.e2e.test_nginx_login import forged_headers, via_nginx

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]


def fetch(
    port: int, url_or_path: str, headers: dict[str, str] | None = None, method: str = "GET"
) -> tuple[int, http.client.HTTPMessage, bytes]:
    """One plain-HTTP request to nginx's HTTP port on localhost; no redirect followed."""
    parts = urlsplit(url_or_path)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    connection = http.client.HTTPConnection("localhost", port, timeout=15)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def published_urls(certificate: x509.Certificate) -> tuple[str, str | None]:
    """The CRL distribution point and the caIssuers URL (if any) the certificate names."""
    extensions = certificate.extensions
    points = extensions.get_extension_for_oid(ExtensionOID.CRL_DISTRIBUTION_POINTS).value
    (crl_url,) = [name.value for point in points for name in point.full_name or []]
    try:
        access = extensions.get_extension_for_oid(ExtensionOID.AUTHORITY_INFORMATION_ACCESS).value
    except x509.ExtensionNotFound:
        return crl_url, None
    (ca_url,) = [
        d.access_location.value
        for d in access
        if d.access_method == AuthorityInformationAccessOID.CA_ISSUERS
    ]
    return crl_url, ca_url


def on_nginx(url: str, proxy: NginxProxy) -> str:
    """``url`` (http://localhost/...) at nginx's HTTP port: same host, same path."""
    parts = urlsplit(url)
    assert parts.scheme == "http" and parts.hostname == "localhost", url
    return parts._replace(netloc=f"localhost:{proxy.http_port}").geturl()


def test_the_crl_and_ca_certificate_named_in_an_issued_certificate_come_over_plain_http(
    nginx_proxy: NginxProxy, pki_dir: Path, settings
) -> None:
    """A server certificate as the built-in CA issues it names its CRL and its CA's
    certificate: both answer 200 over plain HTTP (no redirect), the CA certificate (DER)
    is the one that signed it, and the CRL is signed by that CA and lists the demo
    certificate that CA revoked, whose CRL distribution point is the same URL."""
    settings.PORTAL_CA_DIR = pki_dir / "ca"
    issued = issue().certificate
    crl_url, ca_url = published_urls(issued)
    assert ca_url is not None
    slug = Path(urlsplit(crl_url).path).stem
    on_disk = x509.load_pem_x509_certificate((pki_dir / "ca" / f"{slug}.crt").read_bytes())
    revoked = (
        Certificate.objects.revoked()
        .filter(kind=Kind.SERVER, issuing_ca__fingerprint=fingerprint(on_disk))
        .order_by("pk")
        .first()
    )
    assert revoked is not None, f"the demo data holds a server certificate {slug} revoked"
    assert published_urls(revoked.der.loaded)[0] == crl_url

    status, headers, body = fetch(nginx_proxy.http_port, on_nginx(ca_url, nginx_proxy))
    assert status == 200, body[:500]
    assert headers["Content-Type"] == "application/pkix-cert"
    ca = x509.load_der_x509_certificate(body)
    assert ca == on_disk
    issued.verify_directly_issued_by(ca)

    status, headers, body = fetch(nginx_proxy.http_port, on_nginx(crl_url, nginx_proxy))
    assert status == 200, body[:500]
    assert headers["Content-Type"] == "application/pkix-crl"
    crl = x509.load_der_x509_crl(body)
    assert crl.issuer == ca.subject
    assert crl.is_signature_valid(ca.public_key())
    assert crl.get_revoked_certificate_by_serial_number(int(revoked.serial, 16)) is not None
    assert crl.get_revoked_certificate_by_serial_number(issued.serial_number) is None
    # The same bytes as OpenSSL reads them, against the CA from the PKI on disk.
    checked = subprocess.run(
        ["openssl", "crl", "-inform", "DER", "-noout", "-CAfile", pki_dir / "ca" / f"{slug}.crt"],
        input=body,
        capture_output=True,
        check=False,
    )
    assert checked.returncode == 0 and b"verify OK" in checked.stderr, checked.stderr


def test_everything_else_over_plain_http_is_redirected_to_https(nginx_proxy: NginxProxy) -> None:
    for path in ["/", "/servercertificaten/?pagina=2", "/crl/", "/crl/../beheer/", "/healthz"]:
        status, headers, _body = fetch(nginx_proxy.http_port, path)
        assert status == 301, path
        assert headers["Location"] == f"https://localhost:{nginx_proxy.port}{path}", path
    # Only reading: nginx refuses anything else on the published files.
    status, _headers, _body = fetch(nginx_proxy.http_port, "/crl/g1-services.crl", method="POST")
    assert status == 403


def test_https_answers_carry_one_hsts_header(nginx_proxy: NginxProxy, pki_dir: Path) -> None:
    page = via_nginx(nginx_proxy, pki_dir, "joost", "/")
    assert page.status == 200
    assert page.headers.get_all("Strict-Transport-Security") == [
        "max-age=31536000; includeSubDomains"
    ]
    _status, headers, _body = fetch(nginx_proxy.http_port, "/crl/g1-services.crl")
    assert headers.get_all("Strict-Transport-Security") is None


def test_forged_certificate_headers_on_plain_http_never_reach_the_portal(
    nginx_proxy: NginxProxy, portal_server: PortalServer, pki_dir: Path
) -> None:
    """joost's certificate and Verify SUCCESS sent over plain HTTP: the CRL is served, and
    the portal saw no certificate header. Sent straight to gunicorn (the control), the
    portal does see them, and says it ignored them."""
    marker = f"forged-{uuid.uuid4().hex}"
    path = f"/crl/{marker}.crl"
    forged = forged_headers(pki_dir, "joost")

    status, _headers, _body = fetch(nginx_proxy.http_port, path, forged)
    assert status == 404  # the portal's answer: no CA by that name
    status, _headers, body = fetch(nginx_proxy.http_port, "/crl/g1-services.crl", forged)
    assert status == 200
    x509.load_der_x509_crl(body)
    status, _headers, _body = fetch(nginx_proxy.http_port, "/", forged)
    assert status == 301

    connection = http.client.HTTPConnection(portal_server.host, portal_server.port, timeout=15)
    try:
        connection.request("GET", path, headers=forged)
        assert connection.getresponse().status == 404
    finally:
        connection.close()
    # The portal logs every request that brings certificate headers it does not trust:
    # one line for this path, the one straight to gunicorn.
    deadline = time.monotonic() + 10
    while True:
        lines = [line for line in portal_server.log.read_text().splitlines() if path in line]
        ignored = [line for line in lines if "Client-certificate headers ignored" in line]
        if ignored or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert len(ignored) == 1, lines
    assert "missing or wrong proxy secret" in ignored[0]


def test_plain_http_passes_on_no_certificate_header_and_no_proxy_secret(
    pki_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """What nginx sends upstream for a published file, seen by an upstream that echoes
    its request headers: whatever the client sent, no certificate header (underscore
    variants included) and no proxy secret, not even the real one."""
    port = free_port()
    work = tmp_path_factory.mktemp("echo")
    log = work / "echo.log"
    with log.open("wb") as out:
        upstream = subprocess.Popen(
            [sys.executable, "-m", "tests.e2e.echo_headers", str(port)],
            cwd=BASE_DIR,
            start_new_session=True,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    secret = (pki_dir / "proxy-secret").read_text().strip()
    forged = {
        **forged_headers(pki_dir, "joost"),
        **forged_headers(pki_dir, "joost", underscores=True),
        "X-Portal-Proxy-Secret": secret,
        "X-Forwarded-Proto": "https",
    }
    try:
        wait_for_port("127.0.0.1", port, upstream, "echo server", log)
        private = tmp_path_factory.mktemp("private")
        with running_nginx(pki_dir, f"127.0.0.1:{port}", private) as proxy:
            status, _headers, body = fetch(proxy.http_port, "/crl/g3-services.crt", forged)
            assert status == 200, body[:500]
            seen = json.loads(body)
            # The control: over HTTPS nginx does send the secret (and its own Verify).
            https = via_nginx(proxy, pki_dir, None, "/crl/g3-services.crt")
            seen_over_https = dict(json.loads(https.body)["headers"])
    finally:
        stop(upstream, signal.SIGTERM)

    assert seen["path"] == "/crl/g3-services.crt"
    names = {name.lower(): value for name, value in seen["headers"]}
    assert not {n for n in names if n.replace("_", "-").startswith("x-ssl-client")}, names
    assert "x-portal-proxy-secret" not in names
    assert names["x-forwarded-proto"] == "http"
    assert seen_over_https["X-Portal-Proxy-Secret"] == secret
    assert seen_over_https["X-SSL-Client-Verify"] == "NONE"
