"""The commands that make a fresh production install workable (issue 16): the first
officer (``officer_add``) and the CA records issuing needs (``ca_register``)."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from cryptography import x509
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from audit.models import Action, AuditEntry
from certificates import demo_pki
from certificates.models import Certificate, IssuingCA
from certificates.x509_fields import fingerprint
from orders.models import Order
from orders.validation import order_approve
from organisations.models import LoginCertificate
from portal.middleware import CERT_HEADER, VERIFY_HEADER
from portal.officers import OFFICER_PERMISSIONS, VALIDATION_GROUP, card_mapping
from tests.conftest import pem_header
from tests.orders.placing import place_order

pytestmark = pytest.mark.django_db

PASSWORD = "een-lang-wachtwoord-42"  # noqa: S105


@pytest.fixture(autouse=True)
def fast_passwords(settings) -> None:  # noqa: ANN001
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def no_officers() -> None:
    """The back office of a fresh install: no staff user, no officers' group, no mapped card."""
    get_user_model().objects.all().delete()
    Group.objects.all().delete()
    assert not LoginCertificate.objects.filter(staff_user__isnull=False).exists()


@pytest.fixture
def no_cas() -> None:
    """A fresh install's CAs: none registered (and so no certificate)."""
    Certificate.objects.all().delete()
    while IssuingCA.objects.exists():
        IssuingCA.objects.filter(children__isnull=True).delete()


@pytest.fixture
def password_file(tmp_path: Path) -> Path:
    path = tmp_path / "password"
    path.write_text(PASSWORD + "\n")
    return path


