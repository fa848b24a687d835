"""The operations contract (SPEC.md §10): demo_pki, seed_demo, nginx_conf."""

from __future__ import annotations

import io
import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from django.core.management import call_command
from django.core.management.base import CommandError

from certificates import demo_pki
from certificates.models import Certificate, Kind
from organisations.models import LoginCertificate, Person, Subscriber
from portal import nginx

ROOT = Path(__file__).resolve().parents[2]


def load(path: Path) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(path.read_bytes())


def test_demo_pki_writes_every_file_of_the_contract(pki_dir):
    for name in [
        "roots.pem",
        "trust-bundle.pem",
        "server.crt",
        "server.key",
        "seal.crt",
        "seal.key",
        "ca/g1-root.crt",
        "ca/g1-services.key",
        "ca/g3-services.crt",
        "ca/g3-persons.key",
        "crl/g3-persons.crl",
    ]:
        assert (pki_dir / name).is_file(), name
    for slug in [
        "maximo",
        "joost",
        "herman",
        "frank",
        "unregistered",
        "expired",
        "signature-only",
        "untrusted",
        "revoked",
        "validatie",
    ]:
        for suffix in (".crt", ".key", ".p12"):
            assert (pki_dir / "clients" / f"{slug}{suffix}").is_file(), slug + suffix


def test_client_p12_opens_with_the_demo_password(pki_dir):
    key, certificate, extra = pkcs12.load_key_and_certificates(
        (pki_dir / "clients/maximo.p12").read_bytes(), b"demo"
    )
    assert certificate == demo_pki.client_certificate(pki_dir, "maximo")
    assert key is not None and len(extra) == 1


def test_the_officers_card_is_a_valid_authentication_certificate(pki_dir, db):
    from portal import client_certificate

    certificate = demo_pki.client_certificate(pki_dir, "validatie")
    client_certificate.check(certificate)  # chain, validity, keyUsage, CRL
    _key, in_p12, _extra = pkcs12.load_key_and_certificates(
        (pki_dir / "clients/validatie.p12").read_bytes(), b"demo"
    )
    assert in_p12 == certificate


def test_trust_bundle_holds_the_personal_ca_and_its_root(pki_dir):
    bundle = {c.subject.rfc4514_string() for c in load(pki_dir / "trust-bundle.pem")}
    assert any("Organisatie Persoon CA - G3" in s for s in bundle)
    assert any("Root CA - G3" in s for s in bundle)
    assert not any("Services CA" in s for s in bundle)


def test_roots_pem_holds_every_demo_root_and_the_trust_bundle_no_server_root(pki_dir):
    roots = {c.subject.rfc4514_string() for c in load(pki_dir / "roots.pem")}
    names = {s.name for s in demo_pki.CAS if s.parent is None}
    assert {r.split("CN=")[1].split(",")[0] for r in roots} == names
    assert any("certSIGN Demo Root CA" in r for r in roots)
    assert any("TRIAL" in r for r in roots)
    bundle = {c.subject.rfc4514_string() for c in load(pki_dir / "trust-bundle.pem")}
    assert not any("certSIGN" in s or "TRIAL" in s for s in bundle)


@pytest.mark.django_db
def test_the_seeded_trial_certificate_comes_from_the_trial_ca():
    trial = Certificate.objects.get(product__code="pkio-trial")
    assert trial.issuing_ca.name == "Demo TRIAL Organisatie Services CA - G3"
    assert trial.issuing_ca.parent.name == "Demo TRIAL Staat der Nederlanden Root CA - G3"
    policies = trial.der.loaded.extensions.get_extension_for_class(x509.CertificatePolicies).value
    assert [p.policy_identifier.dotted_string for p in policies] == ["2.16.528.1.1003.1.2.9.4"]


