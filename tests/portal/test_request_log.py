"""Structured logs (issue 16): one JSON object per line, the access line per request, and
the request's id, person, subscriber and client address on every line of the request."""

from __future__ import annotations

import copy
import io
import json
import logging
from collections.abc import Callable, Iterator

import pytest
from django.conf import settings
from django.test import Client
from django.utils.module_loading import import_string

from core import proxy_secret
from core.log_context import RequestContextFilter
from tests.portal.error_urls import INTERNAL

pytestmark = pytest.mark.django_db

NGINX_REQUEST_ID = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"  # as nginx's $request_id


@pytest.fixture
def json_log() -> Iterator[Callable[[], list[dict]]]:
    """What the console handler writes with PORTAL_LOG_FORMAT=json: the formatter and the
    filter of settings.LOGGING, on the root logger. Returns the lines, each parsed."""
    config = copy.deepcopy(settings.LOGGING["formatters"]["json"])
    formatter = import_string(config.pop("()"))(**config)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    handler.addFilter(RequestContextFilter())
    root = logging.getLogger()
    root.addHandler(handler)

    def lines() -> list[dict]:
        # One object per line: a line that is no JSON object fails here.
        return [json.loads(line) for line in stream.getvalue().splitlines()]

    yield lines
    root.removeHandler(handler)


def access_lines(lines: list[dict]) -> list[dict]:
    return [line for line in lines if line["logger"] == "portal.request"]


def test_the_access_line_of_a_logged_in_request(client, login_as, maximo, json_log):
    login_as("maximo")
    response = client.get(
        "/", HTTP_X_FORWARDED_FOR="203.0.113.7", HTTP_X_REQUEST_ID=NGINX_REQUEST_ID
    )
    assert response.status_code == 200
    assert response["X-Request-ID"] == NGINX_REQUEST_ID
    (line,) = access_lines(json_log())
    assert line["level"] == "INFO"
    assert line["message"].startswith("GET / 200 ")
    assert line["timestamp"]
    assert line["request_id"] == NGINX_REQUEST_ID
    assert line["person"] == maximo.pk
    assert line["subscriber"] == maximo.subscriber_id
    assert line["client"] == "203.0.113.7"
    assert line["method"] == "GET"
    assert line["path"] == "/"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float)
    # Ids, never names.
    assert "Maximo" not in json.dumps(line)


def test_every_line_of_the_request_carries_its_context(client, login_as, json_log):
    login_as("maximo")
    client.get("/", HTTP_X_FORWARDED_FOR="203.0.113.7", HTTP_X_REQUEST_ID=NGINX_REQUEST_ID)
    lines = json_log()
    logged_in = [line for line in lines if "logged in" in line["message"]]
    assert logged_in, lines
    for line in lines:
        assert line["request_id"] == NGINX_REQUEST_ID
        assert line["client"] == "203.0.113.7"


def test_outside_a_request_lines_have_no_request_fields(json_log):
    logging.getLogger("portal.test").warning("a task's line")
    (line,) = json_log()
    assert line["message"] == "a task's line"
    assert "request_id" not in line and "person" not in line


def test_a_request_id_without_the_proxy_secret_is_not_used(pki_dir, json_log):
    """A client reaching gunicorn directly does not choose the id of our log lines."""
    spoofed = "a" * 32
    response = Client().get("/healthz", HTTP_X_REQUEST_ID=spoofed)
    assert response["X-Request-ID"] != spoofed
    assert len(response["X-Request-ID"]) == 32
    lines = json_log()
    assert all(line["request_id"] == response["X-Request-ID"] for line in lines)


@pytest.mark.parametrize("supplied", ["short", "a" * 65, "0f1e2d3c4b5a6978 8796a5b4c3d2e1f0"])
def test_a_malformed_request_id_from_nginx_is_replaced(supplied):
    forwarded = {proxy_secret.META_KEY: settings.PORTAL_PROXY_SECRET}
    response = Client(**forwarded).get("/healthz", HTTP_X_REQUEST_ID=supplied)
    assert response["X-Request-ID"] != supplied
    assert len(response["X-Request-ID"]) == 32


def test_anonymous_requests_name_no_person(json_log):
    response = Client().get("/niet-ingelogd/", secure=True)
    assert response.status_code == 403
    (line,) = access_lines(json_log())
    assert line["person"] is None and line["subscriber"] is None
    assert line["status"] == 403


def test_a_passing_health_check_is_no_access_line_at_info(json_log):
    """An orchestrator asks every few seconds: logged at DEBUG only."""
    assert Client().get("/healthz").status_code == 200
    assert access_lines(json_log()) == []


@pytest.mark.urls("tests.portal.error_urls")
def test_an_exception_is_one_json_line_with_the_traceback_in_a_field(json_log):
    response = Client(raise_request_exception=False).get("/test/500/", secure=True)
    assert response.status_code == 500
    lines = json_log()
    (error,) = [line for line in lines if line["logger"] == "django.request"]
    assert error["level"] == "ERROR"
    assert error["message"] == "Internal Server Error: /test/500/"
    assert error["exception"].startswith("Traceback (most recent call last):")
    assert f"RuntimeError: {INTERNAL}" in error["exception"]
    assert error["request_id"] == response["X-Request-ID"]
    (access,) = access_lines(lines)
    assert access["status"] == 500
    assert access["level"] == "ERROR"
