"""Back-office login (issue 11 point 1): the officer's own smartcard and the password,
lockout after failed passwords (django-axes, in the database), unlocking by another officer."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client

from audit.models import Action, AuditEntry
from portal.demo_data import OFFICER_PASSWORD
from portal.middleware import CERT_HEADER, VERIFY_HEADER
from portal.officers import VALIDATION_GROUP
from tests.conftest import forwarded_by_nginx, map_card, pem_header

pytestmark = pytest.mark.django_db

LOGIN = "/beheer/login/"
ATTEMPTS = "/beheer/axes/accessattempt/"
ATTACKER = "203.0.113.7"
OTHER_ADDRESS = "198.51.100.20"
SECOND_PASSWORD = "tweede-wachtwoord"  # noqa: S105


@pytest.fixture(autouse=True)
def fast_passwords(settings) -> None:  # noqa: ANN001
    """Each login checks a password; the default hasher's second per check adds up."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    officer = get_user_model().objects.get(username="validatie")
    officer.set_password(OFFICER_PASSWORD)
    officer.save()


@pytest.fixture
def second_officer(pki_dir):  # noqa: ANN001, ANN201
    """Another validation officer, with their own card (the demo PKI's spare one)."""
    user = get_user_model().objects.create_user("tweede", password=SECOND_PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=VALIDATION_GROUP))
    map_card(pki_dir, "unregistered", user)
    return user


def _card(client: Client, pki_dir, slug: str | None) -> Client:  # noqa: ANN001
    for header in (CERT_HEADER, VERIFY_HEADER):
        client.defaults.pop(header, None)
    if slug is not None:
        client.defaults[CERT_HEADER] = pem_header(pki_dir, slug)
        client.defaults[VERIFY_HEADER] = "SUCCESS"
    return client


def _log_in(client: Client, username: str, password: str, address: str = ATTACKER, **extra):  # noqa: ANN003, ANN202
    return client.post(
        LOGIN,
        {"username": username, "password": password, "next": "/beheer/"},
        HTTP_X_FORWARDED_FOR=address,
        **extra,
    )


def _logged_in(client: Client) -> bool:
    return client.get("/beheer/").status_code == 200


def test_the_login_page_says_the_card_is_needed(client):
    page = client.get(LOGIN)

    assert 'data-testid="card-required"' in page.text
    assert "alleen met uw eigen smartcard" in page.text


def test_a_password_without_the_card_is_refused(client):
    response = _log_in(client, "validatie", OFFICER_PASSWORD)

    assert response.status_code == 200
    assert "Voor de back office heeft u uw eigen smartcard nodig" in response.text
    assert "Er is geen persoonlijk certificaat aangeboden" in response.text
    assert not _logged_in(client)


def test_card_and_password_log_in(client, pki_dir):
    response = _log_in(_card(client, pki_dir, "validatie"), "validatie", OFFICER_PASSWORD)

    assert response.status_code == 302
    assert _logged_in(client)


def test_card_headers_count_only_from_the_trusted_proxy(client, pki_dir):
    _card(client, pki_dir, "validatie")

    response = _log_in(client, "validatie", OFFICER_PASSWORD, REMOTE_ADDR="192.0.2.50", secure=True)

    assert "Voor de back office heeft u uw eigen smartcard nodig" in response.text
    assert not _logged_in(client)


def test_the_card_of_another_officer_is_refused(client, pki_dir, second_officer):
    response = _log_in(_card(client, pki_dir, "validatie"), "tweede", SECOND_PASSWORD)

    assert "Deze smartcard hoort niet bij deze gebruikersnaam" in response.text
    assert not _logged_in(client)


def test_a_customers_card_gives_no_back_office_access(client, pki_dir):
    response = _log_in(_card(client, pki_dir, "maximo"), "validatie", OFFICER_PASSWORD)

    assert "niet gekoppeld aan een account van de back office" in response.text
    assert not _logged_in(client)


def test_the_officers_card_opens_no_customer_account(client, pki_dir):
    page = _card(client, pki_dir, "validatie").get("/")

    assert page.status_code == 403
    assert 'data-failure="not_registered"' in page.text


def test_a_revoked_card_is_refused_even_when_mapped(client, pki_dir):
    map_card(pki_dir, "revoked", get_user_model().objects.get(username="validatie"))

    response = _log_in(_card(client, pki_dir, "revoked"), "validatie", OFFICER_PASSWORD)

    assert "Uw certificaat is ingetrokken" in response.text
    assert not _logged_in(client)


@pytest.mark.parametrize("next_card", [None, "unregistered"], ids=["no card", "another card"])
def test_the_session_stays_bound_to_its_card(client, pki_dir, next_card):
    officer = get_user_model().objects.get(username="validatie")
    map_card(pki_dir, "unregistered", officer)  # a second card of the same officer
    _log_in(_card(client, pki_dir, "validatie"), "validatie", OFFICER_PASSWORD)
    assert _logged_in(client)

    assert not _logged_in(_card(client, pki_dir, next_card))
    # Logged out, not merely refused once: the own card alone does not bring the session back.
    assert not _logged_in(_card(client, pki_dir, "validatie"))