def test_server_certificate_verifies_for_localhost_with_openssl(pki_dir):
    result = subprocess.run(
        [
            "openssl",
            "verify",
            "-CAfile",
            pki_dir / "roots.pem",
            "-untrusted",
            pki_dir / "server.crt",
            "-verify_hostname",
            "localhost",
            pki_dir / "server.crt",
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_seal_certificate_has_no_extended_key_usage(pki_dir):
    seal = load(pki_dir / "seal.crt")[0]
    with pytest.raises(x509.ExtensionNotFound):
        seal.extensions.get_extension_for_class(x509.ExtendedKeyUsage)


def test_the_revoked_client_is_on_the_persons_crl(pki_dir):
    crl = x509.load_pem_x509_crl((pki_dir / "crl/g3-persons.crl").read_bytes())
    revoked = demo_pki.client_certificate(pki_dir, "revoked")
    assert crl.get_revoked_certificate_by_serial_number(revoked.serial_number) is not None
    maximo = demo_pki.client_certificate(pki_dir, "maximo")
    assert crl.get_revoked_certificate_by_serial_number(maximo.serial_number) is None


def test_demo_pki_is_idempotent(tmp_path):
    out = tmp_path / "pki"
    call_command("demo_pki", out=out)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.suffix in {".crt", ".key", ".p12"}}
    call_command("demo_pki", out=out)
    after = {p: p.read_bytes() for p in out.rglob("*") if p.suffix in {".crt", ".key", ".p12"}}
    assert before == after


def test_demo_pki_completes_a_partial_directory(tmp_path):
    out = tmp_path / "pki"
    call_command("demo_pki", out=out)
    root = (out / "ca/g1-root.crt").read_bytes()
    (out / "clients/joost.crt").unlink()
    call_command("demo_pki", out=out)
    assert (out / "clients/joost.crt").is_file()
    assert (out / "ca/g1-root.crt").read_bytes() == root


@pytest.mark.django_db
def test_seed_demo_is_idempotent(pki_dir):
    def counts() -> tuple[int, ...]:
        return tuple(
            model.objects.count() for model in (Subscriber, Person, Certificate, LoginCertificate)
        )

    before = counts()
    call_command("seed_demo", pki=pki_dir)
    assert counts() == before


@pytest.mark.django_db
def test_seed_demo_has_every_kind_and_status_under_both_generations():
    server = Certificate.objects.filter(kind=Kind.SERVER)
    assert {c.issuing_ca.generation for c in server} == {"G1", "G3"}
    for kind in Kind:
        assert Certificate.objects.filter(kind=kind).exists(), kind
    assert Certificate.objects.valid().exists()
    assert Certificate.objects.expired().exists()
    assert Certificate.objects.revoked().exists()


@pytest.mark.django_db
def test_seed_demo_creates_the_validation_officer(pki_dir):
    from django.contrib.auth import get_user_model

    from certificates import demo_pki
    from portal.backoffice_login import staff_user_for

    user = get_user_model().objects.get(username="validatie")
    assert user.is_staff and user.check_password("demo-validatie")
    # Their own card (demo_pki's clients/validatie.*) is mapped to the account.
    assert staff_user_for(demo_pki.client_certificate(pki_dir, "validatie")) == user


def test_seed_demo_without_a_pki_says_what_to_do(settings):
    settings.PORTAL_PKI_DIR = None
    with pytest.raises(CommandError, match="demo_pki"):
        call_command("seed_demo")


def test_nginx_conf_writes_a_config_nginx_accepts(pki_dir, tmp_path):
    if shutil.which("nginx") is None:
        pytest.fail("nginx is not installed (make system-deps)")
    prefix = tmp_path / "nginx"
    call_command(
        "nginx_conf", pki=pki_dir, listen="127.0.0.1:8443", upstream="127.0.0.1:8000", prefix=prefix
    )
    config = (prefix / "nginx.conf").read_text()
    assert "ssl_verify_client optional;" in config
    assert "proxy_set_header X-SSL-Client-Cert $ssl_client_escaped_cert;" in config
    result = subprocess.run(
        ["nginx", "-t", "-p", prefix, "-c", prefix / "nginx.conf", "-e", prefix / "error.log"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_nginx_conf_takes_the_portal_s_trust_bundle_and_warns_when_they_differ(
    pki_dir, tmp_path, settings
):
    """nginx and the portal both check the smartcard chain: one bundle, or a warning."""
    bundle = tmp_path / "smartcard-cas.pem"
    bundle.write_bytes((pki_dir / "trust-bundle.pem").read_bytes())
    options = {"pki": pki_dir, "listen": "127.0.0.1:8443", "upstream": "127.0.0.1:8000"}
    settings.PORTAL_TRUST_BUNDLE = bundle
    err = io.StringIO()
    call_command("nginx_conf", prefix=tmp_path / "a", trust_bundle=bundle, stderr=err, **options)
    config = (tmp_path / "a" / "nginx.conf").read_text()
    assert f"ssl_client_certificate {bundle.resolve()};" in config
    assert "trust-bundle.pem" not in config
    assert err.getvalue() == ""

    err = io.StringIO()
    call_command("nginx_conf", prefix=tmp_path / "b", stderr=err, **options)
    config = (tmp_path / "b" / "nginx.conf").read_text()
    assert f"ssl_client_certificate {(pki_dir / 'trust-bundle.pem').resolve()};" in config
    assert "PORTAL_TRUST_BUNDLE" in err.getvalue()

    with pytest.raises(CommandError, match="missing"):
        call_command(
            "nginx_conf", prefix=tmp_path / "c", trust_bundle=tmp_path / "none.pem", **options
        )


def test_nginx_conf_refuses_a_bad_address(pki_dir, tmp_path):
    with pytest.raises(CommandError, match="--listen"):
        call_command(
            "nginx_conf",
            pki=pki_dir,
            listen="8443; evil",
            upstream="127.0.0.1:8000",
            prefix=tmp_path,
        )


def test_deploy_config_is_the_same_template():
    assert (ROOT / "deploy/nginx/nginx.conf").read_text() == nginx.render(**nginx.DEPLOY_PARAMETERS)


def test_demo_pki_writes_the_proxy_secret_for_nginx_and_the_portal(pki_dir):
    """Readable by the owner only; nginx includes the header line, the portal reads the secret."""
    secret = (pki_dir / "proxy-secret").read_text().strip()
    assert len(secret) >= 43  # 32 random bytes, URL-safe base64
    include = (pki_dir / "proxy-secret.conf").read_text()
    assert include == f'proxy_set_header X-Portal-Proxy-Secret "{secret}";\n'
    for name in ("proxy-secret", "proxy-secret.conf"):
        assert stat.S_IMODE((pki_dir / name).stat().st_mode) == 0o600


def test_nginx_conf_creates_a_missing_proxy_secret_and_keeps_it_out_of_the_config(tmp_path):
    """A PKI that did not come from demo_pki: nginx_conf makes the secret; running it
    again keeps it (the portal read it at start-up)."""
    pki = tmp_path / "pki"
    pki.mkdir()
    for needed in ("server.crt", "server.key", "trust-bundle.pem"):
        (pki / needed).write_text("")
    options = {"pki": pki, "listen": "127.0.0.1:8443", "upstream": "127.0.0.1:8000"}
    call_command("nginx_conf", prefix=tmp_path / "nginx", **options)
    secret = (pki / "proxy-secret").read_text().strip()
    config = (tmp_path / "nginx/nginx.conf").read_text()
    assert config.count(f"include {pki}/proxy-secret.conf;") == 3  # every proxied location
    assert secret not in config

    call_command("nginx_conf", prefix=tmp_path / "nginx", **options)
    assert (pki / "proxy-secret").read_text().strip() == secret


def test_the_committed_deploy_config_holds_no_secret():
    config = (ROOT / "deploy/nginx/nginx.conf").read_text()
    assert config.count("include /etc/certificaatportaal/pki/proxy-secret.conf;") == 3
    # Only the plain-HTTP server names the header, to drop it (an empty value).
    assert re.findall(r"proxy_set_header X-Portal-Proxy-Secret (.*);", config) == ['""']


def http_server_block(config: str) -> str:
    """The plain-HTTP server of a rendered config (the second server block)."""
    servers = config.split("\n    server {\n")
    assert len(servers) == 3, "a TLS and a plain-HTTP server"
    return servers[2]


def test_nginx_conf_http_listen_serves_the_published_files_and_redirects_the_rest(
    pki_dir, tmp_path
):
    if shutil.which("nginx") is None:
        pytest.fail("nginx is not installed (make system-deps)")
    prefix = tmp_path / "nginx"
    call_command(
        "nginx_conf",
        pki=pki_dir,
        listen="127.0.0.1:8443",
        upstream="127.0.0.1:8000",
        prefix=prefix,
        http_listen="127.0.0.1:8080",
    )
    config = (prefix / "nginx.conf").read_text()
    http = http_server_block(config)
    assert "listen 127.0.0.1:8080;" in http
    # The default PORTAL_CRL_BASE_URL, http://localhost/crl: /crl/<slug>.crl and .crt.
    assert "location ~ ^/crl/(?<published>[a-z0-9-]+[.]cr[lt])$ {" in http
    assert "return 301 https://$host:8443$request_uri;" in http
    # No certificate headers, no proxy secret: dropped, whatever the client sent.
    assert 'proxy_set_header X-SSL-Client-Cert "";' in http
    assert 'proxy_set_header X-SSL-Client-Verify "";' in http
    assert 'proxy_set_header X-Portal-Proxy-Secret "";' in http
    assert "proxy-secret.conf" not in http and "$ssl_client" not in http
    # HTTPS: HSTS from nginx only, on every answer.
    assert "proxy_hide_header Strict-Transport-Security;" in config
    assert (
        'add_header Strict-Transport-Security "max-age=31536000; includeSubDomains" always;'
        in config
    )
    result = subprocess.run(
        ["nginx", "-t", "-p", prefix, "-c", prefix / "nginx.conf", "-e", prefix / "error.log"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("base_url", "location"),
    [
        ("http://crl.certificaatportaal.nl", "location ~ ^/(?<published>"),
        ("http://pki.example.nl/ca/crl.d/", r"location ~ ^/ca/crl\.d/(?<published>"),
    ],
)
def test_nginx_conf_serves_the_crls_at_the_path_of_the_crl_base_url(
    pki_dir, tmp_path, settings, base_url, location
):
    settings.PORTAL_CRL_BASE_URL = base_url
    options = {"pki": pki_dir, "upstream": "127.0.0.1:8000", "prefix": tmp_path}
    call_command("nginx_conf", listen="0.0.0.0:443", http_listen="0.0.0.0:80", **options)
    http = http_server_block((tmp_path / "nginx.conf").read_text())
    assert location in http
    # The portal's own path, whatever the published one.
    assert "rewrite ^ /crl/$published break;" in http
    assert "return 301 https://$host$request_uri;" in http  # 443: no port


def test_nginx_conf_without_http_listen_has_no_plain_http_server(pki_dir, tmp_path):
    call_command(
        "nginx_conf",
        pki=pki_dir,
        listen="127.0.0.1:8443",
        upstream="127.0.0.1:8000",
        prefix=tmp_path,
    )
    config = (tmp_path / "nginx.conf").read_text()
    assert config.count("\n    server {\n") == 1
    assert "Strict-Transport-Security" in config


@pytest.mark.parametrize(
    ("option", "base_url", "message"),
    [
        ({"http_listen": "80; evil"}, "http://localhost/crl", "--http-listen"),
        ({"http_listen": "127.0.0.1:80"}, "http://localhost/c rl", "nginx cannot serve"),
        ({"http_listen": "127.0.0.1:80"}, "http://localhost/crl{x}", "nginx cannot serve"),
    ],
)
def test_nginx_conf_refuses_a_bad_http_listen_or_crl_path(
    pki_dir, tmp_path, settings, option, base_url, message
):
    settings.PORTAL_CRL_BASE_URL = base_url
    with pytest.raises(CommandError, match=message):
        call_command(
            "nginx_conf",
            pki=pki_dir,
            listen="127.0.0.1:8443",
            upstream="127.0.0.1:8000",
            prefix=tmp_path,
            **option,
        )