def officer_add(*args: object, **options: object) -> str:
    out = io.StringIO()
    call_command("officer_add", *args, stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def ca_register(**options: object) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("ca_register", stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def card(pki_dir: Path, slug: str) -> Path:
    return pki_dir / "clients" / f"{slug}.crt"


def back_office_login(client: Client, pki_dir: Path, slug: str, username: str, password: str):  # noqa: ANN201
    """The admin login form with the card nginx forwards (as tests/backoffice/test_login.py)."""
    client.defaults[CERT_HEADER] = pem_header(pki_dir, slug)
    client.defaults[VERIFY_HEADER] = "SUCCESS"
    return client.post(
        "/beheer/login/", {"username": username, "password": password, "next": "/beheer/"}
    )


def snapshot(username: str) -> tuple[object, ...]:
    user = get_user_model().objects.get(username=username)
    return (
        tuple(
            getattr(user, field)
            for field in ("password", "email", "is_active", "is_staff", "is_superuser")
        ),
        sorted(user.groups.values_list("name", flat=True)),
        sorted(LoginCertificate.objects.values_list("pk", "match", "issuer", "subject_serial")),
        sorted(Group.objects.get(name=VALIDATION_GROUP).permissions.values_list("pk", flat=True)),
    )


# --- officer_add ---------------------------------------------------------------------


def test_officer_add_makes_an_officer_who_logs_in_with_card_and_password(
    no_officers, client, pki_dir, password_file
):
    output = officer_add(
        "vera", card=card(pki_dir, "validatie"), password_file=password_file, email="vera@x.nl"
    )

    assert "vera: user created" in output
    assert "card mapped by issuer CN=Demo Organisatie Persoon CA - G3," in output
    response = back_office_login(client, pki_dir, "validatie", "vera", PASSWORD)
    assert response.status_code == 302
    assert client.get("/beheer/").status_code == 200
    vera = get_user_model().objects.get(username="vera")
    assert vera.email == "vera@x.nl" and not vera.is_superuser
    for app_label, codenames in OFFICER_PERMISSIONS.items():
        for codename in codenames:
            assert vera.has_perm(f"{app_label}.{codename}"), codename
    assert vera.has_perm("certificates.view_certificate")
    assert not vera.has_perm("orders.delete_order")


def test_the_card_is_mapped_as_the_demo_officers_card(no_officers, pki_dir, password_file):
    officer_add("vera", card=card(pki_dir, "validatie"), password_file=password_file)

    (mapping,) = LoginCertificate.objects.filter(staff_user__username="vera")
    persons_ca = demo_pki.load(pki_dir).cas[demo_pki.PERSONS_CA].certificate
    assert mapping.match == LoginCertificate.Match.ISSUER_SERIAL
    assert mapping.issuer == persons_ca.subject.rfc4514_string()
    assert mapping.subject_serial == "900000010"


def test_a_card_without_a_subject_serial_number_is_mapped_by_its_fingerprint(pki_dir):
    certificate = x509.load_pem_x509_certificates((pki_dir / "server.crt").read_bytes())[0]

    mapping = card_mapping(certificate)

    assert mapping.match == LoginCertificate.Match.FINGERPRINT
    assert mapping.fingerprint == fingerprint(certificate)


def test_running_officer_add_again_changes_nothing(no_officers, pki_dir, password_file):
    officer_add("vera", card=card(pki_dir, "validatie"), password_file=password_file)
    before = snapshot("vera")

    again = officer_add("vera", card=card(pki_dir, "validatie"), password_file=password_file)

    assert again.startswith("Nothing changed")
    assert snapshot("vera") == before


def test_officer_add_is_in_the_audit_log_with_who_ran_it(no_officers, pki_dir, password_file):
    officer_add("vera", card=card(pki_dir, "validatie"), password_file=password_file)
    officer_add("vera", card=card(pki_dir, "validatie"), password_file=password_file)
    officer_add("vera", card=card(pki_dir, "validatie"), superuser=True)

    entries = AuditEntry.objects.filter(object_type="user", object_label="vera").order_by("pk")
    assert [e.action for e in entries] == [Action.OFFICER_ADDED, Action.OFFICER_CHANGED]
    added, changed = entries
    assert added.actor_label.startswith("manage.py officer_add (")
    assert "user created" in added.details["changes"]
    assert any("card mapped" in change for change in added.details["changes"])
    assert changed.details["changes"] == ["is_superuser set to True"]


def test_the_seeded_officer_is_already_what_officer_add_makes(pki_dir):
    before = snapshot("validatie")

    output = officer_add("validatie", card=card(pki_dir, "validatie"))

    assert output.startswith("Nothing changed")
    assert snapshot("validatie") == before


def test_officer_add_updates_an_existing_user(pki_dir, password_file):
    user = get_user_model().objects.create_user("henk", password="oud-wachtwoord-1")

    output = officer_add(
        "henk", card=card(pki_dir, "unregistered"), password_file=password_file, superuser=True
    )

    user.refresh_from_db()
    assert user.is_staff and user.is_superuser and user.check_password(PASSWORD)
    assert "henk: password set" in output
    assert user.groups.filter(name=VALIDATION_GROUP).exists()


def test_an_existing_user_keeps_the_password_without_a_password_file(pki_dir):
    user = get_user_model().objects.create_user("henk", password="oud-wachtwoord-1")

    officer_add("henk", card=card(pki_dir, "unregistered"))

    user.refresh_from_db()
    assert user.is_staff and user.check_password("oud-wachtwoord-1")


def test_a_card_mapped_to_another_officer_is_refused(pki_dir, password_file):
    with pytest.raises(CommandError, match="already mapped to staff user 'validatie'"):
        officer_add("henk", card=card(pki_dir, "validatie"), password_file=password_file)

    assert not get_user_model().objects.filter(username="henk").exists()


def test_a_customers_card_is_refused(pki_dir, password_file):
    with pytest.raises(CommandError, match="already mapped to person .*maximo@voorbeeld.nl"):
        officer_add("henk", card=card(pki_dir, "maximo"), password_file=password_file)

    assert not get_user_model().objects.filter(username="henk").exists()


@pytest.mark.parametrize(
    ("slug", "reason"),
    [("signature-only", "wrong_type"), ("untrusted", "untrusted"), ("expired", "expired")],
)
def test_a_card_that_would_not_log_in_is_refused(pki_dir, password_file, slug, reason):
    with pytest.raises(CommandError, match=f"would not log in \\({reason}"):
        officer_add("henk", card=card(pki_dir, slug), password_file=password_file)

    assert not get_user_model().objects.filter(username="henk").exists()


def test_a_missing_or_unreadable_card_file_is_refused(pki_dir, password_file, tmp_path):
    with pytest.raises(CommandError, match="Cannot read the card certificate"):
        officer_add("henk", card=tmp_path / "nope.crt", password_file=password_file)
    garbage = tmp_path / "garbage.crt"
    garbage.write_text("-----BEGIN CERTIFICATE-----\nbm9uc2Vuc2U=\n-----END CERTIFICATE-----\n")
    with pytest.raises(CommandError, match="is not a PEM or DER certificate"):
        officer_add("henk", card=garbage, password_file=password_file)
    with pytest.raises(CommandError, match="holds 2 certificates"):
        officer_add("henk", card=pki_dir / "trust-bundle.pem", password_file=password_file)


def test_a_new_user_without_a_terminal_needs_a_password_file(no_officers, pki_dir):
    with pytest.raises(CommandError, match="--password-file"):
        officer_add("vera", card=card(pki_dir, "validatie"))

    assert not get_user_model().objects.exists()


def test_a_new_user_in_a_terminal_is_asked_for_the_password(
    no_officers, pki_dir, monkeypatch, client
):
    answers = iter(["kort", "kort", PASSWORD, PASSWORD])
    monkeypatch.setattr("sys.stdin", type("Tty", (io.StringIO,), {"isatty": lambda self: True})())
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))

    officer_add("vera", card=card(pki_dir, "validatie"))

    assert back_office_login(client, pki_dir, "validatie", "vera", PASSWORD).status_code == 302


