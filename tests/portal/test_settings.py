"""Settings from the environment: a bad value stops start-up with a clear message,
and production settings pass `manage.py check --deploy`."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

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
    return {
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
    env = {**production_env(pki_dir, tmp_path), "DEBUG": "1", "PORTAL_DEV_LOGIN": "1"}
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