def _fail(client: Client, times: int, username: str = "validatie", address: str = ATTACKER):  # noqa: ANN202
    response = None
    for _ in range(times):
        response = _log_in(client, username, "fout-wachtwoord", address)
    return response


def test_failed_passwords_lock_the_account_out(client, pki_dir):
    _card(client, pki_dir, "validatie")
    assert _fail(client, 4).status_code == 200

    locked = _fail(client, 1)

    assert locked.status_code == 429
    assert "Inloggen is geblokkeerd na 5 mislukte pogingen" in locked.text
    assert "Certificaatportaal — back office" in locked.text  # the admin's layout
    # The right password, from another address, does not get in either.
    assert _log_in(client, "validatie", OFFICER_PASSWORD, OTHER_ADDRESS).status_code == 429
    assert not _logged_in(client)


def test_the_lockout_is_written_to_the_audit_log_once(client, pki_dir):
    _fail(_card(client, pki_dir, "validatie"), 7)

    entry = AuditEntry.objects.get(action=Action.BACKOFFICE_LOCKED_OUT)
    assert entry.address == ATTACKER
    assert entry.details["username"] == "validatie"
    assert entry.object_label == f"validatie @ {ATTACKER}"


def test_the_lockout_message_in_english(client, pki_dir):
    _fail(_card(client, pki_dir, "validatie"), 4)

    locked = _log_in(client, "validatie", "fout", HTTP_ACCEPT_LANGUAGE="en")

    assert "Login is blocked after 5 failed attempts" in locked.text


def test_failed_passwords_lock_the_address_out(client, pki_dir, second_officer):
    _fail(_card(client, pki_dir, "validatie"), 5)
    other = _card(Client(**forwarded_by_nginx()), pki_dir, "unregistered")

    assert _log_in(other, "tweede", SECOND_PASSWORD, ATTACKER).status_code == 429
    assert _log_in(other, "tweede", SECOND_PASSWORD, OTHER_ADDRESS).status_code == 302


def test_the_lockout_is_kept_in_the_database(client, pki_dir):
    """Every gunicorn worker sees it: a fresh client (new session, new worker) is locked out."""
    _fail(_card(client, pki_dir, "validatie"), 5)

    assert AccessAttempt.objects.get(username="validatie").failures_since_start == 5
    fresh = _card(Client(**forwarded_by_nginx()), pki_dir, "validatie")
    assert _log_in(fresh, "validatie", OFFICER_PASSWORD, OTHER_ADDRESS).status_code == 429


def test_another_officer_unlocks_and_it_is_audited(client, pki_dir, second_officer, officer_login):
    attacker = _card(Client(**forwarded_by_nginx()), pki_dir, "validatie")
    _fail(attacker, 5)
    attempt = AccessAttempt.objects.get(username="validatie")
    officer_login(second_officer, card="unregistered")

    listing = client.get(ATTEMPTS)
    assert "Blokkade opheffen" in listing.text
    response = client.post(
        ATTEMPTS, {"action": "unlock", "_selected_action": [attempt.pk]}, follow=True
    )

    assert "1 blokkade opgeheven" in response.text
    assert not AccessAttempt.objects.exists()
    entry = AuditEntry.objects.get(action=Action.BACKOFFICE_UNLOCKED)
    assert entry.actor == second_officer
    assert entry.object_label == f"validatie @ {ATTACKER}"
    assert _log_in(attacker, "validatie", OFFICER_PASSWORD).status_code == 302


def test_an_officer_cannot_unlock_themselves(client, pki_dir, officer_login):
    officer_login()  # validatie's session from before the lockout
    _fail(_card(Client(**forwarded_by_nginx()), pki_dir, "validatie"), 5)
    attempt = AccessAttempt.objects.get(username="validatie")

    response = client.post(
        ATTEMPTS, {"action": "unlock", "_selected_action": [attempt.pk]}, follow=True
    )

    assert "U kunt uw eigen blokkade niet opheffen" in response.text
    assert AccessAttempt.objects.filter(pk=attempt.pk).exists()
    assert not AuditEntry.objects.filter(action=Action.BACKOFFICE_UNLOCKED).exists()


def test_lockouts_cannot_be_deleted_unaudited(client, pki_dir, second_officer, officer_login):
    _fail(_card(Client(**forwarded_by_nginx()), pki_dir, "validatie"), 5)
    attempt = AccessAttempt.objects.get(username="validatie")
    officer_login(second_officer, card="unregistered")

    client.post(ATTEMPTS, {"action": "delete_selected", "_selected_action": [attempt.pk]})

    assert client.get(f"{ATTEMPTS}{attempt.pk}/delete/").status_code == 403
    assert AccessAttempt.objects.filter(pk=attempt.pk).exists()
