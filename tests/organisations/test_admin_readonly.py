"""Registration data changes only through an approved change request (issue 6), not in the admin."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from organisations.models import Subscriber

pytestmark = pytest.mark.django_db


def test_even_a_superuser_cannot_edit_the_registration_in_the_admin(client, officer_login):
    officer_login(get_user_model().objects.create_superuser("root", "root@example.invalid", "x"))
    voorbeeld = Subscriber.objects.get(name="Voorbeeld B.V.")
    url = f"/beheer/organisations/subscriber/{voorbeeld.pk}/change/"

    page = client.get(url).content.decode()
    assert 'name="name"' not in page and 'name="street"' not in page
    client.post(url, {"name": "Overgenomen B.V.", "street": "Elders 1"})

    voorbeeld.refresh_from_db()
    assert (voorbeeld.name, voorbeeld.street) == ("Voorbeeld B.V.", "Wilhelminakade 123")
