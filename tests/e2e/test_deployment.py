"""nginx started as root with its prefix in a private folder (issue 11, point 6).

Its workers then run as another user (nobody) who cannot enter the prefix, so
they can write neither client_body_temp nor proxy_temp; uploads and large
answers must still get through.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import stat
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.e2e.conftest import NginxProxy, free_port, running_nginx, stop, wait_for_port
from tests.e2e.test_nginx_login import Page, tls_context, via_nginx

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def process_uids(pid: int) -> tuple[int, list[int]]:
    """The effective uid of nginx's master ``pid`` and those of its workers."""

    def euid(status: Path) -> int:
        line = next(x for x in status.read_text().splitlines() if x.startswith("Uid:"))
        return int(line.split()[2])

    workers = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if f"\nPPid:\t{pid}\n" in text:
            workers.append(euid(status))
    return euid(Path(f"/proc/{pid}/status")), workers


def test_nginx_runs_as_root_with_a_private_prefix(nginx_proxy: NginxProxy) -> None:
    """The situation the other tests in this file are about, stated: CI runs as root, so
    the master runs as root and its workers as another user (nginx's default, nobody)
    who cannot enter the prefix's 0700 parent."""
    assert os.geteuid() == 0, "these tests start nginx as root; run them as root (CI does)"
    master = int((nginx_proxy.prefix / "nginx.pid").read_text())
    master_uid, worker_uids = process_uids(master)
    assert master_uid == 0
    assert worker_uids and 0 not in worker_uids
    assert stat.S_IMODE(nginx_proxy.prefix.parent.stat().st_mode) == 0o700


def test_a_1_mb_upload_through_nginx_as_root_reaches_the_portal(
    nginx_proxy: NginxProxy, pki_dir: Path
) -> None:
    """1 MB posted to the seal check (an ID copy is as large): the portal answers, not
    nginx with a 500 because its worker cannot write client_body_temp."""
    form = via_nginx(nginx_proxy, pki_dir, "joost", "/bestelformulier-controleren/")
    assert form.status == 200, form.body[:2000]
    csrf_cookie = form.cookie("csrftoken")
    session = form.cookie("sessionid")
    token = CSRF_INPUT.search(form.body)
    assert csrf_cookie and token

    boundary = uuid.uuid4().hex
    body = b"".join(
        [
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"'
            f"\r\n\r\n{token.group(1)}\r\n".encode(),
            f'--{boundary}\r\nContent-Disposition: form-data; name="document"; '
            'filename="identiteitskaart.pdf"\r\nContent-Type: application/pdf\r\n\r\n'.encode(),
            b"%PDF-1.7\n" + b"\0" * (1024 * 1024),
            f"\r\n--{boundary}--\r\n".encode(),
        ]
    )
    cookies = f"csrftoken={csrf_cookie}" + (f"; sessionid={session}" if session else "")
    connection = http.client.HTTPSConnection(
        nginx_proxy.host, nginx_proxy.port, context=tls_context(pki_dir, "joost"), timeout=30
    )
    try:
        connection.request(
            "POST",
            "/bestelformulier-controleren/",
            body=body,
            headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Cookie": cookies,
                "Origin": f"https://{nginx_proxy.host}:{nginx_proxy.port}",
            },
        )
        response = connection.getresponse()
        page = Page(response.status, response.headers, response.read().decode("utf-8"))
    finally:
        connection.close()

    # The portal read all of it: a PDF it cannot read, said in its own page.
    assert page.status == 200, page.body[:2000]
    assert page.person == "Joost Test"
    assert 'data-testid="seal-result" data-status="unreadable"' in page.body
    assert "Dit PDF-bestand kan niet worden gelezen." in page.body


def small_window(address: tuple[str, int], timeout: float, *args: object) -> socket.socket:
    """A client socket with a 4 KiB receive buffer: what it has not read, nginx must hold."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(timeout)
    sock.connect(address)
    return sock


def test_a_large_answer_to_a_slow_client_arrives_whole(
    pki_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """An 8 MB answer (an ID copy an officer opens is up to 12 MB) to a client that reads
    slowly: nginx as root cannot spill it to proxy_temp, yet passes it on complete.

    The portal holds nothing that large in the test data, so a plain file server stands
    in for gunicorn; nginx and its configuration are the real ones.
    """
    files = tmp_path_factory.mktemp("upstream")
    content = os.urandom(8 * 1024 * 1024)
    (files / "id-copy.bin").write_bytes(content)
    port = free_port()
    log = files / "server.log"
    with log.open("wb") as out:
        upstream = subprocess.Popen(
            [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
            cwd=files,
            start_new_session=True,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_port("127.0.0.1", port, upstream, "http.server", log)
        with running_nginx(
            pki_dir, f"127.0.0.1:{port}", tmp_path_factory.mktemp("private")
        ) as proxy:
            connection = http.client.HTTPSConnection(
                proxy.host, proxy.port, context=tls_context(pki_dir, None), timeout=30
            )
            connection._create_connection = small_window  # type: ignore[attr-defined]
            try:
                connection.request("GET", "/id-copy.bin")
                time.sleep(2)  # the upstream has answered; the client has read nothing yet
                response = connection.getresponse()
                body = response.read()
            finally:
                connection.close()
            error_log = (proxy.prefix / "error.log").read_text()
    finally:
        stop(upstream, signal.SIGTERM)

    assert response.status == 200
    assert body == content, error_log[-2000:]