def test_a_weak_password_is_refused(no_officers, pki_dir, tmp_path):
    weak = tmp_path / "weak"
    weak.write_text("password\n")

    with pytest.raises(CommandError, match="Password refused"):
        officer_add("vera", card=card(pki_dir, "validatie"), password_file=weak)


# --- ca_register ---------------------------------------------------------------------


def test_ca_register_registers_the_demo_cas_as_seed_demo_does(no_cas, pki_dir):
    out, err = ca_register(dir=pki_dir / "ca")

    assert "9 CA(s) registered, 0 already registered" in out
    assert err == ""
    names = {spec.slug: spec.name for spec in demo_pki.CAS}
    registered = {
        (ca.name, ca.generation, ca.parent.name if ca.parent else None)
        for ca in IssuingCA.objects.select_related("parent")
    }
    assert registered == {
        (spec.name, spec.generation, names[spec.parent] if spec.parent else None)
        for spec in demo_pki.CAS
    }


def test_after_ca_register_and_officer_add_an_order_is_issued(
    no_cas,
    no_officers,
    pki_dir,
    password_file,
    settings,
    eager_tasks,
    django_capture_on_commit_callbacks,
):
    settings.PORTAL_CA_DIR = pki_dir / "ca"
    ca_register()  # by default PORTAL_CA_DIR
    officer_add("vera", card=card(pki_dir, "validatie"), password_file=password_file)
    order = place_order(cn="app.voorbeeld.nl")

    with django_capture_on_commit_callbacks(execute=True):
        order_approve(
            order_id=order.pk, officer=get_user_model().objects.get(username="vera"), address=""
        )

    order.refresh_from_db()
    assert order.state == Order.State.ISSUED
    issued = Certificate.objects.get(orders=order)
    assert issued.issuing_ca.name == "Demo Private Services CA - G1"


def test_running_ca_register_again_creates_no_duplicates(pki_dir):
    before = sorted(IssuingCA.objects.values_list("pk", "name", "generation", "parent"))

    out, _err = ca_register(dir=pki_dir / "ca")

    assert "0 CA(s) registered, 9 already registered" in out
    assert sorted(IssuingCA.objects.values_list("pk", "name", "generation", "parent")) == before


def test_a_renamed_ca_keeps_the_name_the_back_office_gave_it(pki_dir):
    IssuingCA.objects.filter(name="Demo Private Services CA - G1").update(name="Diensten G1")

    ca_register(dir=pki_dir / "ca")

    assert IssuingCA.objects.filter(name="Diensten G1").exists()
    assert not IssuingCA.objects.filter(name="Demo Private Services CA - G1").exists()


def test_ca_register_warns_about_profiles_whose_ca_is_not_registered(no_cas, pki_dir, tmp_path):
    partial = tmp_path / "ca"
    partial.mkdir()
    for slug in ("g1-root", "g1-services"):
        shutil.copy(pki_dir / "ca" / f"{slug}.crt", partial)

    out, err = ca_register(dir=partial)

    assert "2 CA(s) registered" in out
    assert "profile 'pkio-trial-server' (pkio-trial) cannot issue" in err
    assert "'trial-services' (CN=Demo TRIAL Organisatie Services CA - G3," in err
    assert "is not registered: run manage.py ca_register" in err
    assert "'pkio-services-server'" not in err


def test_a_ca_without_its_issuer_is_registered_with_a_warning(no_cas, pki_dir, tmp_path):
    partial = tmp_path / "ca"
    partial.mkdir()
    shutil.copy(pki_dir / "ca" / "g1-services.crt", partial)

    _out, err = ca_register(dir=partial)

    assert "no certificate in" in err and "signed g1-services.crt" in err
    assert IssuingCA.objects.get().parent is None


def test_ca_register_refuses_a_certificate_that_is_not_a_ca(no_cas, pki_dir, tmp_path):
    mixed = tmp_path / "ca"
    mixed.mkdir()
    shutil.copy(pki_dir / "ca" / "g1-root.crt", mixed)
    shutil.copy(card(pki_dir, "maximo"), mixed / "maximo.crt")

    with pytest.raises(CommandError, match="maximo.crt: .* is not a CA certificate"):
        ca_register(dir=mixed)

    assert not IssuingCA.objects.exists()


def test_ca_register_refuses_a_missing_or_empty_directory(no_cas, tmp_path):
    with pytest.raises(CommandError, match="is not a directory"):
        ca_register(dir=tmp_path / "nope")
    with pytest.raises(CommandError, match="No CA certificate"):
        ca_register(dir=tmp_path)


def test_seed_demo_says_when_the_demo_officers_card_belongs_to_someone_else(pki_dir):
    henk = get_user_model().objects.create_user("henk", is_staff=True)
    LoginCertificate.objects.filter(staff_user__username="validatie").update(staff_user=henk)

    with pytest.raises(CommandError, match="demo officer 'validatie'.*staff user 'henk'"):
        call_command("seed_demo", pki=pki_dir)
