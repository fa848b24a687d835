"""Through nginx with mTLS: concurrent clients against gunicorn, on loopback only.

gunicorn (production settings, the bench's URLs) and nginx from ``manage.py
nginx_conf`` start as tests/e2e/conftest.py starts them; each client is a thread
with its own keep-alive TLS connection presenting the demo card of ``joost`` and
keeping its session cookie, as a browser does.
"""

from __future__ import annotations

import http.client
import os
import secrets
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.e2e.conftest import (
    BASE_DIR,
    free_port,
    gunicorn_argv,
    running_nginx,
    spawn,
    stop,
    wait_for_port,
)


@dataclass
class LoadResult:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    @property
    def p99(self) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] if ordered else 0.0


@contextmanager
def served(database_url: str, pki: Path) -> Iterator[int]:
    """gunicorn (2 workers) behind nginx; yields nginx's port on 127.0.0.1."""
    work = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "GUNICORN_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DATABASE_URL=database_url,
        PORTAL_PKI_DIR=str(pki),
        SECRET_KEY=secrets.token_urlsafe(50),
        DEBUG="0",
        ALLOWED_HOSTS="localhost,127.0.0.1",
        PORTAL_HTTPS="1",
        PORTAL_STATIC_MANIFEST="1",
        STATIC_ROOT=str(work / "static"),
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=BASE_DIR,
        env=env,
        check=True,
    )
    port = free_port()
    log = work / "gunicorn.log"
    process = spawn(
        gunicorn_argv(port, "--workers", "2", "--access-logfile", "/dev/null"), env, log
    )
    try:
        wait_for_port("127.0.0.1", port, process, "gunicorn", log)
        (work / "private").mkdir()
        with running_nginx(pki, f"127.0.0.1:{port}", work / "private") as proxy:
            yield proxy.port
    finally:
        stop(process, signal.SIGTERM)
        shutil.rmtree(work, ignore_errors=True)


def _context(pki: Path, slug: str) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(pki / "roots.pem"))
    context.load_cert_chain(pki / "clients" / f"{slug}.crt", pki / "clients" / f"{slug}.key")
    return context


def load(port: int, pki: Path, path: str, *, clients: int, seconds: float) -> LoadResult:
    """``clients`` threads requesting ``path`` for ``seconds`` (after a short warm-up)."""
    context = _context(pki, "joost")
    result = LoadResult()
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)
    deadline = [0.0]

    def client() -> None:
        connection = http.client.HTTPSConnection("localhost", port, context=context, timeout=30)
        cookie = ""
        start.wait()
        while time.monotonic() < deadline[0]:
            began = time.perf_counter()
            try:
                connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
                for header, value in response.getheaders():
                    if header.lower() == "set-cookie" and value.startswith("sessionid="):
                        cookie = value.split(";", 1)[0]
            except (OSError, http.client.HTTPException):
                ok = False
                connection.close()
                connection = http.client.HTTPSConnection(
                    "localhost", port, context=context, timeout=30
                )
            elapsed = time.perf_counter() - began
            with lock:
                if ok:
                    result.latencies.append(elapsed)
                else:
                    result.errors += 1
        connection.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    began = time.monotonic()
    deadline[0] = began + seconds
    start.wait()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    result.seconds = time.monotonic() - began
    return result
