"""A person with a demo card in front of nginx, over HTTPS with the standard library.

Like a browser: it presents the card (clients/<slug>.crt and .key of the demo
PKI), trusts the demo roots for nginx's server certificate, keeps its cookies,
and submits a form with the values the page shows (lxml's ``form_values``:
hidden fields, prefilled inputs, the selected option, checked boxes) plus what
the caller fills in.
"""

from __future__ import annotations

import http.client
import re
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

import lxml.html

from tests.e2e.test_nginx_login import tls_context


class PageError(Exception):
    """A page was not what the step expected; the message says what it was."""


@dataclass
class Page:
    url: str
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")

    def html(self) -> lxml.html.HtmlElement:
        return lxml.html.fromstring(self.body, base_url=self.url)

    def form(
        self, *, containing: str | None = None, action: str | None = None
    ) -> lxml.html.FormElement:
        """The page's form with a field matching the regex ``containing`` or whose action
        contains ``action``; the only form when neither is given."""
        forms = self.html().forms
        for form in forms:
            if containing is not None and any(re.search(containing, n) for n in form.fields):
                return form
            if action is not None and action in (form.action or ""):
                return form
        if containing is None and action is None and len(forms) == 1:
            return forms[0]
        raise PageError(f"no such form on {self.url} ({self.status}): {self.summary()}")

    def testid(self, name: str) -> list[str]:
        """The text of every element with ``data-testid=name``."""
        return [
            " ".join(element.text_content().split())
            for element in self.html().xpath("//*[@data-testid=$name]", name=name)
        ]

    def errors(self) -> str:
        """The form errors and error messages the page shows, for a failure's message."""
        found = self.html().xpath(
            "//*[contains(@class, 'invalid-feedback') or contains(@class, 'alert-danger')"
            " or contains(@class, 'errorlist') or contains(@class, 'errornote')]"
        )
        return "; ".join(
            " ".join(e.text_content().split()) for e in found if e.text_content().strip()
        )

    def summary(self) -> str:
        if self.status in (301, 302, 303):
            return f"redirect to {self.location}"
        title = re.search(rb"<title>(.*?)</title>", self.body, re.S)
        shown = title.group(1).decode(errors="replace").strip() if title else self.text[:300]
        errors = self.errors() if self.body.lstrip().startswith(b"<") else ""
        return f"{shown!r}{'; ' + errors if errors else ''}"


@dataclass
class Browser:
    port: int
    pki: Path
    card: str | None
    host: str = "localhost"
    cookies: dict[str, str] = field(default_factory=dict)

    @property
    def origin(self) -> str:
        return f"https://{self.host}:{self.port}"

    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Page:
        connection = http.client.HTTPSConnection(
            self.host, self.port, context=tls_context(self.pki, self.card), timeout=60
        )
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            page = Page(self.origin + path, response.status, response.headers, response.read())
        finally:
            connection.close()
        jar = SimpleCookie()
        for header in page.headers.get_all("Set-Cookie") or []:
            jar.load(header)
        for name, morsel in jar.items():
            self.cookies[name] = morsel.value
        return page

    def get(self, path: str) -> Page:
        return self.request("GET", path)

    def post(self, path: str, fields: list[tuple[str, str]], *, referer: str = "") -> Page:
        return self.request(
            "POST",
            path,
            body=urlencode(fields).encode(),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": self.origin,
                "Referer": referer or self.origin + path,
            },
        )

    def submit(self, page: Page, form: lxml.html.FormElement) -> Page:
        """POST ``form`` of ``page`` as it now stands (the caller may have set fields)."""
        action = urlsplit(urljoin(page.url, form.action or page.url))
        path = action.path + (f"?{action.query}" if action.query else "")
        return self.post(path, form.form_values(), referer=page.url)

    def follow(self, page: Page) -> Page:
        """GET the redirect target of ``page``."""
        if page.status not in (301, 302, 303):
            raise PageError(
                f"expected a redirect from {page.url}, got {page.status}: {page.summary()}"
            )
        target = urlsplit(urljoin(page.url, page.location))
        return self.get(target.path + (f"?{target.query}" if target.query else ""))
