"""Back-office login through the real nginx (issue 11 point 1): the demo officer's
card (clients/validatie.crt) and password get in; the password alone does not."""

from __future__ import annotations

import http.client
import re
from pathlib import Path
from urllib.parse import urlencode

import pytest

from portal.demo_data import OFFICER_PASSWORD, OFFICER_USERNAME
from tests.e2e.conftest import NginxProxy
from tests.e2e.test_nginx_login import Page, tls_context

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]

LOGIN = "/beheer/login/"
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _request(
    proxy: NginxProxy,
    pki_dir: Path,
    card: str | None,
    method: str,
    path: str,
    cookies: dict[str, str],
    form: dict[str, str] | None = None,
) -> Page:
    connection = http.client.HTTPSConnection(
        proxy.host, proxy.port, context=tls_context(pki_dir, card), timeout=15
    )
    headers = {"Cookie": "; ".join(f"{name}={value}" for name, value in cookies.items())}
    body = None
    if form is not None:
        body = urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        headers["Origin"] = proxy.base_url
        headers["Referer"] = proxy.base_url + path
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        page = Page(response.status, response.headers, response.read().decode("utf-8"))
    finally:
        connection.close()
    for name in ("csrftoken", "sessionid"):
        if (value := page.cookie(name)) is not None:
            cookies[name] = value
    return page


def _log_in(proxy: NginxProxy, pki_dir: Path, card: str | None, cookies: dict[str, str]) -> Page:
    form_page = _request(proxy, pki_dir, card, "GET", LOGIN, cookies)
    assert form_page.status == 200, form_page.body[:2000]
    token = CSRF_FIELD.search(form_page.body)
    assert token is not None
    return _request(
        proxy,
        pki_dir,
        card,
        "POST",
        LOGIN,
        cookies,
        {
            "csrfmiddlewaretoken": token.group(1),
            "username": OFFICER_USERNAME,
            "password": OFFICER_PASSWORD,
            "next": "/beheer/",
        },
    )


def test_the_officer_logs_in_with_card_and_password(nginx_proxy: NginxProxy, pki_dir: Path):
    cookies: dict[str, str] = {}

    response = _log_in(nginx_proxy, pki_dir, "validatie", cookies)

    assert response.status == 302, response.body[:2000]
    assert response.headers["Location"] == "/beheer/"
    index = _request(nginx_proxy, pki_dir, "validatie", "GET", "/beheer/", cookies)
    assert index.status == 200, index.body[:2000]
    assert "Certificaatportaal — back office" in index.body
    assert "/beheer/logout/" in index.body
    # The same session without the card is logged out.
    without_card = _request(nginx_proxy, pki_dir, None, "GET", "/beheer/", cookies)
    assert without_card.status == 302
    assert without_card.headers["Location"].startswith(LOGIN)


def test_the_password_without_the_card_is_refused(nginx_proxy: NginxProxy, pki_dir: Path):
    cookies: dict[str, str] = {}

    response = _log_in(nginx_proxy, pki_dir, None, cookies)

    assert response.status == 200
    assert "Voor de back office heeft u uw eigen smartcard nodig" in response.body
    index = _request(nginx_proxy, pki_dir, None, "GET", "/beheer/", cookies)
    assert index.status == 302
