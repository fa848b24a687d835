"""Replacement campaigns (issue 14, point 4): what a campaign covers, the renewal window
it opens, and a replacement issued by the target CA with the old expiry date."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from certificates.campaigns import (
    campaign_for,
    campaign_members_refresh,
    campaign_target_ca,
    replacement_not_after,
)
from certificates.csr import CsrExpectations, CsrRejected, csr_check
from certificates.models import Certificate, Product, ReplacementCampaign
from certificates.renewal import RenewalState, renewal_window
from orders.issuance import order_issue
from orders.models import Declaration, Order, ServerOrderDetail
from orders.replacement import replacement_place
from orders.services import order_place
from orders.validation import order_approve
from organisations.models import Person
from tests.certificates.campaigns import g3_campaign
from tests.certificates.csr_factory import make_csr

pytestmark = pytest.mark.django_db

G3_SERVERS = {"digipoort.voorbeeld.nl", "koppeling.voorbeeld.nl", "api.andere.nl"}


def _openssl(*args: str | Path) -> str:
    return subprocess.run(
        [shutil.which("openssl") or "openssl", *map(str, args)],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout.strip()


def test_it_covers_exactly_the_valid_server_certificates_of_the_g3_ca():
    campaign = g3_campaign()

    covered = set(campaign.entries.values_list("certificate__common_name", flat=True))
    assert covered == G3_SERVERS
    assert set(Certificate.objects.to_replace().values_list("common_name", flat=True)) == (
        G3_SERVERS
    )
    # Running the refresh again adds nothing.
    assert campaign_members_refresh(campaign=campaign) == 0
    assert campaign.entries.count() == 3


def test_the_target_ca_is_the_g1_services_ca():
    assert campaign_target_ca(Product.objects.get(code="pkio-private")).name == (
        "Demo Private Services CA - G1"
    )


def test_a_covered_certificate_is_due_now_with_the_deadline():
    campaign = g3_campaign()
    koppeling = Certificate.objects.get(common_name="koppeling.voorbeeld.nl")
    www = Certificate.objects.get(common_name="www.voorbeeld.nl")

    window = renewal_window(koppeling)
    assert window.state == RenewalState.NOW
    assert window.replace_before == campaign.deadline
    assert campaign_for(koppeling) == campaign
    assert renewal_window(www).state == RenewalState.NOT_YET
    assert campaign_for(www) is None
    assert Certificate.objects.in_renewal_window().filter(pk=koppeling.pk).exists()


def test_an_inactive_campaign_covers_nothing():
    campaign = g3_campaign()
    ReplacementCampaign.objects.filter(pk=campaign.pk).update(active=False)
    koppeling = Certificate.objects.get(common_name="koppeling.voorbeeld.nl")

    assert campaign_for(koppeling) is None
    assert not Certificate.objects.to_replace().exists()
    assert renewal_window(koppeling).state == RenewalState.NOT_YET


def test_a_certificate_expiring_before_the_deadline_gets_a_full_replacement():
    campaign = g3_campaign()
    koppeling = Certificate.objects.get(common_name="koppeling.voorbeeld.nl")
    assert replacement_not_after(koppeling, campaign) == koppeling.not_after

    late = g3_campaign(deadline=timezone.localdate() + dt.timedelta(days=600))
    assert replacement_not_after(koppeling, late) is None


def test_a_replacement_reusing_the_key_comes_from_g1_with_the_same_expiry(
    eager_tasks, django_capture_on_commit_callbacks, tmp_path
):
    campaign = g3_campaign()
    old = Certificate.objects.get(common_name="koppeling.voorbeeld.nl")
    joost = Person.objects.get(email="joost@voorbeeld.nl")
    order = replacement_place(
        campaign=campaign,
        certificate=old,
        contact_person=joost,
        token=uuid.uuid4(),
        declarations=[d.value for d in Declaration],
    )
    assert order.campaign == campaign and order.renews == old
    assert order.server.reuses_key and order.spki_sha256 == old.spki_sha256
    officer = get_user_model().objects.get(username="validatie")
    with django_capture_on_commit_callbacks(execute=True):
        order_approve(order_id=order.pk, officer=officer, address="192.0.2.10")

    new = Certificate.objects.get(orders=order)
    assert new.issuing_ca.name == "Demo Private Services CA - G1"
    assert new.spki_sha256 == old.spki_sha256
    assert new.not_after == old.not_after
    old_pem, new_pem = tmp_path / "old.pem", tmp_path / "new.pem"
    old_pem.write_text(old.der.pem)
    new_pem.write_text(new.der.pem)
    assert _openssl("x509", "-in", new_pem, "-noout", "-enddate") == _openssl(
        "x509", "-in", old_pem, "-noout", "-enddate"
    )
    assert "Private Services CA - G1" in _openssl("x509", "-in", new_pem, "-noout", "-issuer")
    # Issued: the old certificate is replaced, no longer covered and never due again.
    assert campaign_for(old) is None
    assert renewal_window(old).state == RenewalState.NEVER
    assert order_issue(order.pk) == new  # a second run issues nothing new


def test_reusing_a_key_outside_a_replacement_is_refused():
    old = Certificate.objects.get(common_name="www.voorbeeld.nl")
    joost = Person.objects.get(email="joost@voorbeeld.nl")
    with pytest.raises(ValueError, match="only a replacement"):
        order_place(
            token=uuid.uuid4(),
            subscriber=joost.subscriber,
            product=old.product,
            contact_person=joost,
            detail=ServerOrderDetail.from_certificate(old),
            declarations=[d.value for d in Declaration],
            manager=old.certificate_manager,
            renews=old,
        )
    assert not Order.objects.filter(renews=old).exists()


def test_a_csr_with_a_key_in_use_is_refused_unless_it_is_the_replaced_one():
    csr = make_csr(cn="koppeling.voorbeeld.nl")
    product = Product.objects.get(code="pkio-private")
    joost = Person.objects.get(email="joost@voorbeeld.nl")
    expect = CsrExpectations.for_order(subscriber=joost.subscriber, product=product)
    checked = csr_check(csr, expect=expect)
    # A certificate holds that key now: the same CSR is refused ...
    Certificate.objects.filter(common_name="koppeling.voorbeeld.nl").update(
        spki_sha256=checked.spki_sha256
    )
    with pytest.raises(CsrRejected):
        csr_check(csr, expect=expect)
    # ... except for the replacement of that very certificate.
    assert csr_check(csr, expect=expect, reusable_spki=checked.spki_sha256).spki_sha256 == (
        checked.spki_sha256
    )


def test_the_renewal_window_parts_are_disjoint_and_make_the_whole():
    """Home counts "Te verlengen" as two parts (issue 15): a campaign member whose window is
    not open by date is in the second part only, one open by date in the first only."""
    g3_campaign()
    ours = Certificate.objects.all()
    by_date, by_campaign_only = ours.renewal_window_parts()
    first = set(by_date.values_list("pk", flat=True))
    second = set(by_campaign_only.values_list("pk", flat=True))
    koppeling = Certificate.objects.get(common_name="koppeling.voorbeeld.nl")
    assert koppeling.pk in second
    assert first and second
    assert not first & second
    assert first | second == set(ours.in_renewal_window().values_list("pk", flat=True))
