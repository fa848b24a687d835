"""End-to-end fixtures: the seeded test database served by gunicorn behind a real nginx.

    client --TLS(+client certificate)--> nginx 127.0.0.1:<port>
           --+ X-Portal-Proxy-Secret--> gunicorn 127.0.0.1:<port> --> test database

The default deployment, with no extra setting: `demo_pki` (the pki_dir
fixture), `nginx_conf --pki DIR`, and gunicorn with PORTAL_PKI_DIR=DIR. gunicorn
trusts loopback (the default PORTAL_TRUSTED_PROXIES), so a request straight to
it from 127.0.0.1 comes from a trusted address: only nginx's secret
(core/proxy_secret.py) tells the two apart.

nginx is started as whoever runs the tests — root in CI — with its prefix in a
private (0700) folder, as an operator might (issue 11, point 6).

nginx (and, for the browser tests, /usr/bin/chromium) must be installed; without
them these tests skip with the reason (and `CI=true` turns any skip into a
failure, see tests/conftest.py).
"""

from __future__ import annotations

import io
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
from django.db import connection

BASE_DIR = Path(__file__).resolve().parents[2]
START_TIMEOUT = 30.0


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test under tests/e2e is an end-to-end test, marker or not: `make test-fast`
    (``-m "not e2e"``) leaves out all of them, also a new file that forgets ``pytestmark``."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.e2e)


@dataclass(frozen=True)
class PortalServer:
    host: str
    port: int
    log: Path

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class NginxProxy:
    base_url: str
    host: str
    port: int
    prefix: Path
    # Plain HTTP (`nginx_conf --http-listen`): the CRLs and CA certificates, else a redirect.
    http_port: int

    @property
    def http_base_url(self) -> str:
        return f"http://{self.host}:{self.http_port}"


def nginx_binary() -> str:
    """nginx's path; without it the end-to-end tests say what is missing (a bare machine
    without root fails with the fix; make test and .ci/run install nginx)."""
    binary = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )
    if binary is None:
        pytest.fail("nginx is not installed (make system-deps): end-to-end tests need it")
    return binary


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def served_database_url() -> str:
    """DATABASE_URL for the test database pytest-django has just created and seeded."""
    settings_dict = connection.settings_dict
    engine, name = settings_dict["ENGINE"], str(settings_dict["NAME"])
    if engine.endswith("sqlite3"):
        if name == ":memory:" or "mode=memory" in name:
            pytest.fail("the end-to-end tests need a SQLite file as test database, not memory")
        return f"sqlite:///{Path(name).resolve()}"
    if "postgresql" in engine:
        credentials = quote(settings_dict.get("USER") or "", safe="")
        if password := settings_dict.get("PASSWORD"):
            credentials += ":" + quote(str(password), safe="")
        host = settings_dict.get("HOST") or "localhost"
        port = settings_dict.get("PORT") or "5432"
        at = f"{credentials}@" if credentials else ""
        return f"postgres://{at}{host}:{port}/{quote(name, safe='')}"
    pytest.fail(f"no DATABASE_URL for database engine {engine}")


def neighbour_redis_db(url: str) -> str:
    """The served portal's own Redis database next to the suite's (15 -> 14, 14 -> 15;
    under pytest-xdist one per worker).

    Its worker must not take tasks that tests/orders/test_worker.py queues
    for its own workers, nor the other way round.
    """
    if not url:
        return ""
    parts = urlsplit(url)
    db = int(parts.path.strip("/") or 0)
    # Under pytest-xdist every worker serves its own test database with its own Celery
    # worker: each gets its own Redis database too (gw0 -> 14, gw1 -> 12, ...), or one
    # worker could take the other's tasks for a database it does not serve.
    xdist = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    offset = 2 * int(xdist[2:]) if xdist[2:].isdigit() else 0
    served = ((db ^ 1) - offset) % 16
    return urlunsplit(parts._replace(path=f"/{served}"))


def gunicorn_argv(port: int, *options: str) -> list[str]:
    """gunicorn as deployed (deploy/gunicorn/gunicorn.conf.py) on 127.0.0.1:``port``: how
    the end-to-end tests, `make bench` and `make smoke` all start it. Never gunicorn's
    shared default control socket ($HOME/.gunicorn/gunicorn.ctl)."""
    return [
        str(Path(sys.executable).with_name("gunicorn")),
        *("-c", "deploy/gunicorn/gunicorn.conf.py", "--bind", f"127.0.0.1:{port}"),
        "--no-control-socket",
        *options,
        "portal.wsgi",
    ]


