"""Replacement campaigns in the back office (issue 14, point 4): an officer makes one
over the demo G3 certificates, a target the campaign leaves is refused, customers
never get there, and the dashboard per subscriber (and its CSV) counts right."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.utils import timezone

from audit.models import Action, AuditEntry
from certificates.campaigns import campaign_progress, campaign_target_ca
from certificates.csv_export import BOM
from certificates.models import (
    Certificate,
    IssuingCA,
    Kind,
    Product,
    ReplacementCampaign,
    RevocationReason,
)
from certificates.revocation import revocation_execute
from certificates.services import revocation_request_create
from orders.models import Declaration
from orders.replacement import replacement_place
from orders.validation import order_approve
from organisations.models import Person, Subscriber
from tests.certificates.campaigns import g3_campaign
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

CAMPAIGNS = "/beheer/certificates/replacementcampaign/"
G3 = "Demo Organisatie Services CA - G3"
G3_SERVERS = {"digipoort.voorbeeld.nl", "koppeling.voorbeeld.nl", "api.andere.nl"}


def _form(**fields: object) -> dict[str, object]:
    return {
        "name": "G3 → Private G1",
        "leaving_cas": [str(IssuingCA.objects.get(name=G3).pk)],
        "target_product": str(Product.objects.get(code="pkio-private").pk),
        "deadline": (timezone.localdate() + dt.timedelta(days=60)).isoformat(),
        "message": "Vervang uw G3-certificaten door Private G1-certificaten.",
        "grace_days": "7",
        "active": "on",
        **fields,
    }


def test_an_officer_creates_a_campaign_that_covers_the_g3_server_certificates(
    client, officer_login
):
    officer_login()
    page = client.get(f"{CAMPAIGNS}add/")
    assert page.status_code == 200
    # Each target product shows the CA it issues from.
    assert "Demo Private Services CA - G1" in page.content.decode()

    response = client.post(f"{CAMPAIGNS}add/", _form())

    assert response.status_code == 302, response.content.decode()[-3000:]
    campaign = ReplacementCampaign.objects.get(name="G3 → Private G1")
    assert set(campaign.entries.values_list("certificate__common_name", flat=True)) == G3_SERVERS
    entry = AuditEntry.objects.get(action=Action.CAMPAIGN_ADDED, object_id=str(campaign.pk))
    assert entry.actor.username == "validatie"
    assert entry.details["after"]["leaving_cas"] == [G3]
    assert entry.details["certificates_added"] == 3

    listing = client.get(CAMPAIGNS).content.decode()
    assert "G3 → Private G1" in listing
    assert f"{CAMPAIGNS}{campaign.pk}/voortgang/" in listing
    change = client.get(f"{CAMPAIGNS}{campaign.pk}/change/").content.decode()
    assert "Demo Private Services CA - G1" in change  # the target CA, read-only
    assert "Voortgang per abonnee" in change


def test_changing_the_leaving_cas_adds_their_certificates(client, officer_login):
    officer_login()
    persons_ca = IssuingCA.objects.get(name="Demo Organisatie Persoon CA - G3")
    response = client.post(f"{CAMPAIGNS}add/", _form(leaving_cas=[str(persons_ca.pk)]))
    assert response.status_code == 302, response.content.decode()[-3000:]
    campaign = ReplacementCampaign.objects.get()
    assert not campaign.entries.exists()  # no server certificates from the persons CA

    g3 = IssuingCA.objects.get(name=G3)
    response = client.post(
        f"{CAMPAIGNS}{campaign.pk}/change/",
        _form(leaving_cas=[str(persons_ca.pk), str(g3.pk)]),
    )

    assert response.status_code == 302, response.content.decode()[-3000:]
    assert set(campaign.entries.values_list("certificate__common_name", flat=True)) == G3_SERVERS
    changed = AuditEntry.objects.get(action=Action.CAMPAIGN_CHANGED, object_id=str(campaign.pk))
    assert changed.details["before"]["leaving_cas"] == [persons_ca.name]
    assert changed.details["after"]["leaving_cas"] == sorted([persons_ca.name, G3])


def test_a_target_product_from_a_leaving_ca_is_refused(client, officer_login):
    officer_login()
    # A G3 server product: its profile issues from the very CA the campaign leaves.
    g3_product = ProductFactory(name="G3 servercertificaat", profile__ca_slug="g3-services")
    assert campaign_target_ca(g3_product).name == G3

    response = client.post(f"{CAMPAIGNS}add/", _form(target_product=str(g3_product.pk)))

    assert response.status_code == 200
    assert "een CA die deze campagne verlaat" in response.content.decode()
    assert not ReplacementCampaign.objects.exists()
    assert not AuditEntry.objects.filter(action=Action.CAMPAIGN_ADDED).exists()


def test_a_deadline_in_the_past_is_refused(client, officer_login):
    officer_login()
    yesterday = timezone.localdate() - dt.timedelta(days=1)

    response = client.post(f"{CAMPAIGNS}add/", _form(deadline=yesterday.isoformat()))

    assert response.status_code == 200
    assert "De deadline ligt in het verleden" in response.content.decode()
    assert not ReplacementCampaign.objects.exists()


def test_a_card_product_is_no_target(client, officer_login):
    officer_login()
    card_product = Product.objects.exclude(kind=Kind.SERVER).first()

    response = client.post(f"{CAMPAIGNS}add/", _form(target_product=str(card_product.pk)))

    assert response.status_code == 200
    assert "target_product" in response.context["adminform"].form.errors
    assert not ReplacementCampaign.objects.exists()


def _urls(campaign: ReplacementCampaign) -> list[str]:
    return [
        CAMPAIGNS,
        f"{CAMPAIGNS}add/",
        f"{CAMPAIGNS}{campaign.pk}/change/",
        f"{CAMPAIGNS}{campaign.pk}/voortgang/",
        f"{CAMPAIGNS}{campaign.pk}/voortgang.csv",
    ]


def test_a_customer_is_sent_to_the_admin_login(client, login_as):
    login_as("joost")
    assert client.get("/servercertificaten/").status_code == 200  # logged in as a customer
    for url in _urls(g3_campaign()):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/beheer/login/"), url
    response = client.post(f"{CAMPAIGNS}add/", _form(name="Via de klant"))
    assert response.status_code == 302
    assert not ReplacementCampaign.objects.filter(name="Via de klant").exists()


def test_staff_without_a_campaign_permission_is_refused(client, officer_login):
    campaign = g3_campaign()
    intern = get_user_model().objects.create_user("stagiair", password="x", is_staff=True)
    intern.user_permissions.set(
        Permission.objects.filter(content_type__app_label="orders", codename="view_order")
    )
    officer_login(intern)
    for url in _urls(campaign):
        response = client.get(url)
        assert response.status_code == 403, (url, response.get("Location"))


def _scenario(eager_tasks, django_capture_on_commit_callbacks) -> ReplacementCampaign:
    """Voorbeeld B.V.: koppeling replaced and issued, digipoort ordered; Andere
    Organisatie B.V.: api.andere.nl revoked without a replacement."""
    campaign = g3_campaign()
    officer = get_user_model().objects.get(username="validatie")
    joost = Person.objects.get(email="joost@voorbeeld.nl")
    declarations = [d.value for d in Declaration]
    issued = replacement_place(
        campaign=campaign,
        certificate=Certificate.objects.get(common_name="koppeling.voorbeeld.nl"),
        contact_person=joost,
        token=uuid.uuid4(),
        declarations=declarations,
    )
    with django_capture_on_commit_callbacks(execute=True):
        order_approve(order_id=issued.pk, officer=officer, address="192.0.2.10")
    replacement_place(
        campaign=campaign,
        certificate=Certificate.objects.get(common_name="digipoort.voorbeeld.nl"),
        contact_person=joost,
        token=uuid.uuid4(),
        declarations=declarations,
    )
    request = revocation_request_create(
        certificate=Certificate.objects.get(common_name="api.andere.nl"),
        reason=RevocationReason.CESSATION_OF_OPERATION,
        requested_by=Person.objects.get(email="frank@andere.nl"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        revocation_execute(request_id=request.pk, officer=officer)
    return campaign


def test_the_dashboard_counts_per_subscriber(
    client,
    officer_login,
    eager_tasks,
    django_capture_on_commit_callbacks,
    django_assert_num_queries,
):
    campaign = _scenario(eager_tasks, django_capture_on_commit_callbacks)

    with django_assert_num_queries(1):  # one grouped query, however many subscribers
        rows = {row.name: row for row in campaign_progress(campaign=campaign)}
    voorbeeld = rows["Voorbeeld B.V."]
    andere = rows["Andere Organisatie B.V."]
    assert (voorbeeld.affected, voorbeeld.ordered, voorbeeld.issued) == (2, 1, 1)
    assert (voorbeeld.revoked, voorbeeld.outstanding) == (0, 1)
    assert (andere.affected, andere.ordered, andere.issued) == (1, 0, 0)
    assert (andere.revoked, andere.outstanding) == (1, 0)

    officer_login()
    response = client.get(f"{CAMPAIGNS}{campaign.pk}/voortgang/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Voorbeeld B.V." in page and "Andere Organisatie B.V." in page
    total = response.context["total"]
    assert (total.affected, total.ordered, total.issued, total.revoked, total.outstanding) == (
        3,
        1,
        1,
        1,
        1,
    )
    assert f"{CAMPAIGNS}{campaign.pk}/voortgang.csv" in page


def test_the_dashboard_csv_has_the_counts_and_defuses_formulas(
    client, officer_login, eager_tasks, django_capture_on_commit_callbacks
):
    campaign = _scenario(eager_tasks, django_capture_on_commit_callbacks)
    andere = Subscriber.objects.get(name="Andere Organisatie B.V.")
    Subscriber.objects.filter(pk=andere.pk).update(name='=HYPERLINK("http://x")')
    officer_login()

    response = client.get(f"{CAMPAIGNS}{campaign.pk}/voortgang.csv")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith(BOM)
    rows = list(csv.reader(io.StringIO(body.removeprefix(BOM)), delimiter=";"))
    assert rows[0] == [
        "Abonnee",
        "KvK-nummer",
        "Getroffen",
        "Vervanging besteld",
        "Uitgegeven",
        "Oud ingetrokken",
        "Openstaand",
    ]
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name['\'=HYPERLINK("http://x")'] == [
        '\'=HYPERLINK("http://x")',
        andere.kvk_number,
        "1",
        "0",
        "0",
        "1",
        "0",
    ]
    voorbeeld = Subscriber.objects.get(name="Voorbeeld B.V.")
    expected = ["Voorbeeld B.V.", voorbeeld.kvk_number, "2", "1", "1", "0", "1"]
    assert by_name["Voorbeeld B.V."] == expected
    assert rows[-1] == ["Totaal", "", "3", "1", "1", "1", "1"]
