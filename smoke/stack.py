"""The production-like stack of `make smoke`, natively on loopback.

PostgreSQL and Redis are the running ones (a throw-away database and a Redis
database of its own); the rest runs from a temporary directory exactly as an
operator starts it: ``manage.py demo_pki``, ``migrate``, ``seed_demo``,
``collectstatic``, gunicorn with deploy/gunicorn/gunicorn.conf.py, ``celery -A
portal worker``, ``celery -A portal beat`` and nginx from ``manage.py
nginx_conf``. Every process gets the same production environment
(``Stack.env``) and its own log file in the temporary directory.

Processes start in their own session; tests/e2e/conftest.py's ``stop`` ends a
whole process group, as tests/celery_worker.py's ``Worker`` does.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
import redis

from tests.celery_worker import Worker
from tests.e2e.conftest import (
    BASE_DIR,
    free_port,
    gunicorn_argv,
    nginx_binary,
    read_log,
    spawn,
    stop,
    wait_for_port,
)

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS = "redis://127.0.0.1:6379"
# Not a database the suite uses: it takes REDIS_URL's (15 in CI) and, per
# pytest-xdist worker, even numbers below it (tests/e2e/conftest.py).
DEFAULT_REDIS_DB = 13
READY_TIMEOUT = 60.0
# The sweeper re-queues what a killed worker left behind within seconds, not minutes.
SWEEP_GRACE_SECONDS = 4
SWEEP_INTERVAL_SECONDS = 2


class SetupError(Exception):
    """The stack could not be set up; the message says why and what to do."""


def _postgres_url() -> str:
    for name in ("SMOKE_DATABASE_URL", "DATABASE_URL"):
        url = os.environ.get(name, "")
        if url.startswith(("postgres://", "postgresql://")):
            return url
    return DEFAULT_DATABASE


def _redis_url() -> str:
    """SMOKE_REDIS_URL as given, else the server of REDIS_URL (or 127.0.0.1:6379), db 13."""
    if url := os.environ.get("SMOKE_REDIS_URL"):
        return url
    server = urlsplit(os.environ.get("REDIS_URL") or DEFAULT_REDIS)
    return urlunsplit(server._replace(path=f"/{DEFAULT_REDIS_DB}"))


def _hide_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


class Stack:
    """The temporary directory, the throw-away database, the Redis database and the
    processes. ``start()`` brings everything up, ``close()`` takes all of it down again
    and may be called at any point (also after a failed start)."""

    def __init__(self, *, keep: bool = False) -> None:
        self.keep = keep
        self.work = Path(tempfile.mkdtemp(prefix="portal-smoke-"))
        self.pki = self.work / "pki"
        self.mail = self.work / "mail"
        self.logs = self.work / "logs"
        self.maintenance_url = _postgres_url()
        self.database = f"portal_smoke_{os.getpid()}"
        self.database_url = urlunsplit(
            urlsplit(self.maintenance_url)._replace(path=f"/{self.database}")
        )
        self.redis_url = _redis_url()
        self.gunicorn_port = free_port()
        self.https_port = free_port()
        self.http_port = free_port()
        self.database_created = False
        self.redis_flushed = False
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.worker: Worker | None = None
        self._workers_started = 0
        self.env = self._environment()

    # -- the environment every process shares ------------------------------

    def _environment(self) -> dict[str, str]:
        inherited = ("PORTAL_", "GUNICORN_", "DJANGO_", "EMAIL_", "CELERY_")
        env = {k: v for k, v in os.environ.items() if not k.startswith(inherited)}
        for name in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS"):
            env.pop(name, None)
        secret_key = self.work / "secret-key"
        secret_key.touch(mode=0o600)
        secret_key.write_text(secrets.token_urlsafe(64))
        env.update(
            DJANGO_SETTINGS_MODULE="portal.settings",
            PYTHONUNBUFFERED="1",
            DATABASE_URL=self.database_url,
            REDIS_URL=self.redis_url,
            SECRET_KEY_FILE=str(secret_key),
            DEBUG="0",
            PORTAL_PRODUCTION="1",
            PORTAL_ALLOW_DEMO_PKI="1",
            PORTAL_HTTPS="1",
            ALLOWED_HOSTS="localhost,127.0.0.1",
            PORTAL_PKI_DIR=str(self.pki),
            PORTAL_VAR_DIR=str(self.work / "var"),
            PORTAL_UPLOAD_DIR=str(self.work / "uploads"),
            PORTAL_STATIC_MANIFEST="1",
            STATIC_ROOT=str(self.work / "static"),
            EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
            EMAIL_FILE_PATH=str(self.mail),
            PORTAL_SITE_URL=f"https://localhost:{self.https_port}",
            PORTAL_CRL_BASE_URL=f"http://127.0.0.1:{self.http_port}/crl",
            PORTAL_SWEEP_GRACE_SECONDS=str(SWEEP_GRACE_SECONDS),
            PORTAL_SWEEP_INTERVAL_SECONDS=str(SWEEP_INTERVAL_SECONDS),
        )
        return env

    # -- services -----------------------------------------------------------

    def _check_services(self) -> None:
        try:
            with psycopg.connect(self.maintenance_url, autocommit=True, connect_timeout=3):
                pass
        except psycopg.Error as error:
            raise SetupError(
                f"PostgreSQL is not reachable at {_hide_password(self.maintenance_url)} "
                f"({str(error).strip()}). make smoke uses a running PostgreSQL: start it, or "
                "point SMOKE_DATABASE_URL (or DATABASE_URL) at one, e.g. "
                "postgres://postgres@127.0.0.1:5432/postgres."
            ) from None
        try:
            redis.Redis.from_url(self.redis_url, socket_connect_timeout=3).ping()
        except (redis.RedisError, ValueError) as error:
            raise SetupError(
                f"Redis is not reachable at {_hide_password(self.redis_url)} ({error}). "
                "make smoke uses a running Redis: start it, or point SMOKE_REDIS_URL at one "
                "(a database number of its own, which it flushes), e.g. "
                "redis://127.0.0.1:6379/13."
            ) from None

    def _flush_redis(self) -> None:
        redis.Redis.from_url(self.redis_url, socket_connect_timeout=3).flushdb()

    def _create_database(self) -> None:
        with psycopg.connect(self.maintenance_url, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{self.database}"')
        self.database_created = True

    def _drop_database(self) -> None:
        with psycopg.connect(self.maintenance_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')

    # -- commands and processes ---------------------------------------------

    def manage(self, *args: str) -> str:
        """``manage.py ARGS`` with the stack's environment; its output, or SetupError."""
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=BASE_DIR,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        if done.returncode != 0:
            raise SetupError(
                f"manage.py {' '.join(args)} exited with {done.returncode}:\n"
                f"{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
            )
        return done.stdout

    def spawn(
        self, name: str, argv: list[str], *, port: int | None = None, logs: tuple[Path, ...] = ()
    ) -> None:
        """Start ``argv`` in a session of its own, its output in logs/<name>.log; with
        ``port``, wait until it answers there (or fail with the tail of ``logs``)."""
        log = self.logs / f"{name}.log"
        process = spawn(argv, self.env, log)
        self.processes[name] = process
        if port is not None:
            with _as_setup_error():
                wait_for_port("127.0.0.1", port, process, name, log, *logs)

    def start_worker(self) -> Worker:
        """``celery -A portal worker`` (prefork, one child); returns once it is ready."""
        self._workers_started += 1
        with _as_setup_error():
            self.worker = Worker(self.env, self.logs / f"worker-{self._workers_started}.log")
        return self.worker

    def kill_worker(self) -> None:
        """SIGKILL to the worker's whole process group: master and pool child at once."""
        if self.worker is not None:
            self.worker.stop(signal.SIGKILL)
            self.worker = None

    def worker_logs(self) -> list[Path]:
        return sorted(self.logs.glob("worker-*.log"))

    def describe(self) -> str:
        plain = f"http :{self.http_port}"
        return (
            f"PostgreSQL {self.database}, Redis {_hide_password(self.redis_url)}, "
            f"gunicorn :{self.gunicorn_port}, worker, beat, nginx https :{self.https_port} "
            f"and {plain}"
        )

    # -- start and stop -----------------------------------------------------

    def start(self) -> None:
        self._check_services()
        self._flush_redis()
        self.redis_flushed = True
        self._create_database()
        for folder in (self.pki, self.mail, self.logs):
            folder.mkdir(mode=0o700)
        self.manage("demo_pki", "--out", str(self.pki))
        # collectstatic (compressing every file) is the slow one: beside the database.
        with ThreadPoolExecutor(max_workers=1) as pool:
            collected = pool.submit(self.manage, "collectstatic", "--no-input", "-v0")
            self.manage("migrate", "--no-input")
            self.manage("seed_demo")
            self._nginx_conf()
            collected.result()
        bin_dir = Path(sys.executable).parent
        self.spawn(
            "gunicorn",
            gunicorn_argv(self.gunicorn_port, "--workers", "2", "--graceful-timeout", "3"),
            port=self.gunicorn_port,
        )
        self._wait_until_ready()
        self.start_worker()
        self.spawn(
            "beat",
            [
                str(bin_dir / "celery"),
                "-A",
                "portal",
                "beat",
                "--loglevel=INFO",
                f"--schedule={self.work / 'beat-schedule'}",
            ],
        )
        with _as_setup_error():
            binary = nginx_binary()
        prefix = self.nginx_prefix
        self.spawn(
            "nginx",
            [
                binary,
                "-p",
                str(prefix),
                "-c",
                str(prefix / "nginx.conf"),
                "-e",
                str(prefix / "error.log"),
            ],
            port=self.https_port,
            logs=self.nginx_logs(),
        )

    @property
    def nginx_prefix(self) -> Path:
        return self.work / "private" / "nginx"

    def nginx_logs(self) -> tuple[Path, ...]:
        return (self.nginx_prefix / "error.log", self.nginx_prefix / "access.log")

    def _nginx_conf(self) -> None:
        """nginx.conf from ``manage.py nginx_conf``, with the plain-HTTP server for CRLs."""
        private = self.work / "private"
        private.mkdir(mode=0o700)
        args = [
            "nginx_conf",
            "--pki",
            str(self.pki),
            "--listen",
            f"127.0.0.1:{self.https_port}",
            "--upstream",
            f"127.0.0.1:{self.gunicorn_port}",
            "--prefix",
            str(self.nginx_prefix),
            "--http-listen",
            f"127.0.0.1:{self.http_port}",
        ]
        self.manage(*args)

    def _wait_until_ready(self) -> None:
        """GET /readyz on gunicorn until 200: database, broker, seal and CA keys."""
        url = f"http://127.0.0.1:{self.gunicorn_port}/readyz"
        deadline = time.monotonic() + READY_TIMEOUT
        last = ""
        while time.monotonic() < deadline:
            request = urllib.request.Request(url, headers={"Host": "localhost"})
            try:
                with _NO_REDIRECTS.open(request, timeout=10) as response:
                    if response.status == 200:
                        return
            except urllib.error.HTTPError as error:
                last = f"{error.code} {error.read()[:2000].decode(errors='replace')}"
            except OSError as error:
                last = str(error)
            time.sleep(0.5)
        raise SetupError(
            f"/readyz did not answer 200 within {READY_TIMEOUT:.0f} s: {last}\n"
            f"{read_log(self.logs / 'gunicorn.log')}"
        )

    def close(self) -> list[str]:
        """Stop everything, drop the database, flush Redis; the problems, if any."""
        problems: list[str] = []
        running = list(self.processes.items())
        if self.worker is not None:
            running.append(("worker", self.worker.process))
            self.worker = None
        for name, process in reversed(running):
            try:
                stop(process, signal.SIGQUIT if name == "nginx" else signal.SIGTERM)
            except OSError as error:
                problems.append(f"stopping {name}: {error}")
        if self.database_created:
            try:
                self._drop_database()
            except psycopg.Error as error:
                problems.append(f"dropping database {self.database}: {error}")
        if self.redis_flushed:
            try:
                self._flush_redis()
            except redis.RedisError as error:
                problems.append(f"flushing Redis {_hide_password(self.redis_url)}: {error}")
        if not self.keep:
            shutil.rmtree(self.work, ignore_errors=True)
        return problems


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_NO_REDIRECTS = urllib.request.build_opener(_NoRedirect)


@contextmanager
def _as_setup_error() -> Iterator[None]:
    """The helpers shared with the tests fail with pytest's ``fail``; here that is a
    SetupError with the same message."""
    try:
        yield
    except pytest.fail.Exception as error:
        raise SetupError(str(error.msg)) from None
