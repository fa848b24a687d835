"""Settings from the environment: a bad value stops start-up with a clear message,
and production settings pass `manage.py check --deploy`."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from tests.factories import ca_certificate

ROOT = Path(__file__).resolve().parents[2]


def run(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PORTAL_", "DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY"))
    }
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def start(**env: str) -> subprocess.CompletedProcess[str]:
    return run(
        ["-c", "import django; django.setup()"], DJANGO_SETTINGS_MODULE="portal.settings", **env
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "maybe"}, "DEBUG must be one of"),
        ({"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL must start with"),
        ({"REDIS_URL": "http://localhost"}, "REDIS_URL must start with"),
        ({"PORTAL_TRUSTED_PROXIES": "127.0.0.1,nginx"}, "'nginx' is neither"),
        ({"PORTAL_PKI_DIR": "/does/not/exist"}, "PORTAL_PKI_DIR points to /does/not/exist"),
        ({"EMAIL_PORT": "twenty-five"}, "EMAIL_PORT must be a whole number"),
        ({"PORTAL_SESSION_SECONDS": "1h"}, "PORTAL_SESSION_SECONDS must be a whole number"),
        ({"CSRF_TRUSTED_ORIGINS": "portal.example.nl"}, "CSRF_TRUSTED_ORIGINS entries start"),
    ],
)
def test_a_bad_value_stops_start_up_with_a_clear_message(env, message):
    result = start(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_nothing_set_gives_the_embedded_default():
    result = run(
        [
            "-c",
            "import django; django.setup(); from django.conf import settings as s; "
            "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER)",
        ],
        DJANGO_SETTINGS_MODULE="portal.settings",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "True"]


def production_env(pki_dir: Path, tmp_path: Path) -> dict[str, str]:
    """A production configuration, on the demo PKI as a demonstration deployment."""
    return {
        "PORTAL_PRODUCTION": "1",
        "PORTAL_ALLOW_DEMO_PKI": "1",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "portal.example.nl",
        "PORTAL_PKI_DIR": str(pki_dir),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
    }


def test_production_settings_pass_check_deploy(pki_dir, tmp_path):
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        **production_env(pki_dir, tmp_path),
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_refuses_the_development_login(pki_dir, tmp_path):
    # Without PORTAL_PRODUCTION, which would refuse to start at all.
    env = {**production_env(pki_dir, tmp_path), "DEBUG": "1", "PORTAL_DEV_LOGIN": "1"}
    del env["PORTAL_PRODUCTION"]
    result = run(["manage.py", "check", "--deploy"], **env)
    assert result.returncode != 0
    assert "portal.E001" in result.stderr


def test_dev_login_needs_debug_too():
    result = run(
        [
            "-c",
            "import django; django.setup(); from django.conf import settings as s; "
            "print(s.PORTAL_DEV_LOGIN)",
        ],
        DJANGO_SETTINGS_MODULE="portal.settings",
        PORTAL_DEV_LOGIN="1",
        DEBUG="0",
    )
    assert result.stdout.strip() == "False"


def test_a_malformed_proxy_secret_stops_start_up(tmp_path):
    secret = tmp_path / "proxy-secret"
    secret.write_text('short"; evil')
    result = start(PORTAL_PROXY_SECRET_FILE=str(secret))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"{secret} must hold 32 to 256 characters" in result.stderr


def test_the_proxy_secret_is_read_from_the_pki_dir_at_start_up(pki_dir):
    result = run(
        [
            "-c",
            "import django; django.setup(); from django.conf import settings as s; "
            "print(s.PORTAL_PROXY_SECRET_FILE, s.PORTAL_PROXY_SECRET)",
        ],
        DJANGO_SETTINGS_MODULE="portal.settings",
        PORTAL_PKI_DIR=str(pki_dir),
    )
    assert result.returncode == 0, result.stderr
    secret = (pki_dir / "proxy-secret").read_text().strip()
    assert result.stdout.split() == [str(pki_dir / "proxy-secret"), secret]


def test_check_deploy_warns_without_a_proxy_secret(pki_dir, tmp_path):
    """No secret: forwarded certificates never count, so nobody could log in."""
    # A PKI directory without proxy-secret.
    env = {**production_env(pki_dir, tmp_path), "PORTAL_PKI_DIR": str(tmp_path)}
    result = run(["manage.py", "check", "--deploy"], **env)
    assert "portal.W002" in result.stderr, result.stdout + result.stderr


# --- Production mode (PORTAL_PRODUCTION=1, issue 16) ------------------------


def check(**env: str) -> subprocess.CompletedProcess[str]:
    return run(["manage.py", "check"], **env)


def test_a_production_configuration_starts(pki_dir, tmp_path):
    result = check(**production_env(pki_dir, tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"DEBUG": "1"}, "DEBUG is on: unset it or set DEBUG=0"),
        ({"PORTAL_DEV_LOGIN": "1"}, "PORTAL_DEV_LOGIN is set"),
        ({"PORTAL_DEV_LOGIN": "yes", "DEBUG": "0"}, "PORTAL_DEV_LOGIN is set"),
        ({"SECRET_KEY": "too-short"}, "SECRET_KEY is 9 characters long"),
        ({"SECRET_KEY": "ab" * 40}, "SECRET_KEY has fewer than 5 different characters"),
        (
            {"SECRET_KEY": "django-insecure-" + secrets.token_urlsafe(48)},
            "SECRET_KEY is a placeholder value",
        ),
        (
            {"SECRET_KEY": "please-changeme-" + secrets.token_urlsafe(48)},
            "SECRET_KEY is a placeholder value",
        ),
    ],
)
def test_production_refuses_to_start(pki_dir, tmp_path, change, message):
    result = check(**{**production_env(pki_dir, tmp_path), **change})
    assert result.returncode != 0
    assert "ImproperlyConfigured: PORTAL_PRODUCTION=1, and start-up refuses" in result.stderr
    assert message in result.stderr


def test_production_refuses_the_generated_secret_key(pki_dir, tmp_path):
    env = production_env(pki_dir, tmp_path)
    del env["SECRET_KEY"]
    result = check(**env, PORTAL_VAR_DIR=str(tmp_path / "var"))
    assert result.returncode != 0
    assert "SECRET_KEY is not set (the key generated in var/secret-key" in result.stderr
    assert "SECRET_KEY or SECRET_KEY_FILE" in result.stderr
    # Refused before one is generated.
    assert not (tmp_path / "var" / "secret-key").exists()


def test_production_takes_the_secret_key_from_a_file(pki_dir, tmp_path):
    key_file = tmp_path / "secret-key"
    key_file.write_text(secrets.token_urlsafe(64))
    env = production_env(pki_dir, tmp_path)
    del env["SECRET_KEY"]
    result = check(**env, SECRET_KEY_FILE=str(key_file))
    assert result.returncode == 0, result.stderr


def test_production_names_every_problem_at_once(pki_dir, tmp_path):
    env = {**production_env(pki_dir, tmp_path), "DEBUG": "1", "SECRET_KEY": "x" * 60}
    result = check(**env)
    assert result.returncode != 0
    assert "- DEBUG is on" in result.stderr
    assert "- SECRET_KEY has fewer than 5 different characters" in result.stderr


def test_production_refuses_demo_pki_material(pki_dir, tmp_path):
    env = production_env(pki_dir, tmp_path)
    del env["PORTAL_ALLOW_DEMO_PKI"]
    result = check(**env)
    assert result.returncode != 0
    assert "demo PKI material made by `manage.py demo_pki` is configured" in result.stderr
    for name in ("trust-bundle.pem", "seal.crt", "ca/g1-services.crt", "server.crt"):
        assert str(pki_dir / name) in result.stderr
    assert "or set PORTAL_ALLOW_DEMO_PKI=1" in result.stderr


def own_pki_env(pki_dir: Path, tmp_path: Path) -> dict[str, str]:
    """Production with a trust bundle of the operator's own and no demo PKI directory."""
    own = tmp_path / "own.pem"
    own.write_bytes(ca_certificate("Eigen CA").public_bytes(Encoding.PEM))
    env = production_env(pki_dir, tmp_path)
    del env["PORTAL_ALLOW_DEMO_PKI"]
    del env["PORTAL_PKI_DIR"]
    return {**env, "PORTAL_TRUST_BUNDLE": str(own)}


