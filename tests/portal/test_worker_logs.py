"""The Celery worker logs through Django's LOGGING (issue 16): JSON lines in production,
text otherwise, and "ready." either way (tests/celery_worker.py waits for it)."""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings

from tests.celery_worker import Worker
from tests.e2e.conftest import spawn, stop

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = (ROOT / "docker-compose.yml").read_text()


def quiet_redis_db(url: str) -> str:
    """A Redis database no test queues tasks in: the suite's own and the served portals'
    (tests/e2e/conftest.py neighbour_redis_db: the other parity) are all different."""
    parts = urlsplit(url)
    db = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{db ^ 8}"))


def worker_env(pki_dir: Path, tmp_path: Path, log_format: str) -> dict[str, str]:
    """The worker's environment: a Redis database no test queues tasks in, or without
    REDIS_URL (the embedded default) Celery's in-memory broker, which is all a worker
    needs to start and log; these tests give it no task."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PORTAL_", "DATABASE_URL", "REDIS_URL"))
    }
    if settings.REDIS_URL:
        env["REDIS_URL"] = quiet_redis_db(settings.REDIS_URL)
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings",
        PORTAL_PKI_DIR=str(pki_dir),
        PORTAL_LOG_FORMAT=log_format,
        PORTAL_VAR_DIR=str(tmp_path),
        SECRET_KEY="worker-test",
        DEBUG="0",
        PYTHONUNBUFFERED="1",
    )
    return env


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_the_worker_logs_ready_in_either_format(pki_dir, tmp_path, log_format):
    env = worker_env(pki_dir, tmp_path, log_format)
    worker = Worker(env, tmp_path / "worker.log")  # waits for "ready."
    worker.stop()
    log = (tmp_path / "worker.log").read_text()
    (ready,) = [line for line in log.splitlines() if "ready." in line]
    if log_format == "json":
        record = json.loads(ready)
        assert record["logger"] == "celery.apps.worker"
        assert record["level"] == "INFO"
        assert record["message"].endswith(" ready.")
    else:
        assert " INFO celery.apps.worker " in ready
        assert ready.endswith(" ready.")


# The text banners of `celery worker` and `celery beat` (printed, not logged).
BANNER = ("[config]", "[queues]", "celery beat v", "Configuration ->")


def test_quiet_as_in_compose_drops_the_worker_banner_but_not_ready(pki_dir, tmp_path):
    assert '["celery", "-A", "portal", "--quiet", "worker",' in COMPOSE
    worker = Worker(worker_env(pki_dir, tmp_path, "json"), tmp_path / "worker.log", quiet=True)
    worker.stop()
    log = (tmp_path / "worker.log").read_text()
    assert not [marker for marker in BANNER if marker in log], log
    (ready,) = [line for line in log.splitlines() if "ready." in line]
    assert json.loads(ready)["message"].endswith(" ready.")


def test_quiet_as_in_compose_drops_the_beat_banner(pki_dir, tmp_path):
    assert '["celery", "-A", "portal", "--quiet", "beat",' in COMPOSE
    env = worker_env(pki_dir, tmp_path, "json")
    log = tmp_path / "beat.log"
    beat = spawn(
        [
            str(Path(sys.executable).with_name("celery")),
            *("-A", "portal", "--quiet", "beat", "--loglevel", "INFO"),
            *("--schedule", str(tmp_path / "schedule")),
        ],
        env,
        log,
    )
    try:
        deadline = time.monotonic() + 60
        while "beat: Starting..." not in log.read_text() and time.monotonic() < deadline:
            assert beat.poll() is None, log.read_text()
            time.sleep(0.1)
    finally:
        stop(beat, signal.SIGTERM)
    lines = log.read_text().splitlines()
    assert not [marker for marker in BANNER if marker in "\n".join(lines)], lines
    assert {"logger": "celery.beat", "message": "beat: Starting..."}.items() <= next(
        json.loads(line) for line in lines if "beat: Starting..." in line
    ).items()
