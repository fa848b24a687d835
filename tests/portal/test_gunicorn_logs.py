"""gunicorn's own lines (start-up, workers, shutdown) in the portal's log format
(issue 16): with PORTAL_PRODUCTION=1 every line gunicorn's process writes is JSON,
its own as well as the portal's (deploy/gunicorn/gunicorn.conf.py, core/log_format.py)."""

from __future__ import annotations

import http.client
import json
import os
import secrets
import signal
from pathlib import Path

import pytest

from tests.e2e.conftest import free_port, gunicorn_argv, spawn, stop, wait_for_port


def gunicorn_log(pki_dir: Path, tmp_path: Path, **env: str) -> tuple[list[str], str]:
    """Start gunicorn as deployed, ask it for a page, stop it; its stderr lines and
    its stdout."""
    key = tmp_path / "secret_key"
    key.write_text(secrets.token_urlsafe(64) + "\n")
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PORTAL_", "GUNICORN_", "DATABASE_", "REDIS_URL", "SECRET_KEY"))
    }
    clean.update(
        DJANGO_SETTINGS_MODULE="portal.settings",
        PORTAL_PRODUCTION="1",
        PORTAL_ALLOW_DEMO_PKI="1",
        SECRET_KEY_FILE=str(key),
        PORTAL_PKI_DIR=str(pki_dir),
        PORTAL_VAR_DIR=str(tmp_path / "var"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'portal.sqlite3'}",
        ALLOWED_HOSTS="localhost",
        PYTHONUNBUFFERED="1",
        **env,
    )
    port = free_port()
    stderr, stdout = tmp_path / "stderr.log", tmp_path / "stdout.log"
    process = spawn(gunicorn_argv(port, "--workers", "1"), clean, stdout, stderr)
    try:
        wait_for_port("127.0.0.1", port, process, "gunicorn", stderr)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        # Over plain HTTP: redirected to HTTPS, with an access line (a passing health
        # check's is at DEBUG).
        connection.request("GET", "/", headers={"Host": "localhost"})
        assert connection.getresponse().status == 301
        connection.close()
    finally:
        stop(process, signal.SIGTERM)
    return stderr.read_text().splitlines(), stdout.read_text()


def test_every_line_gunicorn_writes_in_production_is_json(pki_dir, tmp_path):
    lines, stdout = gunicorn_log(pki_dir, tmp_path)
    assert stdout == ""
    records = []
    for line in lines:
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            pytest.fail(f"not a JSON line: {line!r}\n" + "\n".join(lines))
    by_logger = {(r["logger"], r["message"].split(":")[0]) for r in records}
    assert ("gunicorn.error", "Listening at") in by_logger
    assert ("gunicorn.error", "Booting worker with pid") in by_logger
    assert ("gunicorn.error", "Shutting down") in by_logger
    assert all(r["level"] and r["timestamp"] for r in records)
    # The portal's own access line, through Django's LOGGING, beside them.
    (access,) = [r for r in records if r["logger"] == "portal.request"]
    assert (access["path"], access["status"]) == ("/", 301)


def test_with_text_logs_gunicorn_keeps_its_own_format(pki_dir, tmp_path):
    lines, _ = gunicorn_log(pki_dir, tmp_path, PORTAL_LOG_FORMAT="text")
    listening = [line for line in lines if "Listening at" in line]
    assert len(listening) == 1
    assert listening[0].startswith("[")
    assert "[INFO] Listening at: http://127.0.0.1:" in listening[0]
