"""A posted step the order or renewal wizard does not offer: the current step and a message,
never a 500 (issue 11, point 2)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from certificates.models import Certificate
from orders.models import Order
from tests.orders.wizard_steps import current_step, new_order_url, post_step, prefix_of

pytestmark = pytest.mark.django_db

MESSAGE = "Deze stap bestaat niet of is niet voor u beschikbaar."


def renewal_url() -> str:
    return reverse(
        "renewal_wizard", args=[Certificate.objects.get(common_name="www.voorbeeld.nl").pk]
    )


@pytest.fixture(params=["order", "renewal"])
def wizard_url(request: pytest.FixtureRequest) -> str:
    return new_order_url() if request.param == "order" else renewal_url()


# "bogus" is made up; "opzeggen" is a step of another wizard (the registration change).
@pytest.mark.parametrize("step", ["bogus", "opzeggen"])
def test_a_step_the_wizard_does_not_offer_shows_the_current_step(
    client, login_as, wizard_url, step
):
    login_as("joost")
    prefix = prefix_of(client.get(wizard_url))
    assert current_step(post_step(client, wizard_url, prefix, "contactpersoon")) == (
        "certificaatbeheerder"
    )

    response = post_step(client, wizard_url, prefix, step, {"token": "x"})

    assert response.status_code == 200
    assert current_step(response) == "certificaatbeheerder"
    assert MESSAGE in response.content.decode()
    assert Order.objects.count() == 0
