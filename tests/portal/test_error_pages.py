"""400, 403, 404, 500 and a refused CSRF check: the portal's layout, Dutch or English, nothing
internal (issue 11, point 5)."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django.utils import translation

from portal.errors import server_error
from tests.conftest import forwarded_by_nginx
from tests.portal.error_urls import INTERNAL

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.portal.error_urls")]

PAGES = {
    # status: (url, Dutch heading, English heading)
    400: ("/test/400/", "Ongeldig verzoek", "Bad request"),
    403: ("/test/403/", "Geen toegang", "No access"),
    404: ("/bestaat-niet/", "Pagina niet gevonden", "Page not found"),
    500: ("/test/500/", "Er ging iets mis", "Something went wrong"),
}


@pytest.fixture(autouse=True)
def _production(settings) -> None:  # noqa: ANN001
    settings.DEBUG = False


def browser(language: str, **kwargs: object) -> Client:
    return Client(
        raise_request_exception=False,
        **forwarded_by_nginx(),
        HTTP_ACCEPT_LANGUAGE=language,
        **kwargs,
    )


def assert_portal_page(text: str) -> None:
    assert 'class="navbar-brand fw-bold"' in text
    assert "css/portal.css" in text
    for internal in ("secret-detail", "/srv/portal", "KeyError", "Traceback", "RuntimeError"):
        assert internal not in text


@pytest.mark.parametrize("status", sorted(PAGES))
@pytest.mark.parametrize("language", ["nl", "en"])
def test_each_error_is_a_portal_page_in_the_persons_language(status, language):
    url, dutch, english = PAGES[status]

    response = browser(language).get(url)

    assert response.status_code == status
    text = response.content.decode()
    assert f'data-status="{status}"' in text
    assert f'<html lang="{language}">' in text
    assert (english if language == "en" else dutch) in text
    assert (dutch if language == "en" else english) not in text
    assert_portal_page(text)


@pytest.mark.parametrize(
    ("language", "heading"), [("nl", "Formulier niet verwerkt"), ("en", "Form not processed")]
)
def test_a_refused_csrf_check_is_a_portal_page(language, heading):
    response = browser(language, enforce_csrf_checks=True).post("/uitloggen/")

    assert response.status_code == 403
    text = response.content.decode()
    assert heading in text
    assert "CSRF" not in text
    assert_portal_page(text)


def test_a_logged_in_person_keeps_the_menu_on_a_404(client, login_as):
    login_as("joost")

    response = client.get("/bestaat-niet/")

    assert response.status_code == 404
    assert 'data-testid="person-name"' in response.text
    assert "Servercertificaten" in response.text


def test_the_500_page_needs_no_database(django_assert_num_queries):
    request = RequestFactory().get("/")

    with translation.override("en"), django_assert_num_queries(0):
        response = server_error(request)

    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
    assert INTERNAL not in response.content.decode()


def test_an_unknown_host_is_a_portal_400_page():
    response = browser("en", HTTP_HOST="evil.example").get("/")

    assert response.status_code == 400
    assert "Bad request" in response.content.decode()
    assert "evil.example" not in response.content.decode()
    assert_portal_page(response.content.decode())