def test_production_starts_with_own_pki_material(pki_dir, tmp_path):
    result = check(**own_pki_env(pki_dir, tmp_path))
    assert result.returncode == 0, result.stderr


def test_production_refuses_a_demo_seal_among_own_material(pki_dir, tmp_path):
    """Only the seal is demo material: the trust bundle is the operator's own."""
    result = check(
        **own_pki_env(pki_dir, tmp_path),
        PORTAL_SEAL_CERT=str(pki_dir / "seal.crt"),
        PORTAL_SEAL_KEY=str(pki_dir / "seal.key"),
    )
    assert result.returncode != 0
    assert f"is configured: {pki_dir / 'seal.crt'}. Configure" in result.stderr


def test_check_deploy_warns_about_demo_pki_material(pki_dir, tmp_path):
    env = production_env(pki_dir, tmp_path)
    del env["PORTAL_ALLOW_DEMO_PKI"]
    del env["PORTAL_PRODUCTION"]  # which would not even start
    result = run(["manage.py", "check", "--deploy"], **env)
    assert "portal.W003" in result.stderr, result.stdout + result.stderr
    assert str(pki_dir / "seal.crt") in result.stderr


def test_a_bad_log_format_stops_start_up():
    result = start(PORTAL_LOG_FORMAT="xml")
    assert result.returncode != 0
    assert "PORTAL_LOG_FORMAT must be json or text, not 'xml'" in result.stderr


def test_logs_are_json_by_default_in_production(pki_dir, tmp_path):
    code = (
        "import django, logging; django.setup(); "
        "logging.getLogger('portal.test').warning('hello %s', 'world')"
    )
    env = production_env(pki_dir, tmp_path)
    json_line = run(["-c", code], DJANGO_SETTINGS_MODULE="portal.settings", **env)
    assert json_line.returncode == 0, json_line.stderr
    record = json.loads(json_line.stderr)
    assert record["level"] == "WARNING"
    assert record["logger"] == "portal.test"
    assert record["message"] == "hello world"
    assert record["timestamp"].endswith("+00:00")

    text = run(
        ["-c", code], DJANGO_SETTINGS_MODULE="portal.settings", **env, PORTAL_LOG_FORMAT="text"
    )
    assert text.returncode == 0, text.stderr
    assert text.stderr.rstrip().endswith("WARNING portal.test hello world")
