"""Readiness checks (issue 16, ``/readyz``): can this process serve requests and queue work?

Each check answers with a ``Check``: ok or not, and a short reason an operator can act
on. The reason never holds a path, an address or a secret (the answer is public); the
details go to the log (logger ``portal.health``). The shell (``portal/health.py``)
runs these beside the apps' own checks (the seal, the CA keys, the login check's CRL
files).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import redis
from django.conf import settings
from django.db import DatabaseError, connection
from redis.backoff import NoBackoff
from redis.retry import Retry

logger = logging.getLogger("portal.health")

# A health checker waits a few seconds at most; so does the broker check.
BROKER_TIMEOUT = 2  # seconds


@dataclass(frozen=True)
class Check:
    ok: bool
    detail: str = ""

    def as_json(self) -> dict[str, str]:
        answer = {"status": "ok" if self.ok else "failed"}
        if self.detail:
            answer["detail"] = self.detail
        return answer


def database_check() -> Check:
    """The default database answers ``SELECT 1``."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        logger.warning("Readiness: database unreachable: %s", error)
        return Check(ok=False, detail="unreachable")
    return Check(ok=True)


def broker_check() -> Check:
    """The Celery broker (Redis) answers PING within ``BROKER_TIMEOUT``; without one
    (the embedded default) tasks run inline, which is ready too."""
    url = settings.CELERY_BROKER_URL
    if url.startswith("memory://"):
        return Check(ok=True, detail="eager")
    client = redis.Redis.from_url(
        url,
        socket_connect_timeout=BROKER_TIMEOUT,
        socket_timeout=BROKER_TIMEOUT,
        retry=Retry(NoBackoff(), 0),
    )
    try:
        client.ping()
    except redis.AuthenticationError as error:
        logger.warning("Readiness: broker refused our credentials: %s", error)
        return Check(ok=False, detail="authentication failed")
    except redis.TimeoutError as error:
        logger.warning("Readiness: broker did not answer in %s s: %s", BROKER_TIMEOUT, error)
        return Check(ok=False, detail="timeout")
    except redis.RedisError as error:
        logger.warning("Readiness: broker unreachable: %s", error)
        return Check(ok=False, detail="unreachable")
    finally:
        client.close()
    return Check(ok=True)
