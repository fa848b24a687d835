"""The wizard in English (the complete translation, SPEC.md §4)."""

from __future__ import annotations

import pytest
from django.conf import settings

from tests.orders.wizard_steps import new_order_url, post_step, prefix_of

pytestmark = pytest.mark.django_db


def test_the_wizard_speaks_english(client, login_as):
    login_as("joost")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    url = new_order_url()
    response = client.get(url)
    content = response.content.decode()
    assert "1. Contact person" in content
    assert "Next step >>" in content
    response = post_step(client, url, prefix_of(response), "contactpersoon")
    assert "2. Certificate manager" in response.content.decode()
