"""The deployment files (docker-compose.yml, deploy/nginx) and the settings they use.

CI validates docker-compose.yml's schema with `docker-compose config -q`
(.ci/run); these tests tie it to what the portal renders and reads.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from portal import nginx

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = (ROOT / "docker-compose.yml").read_text()


def settings_value(expression: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``expression`` over the settings a fresh process reads from ``env`` alone."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PORTAL_", "DATABASE_", "REDIS_URL", "DEBUG", "SECRET_KEY", "EMAIL_"))
        and k != "ALLOWED_HOSTS"
    }
    return subprocess.run(
        [
            sys.executable,
            "-c",
            f"import django; django.setup(); from django.conf import settings; print({expression})",
        ],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "portal.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_database_password_comes_from_a_file(tmp_path):
    password = tmp_path / "db_password"
    password.write_text("s3cret with spaces\n")
    result = settings_value(
        "repr(settings.DATABASES['default']['PASSWORD'])",
        DATABASE_URL="postgres://portal@postgres:5432/portal",
        DATABASE_PASSWORD_FILE=str(password),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == repr("s3cret with spaces")


@pytest.mark.parametrize(
    ("url", "content", "message"),
    [
        ("postgres://portal:other@postgres/portal", "x", "DATABASE_URL holds a password"),
        ("postgres://portal@postgres/portal", "\n", "is empty"),
        ("sqlite:///portal.sqlite3", "x", "is for a postgres:// DATABASE_URL"),
        ("", "x", "DATABASE_PASSWORD_FILE is set without a DATABASE_URL"),
    ],
)
def test_a_database_password_file_that_cannot_count_stops_start_up(tmp_path, url, content, message):
    password = tmp_path / "db_password"
    password.write_text(content)
    env = {"DATABASE_PASSWORD_FILE": str(password)}
    if url:
        env["DATABASE_URL"] = url
    result = settings_value("1", **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_a_missing_database_password_file_stops_start_up():
    result = settings_value(
        "1",
        DATABASE_URL="postgres://portal@postgres/portal",
        DATABASE_PASSWORD_FILE="/does/not/exist",
    )
    assert result.returncode != 0
    assert "DATABASE_PASSWORD_FILE points to /does/not/exist" in result.stderr


def test_the_smtp_password_comes_from_a_file(tmp_path):
    password = tmp_path / "email_password"
    password.write_text("smtp s3cret\n")
    result = settings_value(
        "repr(settings.EMAIL_HOST_PASSWORD)", EMAIL_HOST_PASSWORD_FILE=str(password)
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == repr("smtp s3cret")


@pytest.mark.parametrize(
    ("content", "env", "message"),
    [
        ("x", {"EMAIL_HOST_PASSWORD": "other"}, "EMAIL_HOST_PASSWORD and EMAIL_HOST_PASSWORD_FILE"),
        ("\n", {}, "is empty"),
        (None, {}, "EMAIL_HOST_PASSWORD_FILE points to"),
    ],
)
def test_an_smtp_password_file_that_cannot_count_stops_start_up(tmp_path, content, env, message):
    password = tmp_path / "email_password"
    if content is not None:
        password.write_text(content)
    result = settings_value("1", EMAIL_HOST_PASSWORD_FILE=str(password), **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_smtp_waits_30_seconds_by_default():
    result = settings_value("settings.EMAIL_TIMEOUT")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "30"


@pytest.mark.parametrize("value", ["0", "-5", "soon"])
def test_a_bad_smtp_timeout_stops_start_up(value):
    result = settings_value("1", EMAIL_TIMEOUT=value)
    assert result.returncode != 0
    assert "EMAIL_TIMEOUT must be" in result.stderr


def test_the_crl_directory_is_under_the_pki_directory_before_it_exists(tmp_path):
    """Not only when PKI/crl exists at start-up: the login check reads a missing
    directory as no CRLs, and the built-in CA makes it (test_ca_local.py)."""
    pki = tmp_path / "pki"
    pki.mkdir()
    result = settings_value("settings.PORTAL_CRL_DIR", PORTAL_PKI_DIR=str(pki))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(pki / "crl")
    assert not (pki / "crl").exists()


@pytest.mark.parametrize(
    ("crl_base_url", "allowed"),
    [
        ("http://crl.certificaatportaal.nl", ["portal.example.nl", "crl.certificaatportaal.nl"]),
        ("http://portal.example.nl/crl", ["portal.example.nl"]),
        ("http://[2001:db8::1]/crl", ["portal.example.nl", "[2001:db8::1]"]),
    ],
)
def test_the_portal_answers_to_the_host_of_its_crl_urls(crl_base_url, allowed):
    """nginx passes a CRL request on with the Host it came with: the host the
    certificates name, which need not be the portal's own."""
    result = settings_value(
        "settings.ALLOWED_HOSTS",
        ALLOWED_HOSTS="portal.example.nl",
        PORTAL_CRL_BASE_URL=crl_base_url,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == repr(allowed)


def test_compose_runs_nginx_with_the_rendered_config():
    """nginx in compose takes deploy/nginx/nginx.conf (the template rendered with
    DEPLOY_PARAMETERS, tests/portal/test_commands.py) with the paths it names."""
    parameters = nginx.DEPLOY_PARAMETERS
    assert "./deploy/nginx/nginx.conf:/etc/nginx/portal.conf:ro" in COMPOSE
    assert f"./pki:{parameters['pki']}:ro" in COMPOSE
    assert f'"-p", "{parameters["prefix"]}", "-c", "/etc/nginx/portal.conf"' in COMPOSE
    assert f"tmpfs: [{parameters['prefix']}]" in COMPOSE
    assert f'ports: ["{parameters["http_listen"]}:80", "{parameters["listen"]}:443"]' in COMPOSE
    host, port = parameters["upstream"].split(":")
    assert f"\n  {host}:\n" in COMPOSE
    assert f'"--bind", "0.0.0.0:{port}"' in COMPOSE


def test_compose_names_crl_urls_that_nginx_serves_over_plain_http():
    path = nginx.DEPLOY_PARAMETERS["crl_base_path"]
    assert f"PORTAL_CRL_BASE_URL: http://${{PORTAL_HOST:-localhost}}{path}\n" in COMPOSE
    assert nginx.crl_path(f"http://localhost{path}") == path


def test_the_smtp_auth_override_hands_the_worker_its_password_as_a_secret():
    """deploy/compose/smtp-auth.yml (optional: without it compose needs no password file);
    CI merges it with docker-compose.yml in `docker-compose config -q`."""
    override = (ROOT / "deploy" / "compose" / "smtp-auth.yml").read_text()
    assert "  worker:\n    environment:\n" in override
    assert "EMAIL_HOST_PASSWORD_FILE: /run/secrets/email_password\n" in override
    assert "secrets: [email_password]\n" in override
    assert "  email_password:\n    file: ./secrets/email_password\n" in override
    assert "EMAIL_HOST_PASSWORD" not in COMPOSE


def test_the_readme_names_every_setting_read_from_the_environment():
    """README "Settings (environment)" is the one list (docs/operations.md points there)."""
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Settings (environment)") :]
    section = section[: section.index("\n## ", 1)]
    read = set()
    for source in ("portal/settings.py", "core/log_format.py", "deploy/gunicorn/gunicorn.conf.py"):
        read |= set(
            re.findall(
                r'(?:env\w*|os\.environ\.get)\(\s*"([A-Z][A-Z0-9_]+)"', (ROOT / source).read_text()
            )
        )
    assert {"PORTAL_PRODUCTION", "EMAIL_HOST_PASSWORD_FILE", "GUNICORN_WORKERS"} <= read
    assert sorted(name for name in read if f"`{name}" not in section) == []
