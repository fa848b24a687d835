"""The Celery worker logs through Django's LOGGING (issue 16): JSON lines in production,
text otherwise, and "ready." either way (tests/celery_worker.py waits for it)."""

from __future__ import annotations

import json
import os
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings

from tests.celery_worker import Worker


def quiet_redis_db(url: str) -> str:
    """A Redis database no test queues tasks in: the suite's own and the served portals'
    (tests/e2e/conftest.py neighbour_redis_db: the other parity) are all different."""
    parts = urlsplit(url)
    db = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{db ^ 8}"))


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_the_worker_logs_ready_in_either_format(pki_dir, tmp_path, log_format):
    if not settings.REDIS_URL:
        pytest.skip("a worker needs REDIS_URL (redis://127.0.0.1:6379/15 in CI)")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "DATABASE_URL"))}
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings",
        REDIS_URL=quiet_redis_db(settings.REDIS_URL),
        PORTAL_PKI_DIR=str(pki_dir),
        PORTAL_LOG_FORMAT=log_format,
        PORTAL_VAR_DIR=str(tmp_path),
        SECRET_KEY="worker-test",
        DEBUG="0",
        PYTHONUNBUFFERED="1",
    )
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
