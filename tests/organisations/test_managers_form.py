"""Wijzigen Certificaatbeheerders (manual §7.3): update a manager's data, or deactivate one
with the "Overdracht beheer" of exactly their valid certificates; applied at once, audited."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import Action as AuditAction
from audit.models import AuditEntry
from certificates.models import Certificate, Status
from organisations.models import Person

pytestmark = pytest.mark.django_db

NO_MANAGERS = (
    "Dit formulier is niet beschikbaar omdat er geen (actieve) Certificaatbeheerders zijn "
    "geregistreerd voor uw organisatie. Een nieuwe Certificaatbeheerder kunt u registreren bij "
    "de aanvraag van een Servercertificaat of Groeps-certificaat."
)


def victor() -> Person:
    return Person.objects.get(email="victor@voorbeeld.nl")


def karel() -> Person:
    return Person.objects.get(email="karel@voorbeeld.nl")


def valid_managed(manager: Person) -> set[int]:
    """Independently of the service: what the overviews call "Geldig"."""
    return {c.pk for c in manager.managed_certificates.all() if c.status == Status.VALID}


def all_managed(manager: Person) -> set[int]:
    return set(manager.managed_certificates.values_list("pk", flat=True))


def entries(action: AuditAction) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action))


def manager_entries() -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(
            action__in=[
                AuditAction.MANAGER_UPDATED,
                AuditAction.MANAGER_DEACTIVATED,
                AuditAction.MANAGEMENT_TRANSFERRED,
            ]
        )
    )


@pytest.fixture
def maximo_client(client, login_as):  # noqa: ANN001
    login_as("maximo")
    return client


def deactivate(client, manager: Person, follow: bool = False, **data):  # noqa: ANN001, ANN201
    return client.post(reverse("manager_deactivate", args=[manager.pk]), data, follow=follow)


def quiet_manager(**fields: object) -> Person:
    """A Voorbeeld manager with only an expired and a revoked certificate."""
    nina = Person.objects.create(
        subscriber=victor().subscriber,
        given_name="Nina",
        surname="Stil",
        email="nina@voorbeeld.nl",
        manager_number="CB1111111",
        **fields,
    )
    Certificate.objects.filter(
        common_name__in=["oud.voorbeeld.nl", "ingetrokken.voorbeeld.nl"]
    ).update(certificate_manager=nina)
    return nina


# Step 1


def test_step_one_offers_only_the_subscribers_active_managers(maximo_client):
    Person.objects.filter(pk=karel().pk).update(status=Person.Status.INACTIVE)
    response = maximo_client.get(reverse("manager_change"))
    assert response.status_code == 200
    choices = list(response.context["form"].fields["manager"].queryset)
    assert choices == [victor()]
    content = response.content.decode()
    assert (
        "Met dit formulier kunt u gegevens van bestaande Certificaatbeheerders updaten" in content
    )
    assert "Volgende stap >>" in content


@pytest.mark.parametrize(
    ("change", "step"), [("update", "gegevens"), ("deactivate", "deactiveren")]
)
def test_step_one_leads_to_the_chosen_change(maximo_client, change, step):
    response = maximo_client.get(
        reverse("manager_change"), {"change": change, "manager": victor().pk}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/organisatie/certificaatbeheerders/{victor().pk}/{step}/"


def test_step_one_refuses_another_subscribers_manager(client, login_as):
    frank = Person.objects.get(email="frank@andere.nl")
    Person.objects.create(
        subscriber=frank.subscriber,
        given_name="Anne",
        surname="Ander",
        email="anne@andere.nl",
        manager_number="CB2222222",
    )
    login_as("frank")
    response = client.get(reverse("manager_change"), {"change": "update", "manager": victor().pk})
    assert response.status_code == 200
    assert response.context["form"].errors["manager"]


@pytest.mark.parametrize("slug", ["maximo", "joost", "herman"])
def test_every_role_may_use_the_form(client, login_as, slug):
    login_as(slug)
    assert client.get(reverse("manager_change")).status_code == 200
    assert client.get(reverse("manager_update", args=[victor().pk])).status_code == 200
    assert client.get(reverse("manager_deactivate", args=[victor().pk])).status_code == 200


def test_without_login_it_is_the_not_logged_in_page(client):
    assert client.get(reverse("manager_change")).status_code == 403


def test_without_active_managers_the_form_shows_the_seeds_message(maximo_client):
    for manager in Person.objects.filter(
        subscriber=victor().subscriber, manager_number__isnull=False
    ):
        Certificate.objects.filter(certificate_manager=manager).update(
            revoked_at=timezone.now(), revocation_reason="superseded"
        )
        deactivate(maximo_client, manager, transfer="none")
    assert not Person.objects.filter(
        subscriber=victor().subscriber, manager_number__isnull=False, status="active"
    ).exists()
    response = maximo_client.get(reverse("manager_change"))
    assert response.status_code == 200
    assert NO_MANAGERS in response.content.decode()
    assert "form" not in response.context
    assert maximo_client.get(reverse("manager_update", args=[victor().pk])).status_code == 404


# Update


def test_the_update_form_is_prefilled(maximo_client):
    form = maximo_client.get(reverse("manager_update", args=[victor().pk])).context["form"]
    assert form.initial == {
        "given_name": "Victor",
        "surname": "Achterlijn",
        "email": "victor@voorbeeld.nl",
        "phone": "0600000000",
    }


def test_update_changes_the_data_at_once_and_audits_before_and_after(maximo_client):
    pk = victor().pk
    response = maximo_client.post(
        reverse("manager_update", args=[pk]),
        {"given_name": "Victor", "surname": "Achterlijn", "email": "v.a@voorbeeld.nl", "phone": ""},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/organisatie/#certificaatbeheerders"
    assert "De wijziging is direct doorgevoerd" in response.content.decode()
    manager = Person.objects.get(pk=pk)
    assert (manager.email, manager.phone, manager.status) == ("v.a@voorbeeld.nl", "", "active")
    [entry] = entries(AuditAction.MANAGER_UPDATED)
    assert entry.object_id == str(pk)
    assert entry.actor_label == "Maximo de Tester"
    assert entry.details == {
        "before": {"email": "victor@voorbeeld.nl", "phone": "0600000000"},
        "after": {"email": "v.a@voorbeeld.nl", "phone": ""},
    }


def test_an_update_without_changes_writes_nothing(maximo_client):
    maximo_client.post(
        reverse("manager_update", args=[victor().pk]),
        {
            "given_name": "Victor",
            "surname": "Achterlijn",
            "email": "victor@voorbeeld.nl",
            "phone": "0600000000",
        },
    )
    assert entries(AuditAction.MANAGER_UPDATED) == []


def test_an_invalid_email_is_a_form_error(maximo_client):
    response = maximo_client.post(
        reverse("manager_update", args=[victor().pk]),
        {"given_name": "Victor", "surname": "Achterlijn", "email": "geen-adres", "phone": ""},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    assert victor().email == "victor@voorbeeld.nl"


def test_a_manager_who_is_also_a_contact_person_is_changed_through_the_registration(
    maximo_client,
):
    Person.objects.filter(pk=victor().pk).update(contact_authorisation="basic")
    response = maximo_client.post(
        reverse("manager_update", args=[victor().pk]),
        {"given_name": "Vic", "surname": "Achterlijn", "email": "victor@voorbeeld.nl"},
    )
    assert response.status_code == 200
    assert "Wijzigen Abonneeregistratie" in str(response.context["form"].non_field_errors())
    assert victor().given_name == "Victor"


# Deactivate


def test_not_applicable_deactivates_a_manager_without_valid_certificates(maximo_client):
    nina = quiet_manager()
    kept = all_managed(nina)
    response = deactivate(maximo_client, nina, transfer="none")
    assert response.status_code == 302
    nina.refresh_from_db()
    assert nina.status == Person.Status.INACTIVE
    assert nina.manager_number == "CB1111111"
    # Expired and revoked certificates stay with the manager who managed them.
    assert all_managed(nina) == kept
    [entry] = entries(AuditAction.MANAGER_DEACTIVATED)
    assert (entry.object_id, entry.state_before, entry.state_after) == (
        str(nina.pk),
        "active",
        "inactive",
    )
    assert entry.details["certificates"] == []
    assert entries(AuditAction.MANAGEMENT_TRANSFERRED) == []


def test_not_applicable_is_refused_while_valid_certificates_are_managed(maximo_client):
    before = all_managed(victor())
    count = len(valid_managed(victor()))
    assert count >= 2
    response = deactivate(maximo_client, victor(), transfer="none")
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["transfer"])
    assert f"nog {count} geldige certificaten in beheer" in errors
    assert victor().status == Person.Status.ACTIVE
    assert all_managed(victor()) == before
    assert not manager_entries()


def test_the_deactivation_page_says_how_many_valid_certificates_are_managed(maximo_client):
    response = maximo_client.get(reverse("manager_deactivate", args=[victor().pk]))
    content = response.content.decode()
    assert "Overdracht beheer" in content
    assert "Voor de continuïteit van de dienstverlening" in content
    assert f"heeft {len(valid_managed(victor()))} geldige certificaten in beheer" in content
    for label in [
        "N.v.t. geen geldige certificaten in beheer",
        "Aan nieuwe Certificaatbeheerder",
        "Aan bestaande Certificaatbeheerder",
    ]:
        assert label in content


def test_transfer_to_an_existing_manager_moves_exactly_the_valid_certificates(maximo_client):
    moving = valid_managed(victor())
    staying = all_managed(victor()) - moving
    assert staying, "the demo data has an expired certificate managed by Victor"
    karels = all_managed(karel())
    response = deactivate(maximo_client, victor(), transfer="existing", successor=karel().pk)
    assert response.status_code == 302
    assert all_managed(karel()) == karels | moving
    assert all_managed(victor()) == staying
    assert victor().status == Person.Status.INACTIVE
    [deactivated] = entries(AuditAction.MANAGER_DEACTIVATED)
    [transferred] = entries(AuditAction.MANAGEMENT_TRANSFERRED)
    assert deactivated.details["successor"] == "CB7540116"
    assert set(deactivated.details["certificates"]) == moving
    assert transferred.object_id == str(karel().pk)
    assert transferred.details["from"] == "CB9505784"
    assert transferred.details["to"] == "CB7540116"
    assert set(transferred.details["certificates"]) == moving


def test_the_confirmation_says_the_change_is_applied_at_once(maximo_client):
    count = len(valid_managed(victor()))
    response = deactivate(
        maximo_client, victor(), transfer="existing", successor=karel().pk, follow=True
    )
    content = response.content.decode()
    assert "Victor Achterlijn (CB9505784) is gedeactiveerd als Certificaatbeheerder." in content
    assert f"Het beheer van {count} geldige certificaten is overgedragen aan Karel Tak" in content
    assert "De wijziging is direct doorgevoerd" in content


def test_transfer_to_a_new_manager_registers_them_and_moves_the_valid_certificates(
    maximo_client,
):
    moving = valid_managed(victor())
    response = deactivate(
        maximo_client,
        victor(),
        transfer="new",
        given_name="Nieuwe",
        surname="Beheerder",
        email="nieuw@voorbeeld.nl",
        phone="0611111111",
    )
    assert response.status_code == 302
    new = Person.objects.get(email="nieuw@voorbeeld.nl")
    assert new.subscriber == victor().subscriber
    assert new.manager_number.startswith("CB") and len(new.manager_number) == 9
    assert new.manager_number[2:].isdigit()
    assert not new.identified
    assert new.status == Person.Status.ACTIVE
    assert not new.is_contact_person and not new.is_representative
    assert all_managed(new) == moving
    [transferred] = entries(AuditAction.MANAGEMENT_TRANSFERRED)
    assert transferred.details["new_manager"] is True
    assert transferred.details["to"] == new.manager_number


def test_a_new_manager_needs_a_name_and_email(maximo_client):
    response = deactivate(maximo_client, victor(), transfer="new", given_name="Alleen")
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"surname", "email"}
    assert victor().status == Person.Status.ACTIVE


def test_a_new_manager_for_nothing_to_transfer_is_refused(maximo_client):
    nina = quiet_manager()
    response = deactivate(
        maximo_client, nina, transfer="new", given_name="X", surname="Y", email="x@voorbeeld.nl"
    )
    assert response.status_code == 200
    assert "N.v.t." in " ".join(response.context["form"].errors["transfer"])
    assert not Person.objects.filter(email="x@voorbeeld.nl").exists()


def test_the_successor_must_be_another_active_manager_of_the_subscriber(maximo_client):
    frank = Person.objects.get(email="frank@andere.nl")
    anne = Person.objects.create(
        subscriber=frank.subscriber,
        given_name="Anne",
        surname="Ander",
        email="anne@andere.nl",
        manager_number="CB2222222",
    )
    Person.objects.filter(pk=karel().pk).update(status=Person.Status.INACTIVE)
    for successor in [anne.pk, karel().pk, victor().pk, ""]:
        response = deactivate(maximo_client, victor(), transfer="existing", successor=successor)
        assert response.status_code == 200, successor
        assert response.context["form"].errors["successor"]
    assert victor().status == Person.Status.ACTIVE
    assert not manager_entries()


def test_a_manager_who_is_also_a_contact_person_keeps_that_role(client, login_as):
    Person.objects.filter(pk=victor().pk).update(contact_authorisation="full")
    login_as("herman")
    response = deactivate(client, victor(), transfer="existing", successor=karel().pk)
    assert response.status_code == 302
    manager = victor()
    assert manager.status == Person.Status.ACTIVE
    assert manager.is_contact_person
    assert manager.manager_number is None
    [entry] = entries(AuditAction.MANAGER_DEACTIVATED)
    assert entry.details["manager_number"] == "CB9505784"
    assert entry.details["other_roles_kept"] is True


def test_the_outsider_cannot_touch_another_subscribers_manager(client, login_as):
    login_as("frank")
    pk = victor().pk
    before = all_managed(victor())
    assert client.get(reverse("manager_update", args=[pk])).status_code == 404
    assert client.get(reverse("manager_deactivate", args=[pk])).status_code == 404
    response = client.post(
        reverse("manager_update", args=[pk]),
        {"given_name": "X", "surname": "Y", "email": "x@andere.nl"},
    )
    assert response.status_code == 404
    assert deactivate(client, victor(), transfer="none").status_code == 404
    assert victor().given_name == "Victor"
    assert victor().status == Person.Status.ACTIVE
    assert all_managed(victor()) == before
    assert not manager_entries()


def test_an_inactive_manager_cannot_be_changed(maximo_client):
    nina = quiet_manager(status=Person.Status.INACTIVE)
    assert deactivate(maximo_client, nina, transfer="none").status_code == 404
    assert maximo_client.get(reverse("manager_update", args=[nina.pk])).status_code == 404