def spawn(
    argv: list[str], env: dict[str, str], out: Path, err: Path | None = None
) -> subprocess.Popen[bytes]:
    """``argv`` from the project's folder in a session of its own (``stop`` ends all its
    processes), output appended to ``out`` (and ``err``, else ``out`` too)."""
    with ExitStack() as files:
        stdout = files.enter_context(out.open("ab"))
        stderr = files.enter_context(err.open("ab")) if err else subprocess.STDOUT
        return subprocess.Popen(
            argv,
            cwd=BASE_DIR,
            env=env,
            start_new_session=True,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
        )


def wait_for_port(
    host: str, port: int, process: subprocess.Popen[bytes], describe: str, *logs: Path
) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{describe} exited with {process.returncode} on start:\n{read_log(*logs)}")
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    stop(process, signal.SIGTERM)
    pytest.fail(
        f"{describe} did not answer on {host}:{port} in {START_TIMEOUT:.0f} s:\n{read_log(*logs)}"
    )


def read_log(*paths: Path) -> str:
    return "\n".join(
        f"--- {path} ---\n{path.read_text(errors='replace')[-20000:]}"
        for path in paths
        if path.exists()
    )


def stop(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    """Stop a server started with start_new_session=True, workers included.

    Killing only the master would orphan gunicorn's workers with their
    database connections, and the test database could not be dropped.
    """
    try:
        os.killpg(process.pid, sig)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture(scope="session")
def portal_server(
    django_db_setup: None, pki_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PortalServer]:
    """gunicorn (2 workers, production settings) serving the seeded test database."""
    nginx_binary()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    if not gunicorn.exists():
        pytest.skip(f"gunicorn is not installed next to {sys.executable}")
    work = tmp_path_factory.mktemp("gunicorn")
    static_root = work / "static"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "GUNICORN_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings",
        DATABASE_URL=served_database_url(),
        PORTAL_PKI_DIR=str(pki_dir),
        SECRET_KEY=secrets.token_urlsafe(50),
        DEBUG="0",
        ALLOWED_HOSTS="localhost,127.0.0.1",
        PORTAL_HTTPS="1",
        PORTAL_STATIC_MANIFEST="1",
        STATIC_ROOT=str(static_root),
        PYTHONUNBUFFERED="1",
        REDIS_URL=neighbour_redis_db(os.environ.get("REDIS_URL", "")),
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(work / "mail"),
    )
    collected = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if collected.returncode != 0:
        pytest.fail(f"collectstatic failed:\n{collected.stdout}\n{collected.stderr}")

    port = free_port()
    log = work / "gunicorn.log"
    process = spawn(gunicorn_argv(port, "--workers", "2", "--graceful-timeout", "3"), env, log)
    worker = None
    try:
        wait_for_port("127.0.0.1", port, process, "gunicorn", log)
        if env.get("REDIS_URL"):
            # As deployed: the documents and e-mail of orders placed through
            # the browser are made by a worker (inline without Redis).
            from tests.celery_worker import Worker

            worker = Worker(env, work / "worker.log")
        yield PortalServer(host="127.0.0.1", port=port, log=log)
    finally:
        if worker is not None:
            worker.stop()
        stop(process, signal.SIGTERM)


@pytest.fixture(scope="session")
def nginx_proxy(
    portal_server: PortalServer, pki_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[NginxProxy]:
    """nginx with TLS and optional client certificates, exactly as `manage.py nginx_conf`."""
    with running_nginx(pki_dir, portal_server.address, tmp_path_factory.mktemp("private")) as proxy:
        yield proxy


@contextmanager
def running_nginx(pki_dir: Path, upstream: str, private: Path) -> Iterator[NginxProxy]:
    """nginx from `manage.py nginx_conf` in front of ``upstream``, its prefix in
    ``private`` (made 0700), started as whoever runs the tests; TLS on one port and
    plain HTTP on another."""
    from django.core.management import call_command

    binary = nginx_binary()
    private.chmod(0o700)
    prefix = private / "nginx"
    port = free_port()
    http_port = free_port()
    call_command(
        "nginx_conf",
        pki=pki_dir,
        listen=f"127.0.0.1:{port}",
        upstream=upstream,
        prefix=prefix,
        http_listen=f"127.0.0.1:{http_port}",
        stdout=io.StringIO(),
    )
    error_log = prefix / "error.log"
    output = prefix / "stdout.log"
    with output.open("wb") as out:
        process = subprocess.Popen(
            [binary, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-e", str(error_log)],
            start_new_session=True,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        for listening in (port, http_port):
            wait_for_port("127.0.0.1", listening, process, "nginx", error_log, output)
        yield NginxProxy(
            base_url=f"https://localhost:{port}",
            host="localhost",
            port=port,
            prefix=prefix,
            http_port=http_port,
        )
    finally:
        stop(process, signal.SIGQUIT)
