"""Products and issuance profiles in the back office (issue 12 point 3): a product the
officer adds with an existing profile can be ordered, approved and issued without a code
change, and profile changes are audited."""

from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtensionOID
from django.contrib.auth import get_user_model

from audit.models import Action, AuditEntry
from certificates.models import Certificate, IssuanceProfile, Product
from orders.models import Order
from organisations.models import Person
from tests.certificates.csr_factory import make_csr
from tests.factories import CertificateFactory, IssuanceProfileFactory, ProductFactory
from tests.orders.wizard_steps import manager_choice, new_order_url, place, walk_to_final_step

pytestmark = pytest.mark.django_db

PRODUCTS = "/beheer/certificates/product/"
PROFILES = "/beheer/certificates/issuanceprofile/"
TRIAL_POLICY = "2.16.528.1.1003.1.2.9.4"


def _product_form(profile: IssuanceProfile, **fields: object) -> dict[str, object]:
    return {
        "code": "pkio-trial-1j",
        "name": "PKIoverheid Trial servercertificaat 1 jaar",
        "short_name": "Trial SSL 1j",
        "kind": "server",
        "validity_days": "365",
        "renewal_window_days": "60",
        "price_cents": "1000",
        "active": "on",
        "family": "pkio",
        "checks_domains": "on",
        "profile": str(profile.pk),
        **fields,
    }


def _profile_form(profile: IssuanceProfile, **fields: object) -> dict[str, object]:
    data: dict[str, object] = {
        "code": profile.code,
        "name": profile.name,
        "ca_slug": profile.ca_slug,
        "policy_oids": '["2.16.528.1.1003.1.2.9.4"]',
        "key_usages": '[["digitalSignature", "keyEncipherment"]]',
        "extended_key_usages": '["serverAuth", "clientAuth"]',
        "subject_template": profile.subject_template,
        "validity_rule": profile.validity_rule,
        "requires_csr": "on",
        "key_types": '["rsa", "ec"]',
        **fields,
    }
    if profile.subject_key_identifier:
        data.setdefault("subject_key_identifier", "on")
    return data


def test_a_product_added_in_the_back_office_is_ordered_approved_and_issued_from_its_profile(
    client, officer_login, login_as, eager_tasks, django_capture_on_commit_callbacks, pki_dir
):
    trial = IssuanceProfile.objects.get(code="pkio-trial-server")
    officer_login()
    response = client.post(f"{PRODUCTS}add/", _product_form(trial))
    assert response.status_code == 302, response.content.decode()[-2000:]
    product = Product.objects.get(code="pkio-trial-1j")
    assert product.renewal_window_days == 60  # editable in the product admin (issue 14)
    assert product.profile == trial

    # Joost orders it in the server wizard like any other product.
    client.logout()
    login_as("joost")
    url = new_order_url("pkio")
    csr = make_csr(cn="app.voorbeeld.nl", sans=["app.voorbeeld.nl"]).decode()
    victor = Person.objects.get(manager_number="CB9505784")
    prefix, token = walk_to_final_step(
        client, url, csr_pem=csr, manager=manager_choice(victor), product_id=product.pk
    )
    assert place(client, url, prefix, token).status_code == 302
    order = Order.objects.get(product=product)

    # The officer approves it in the back office; the certificate is issued at once.
    client.logout()
    officer_login()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/beheer/orders/order/{order.pk}/goedkeuren/", follow=True)

    order.refresh_from_db()
    assert order.state == Order.State.ISSUED
    certificate = Certificate.objects.get(orders=order)
    assert certificate.product == product
    issued = certificate.der.loaded
    trial_ca = x509.load_pem_x509_certificate((pki_dir / "ca" / "trial-services.crt").read_bytes())
    assert certificate.issuing_ca.certificate.loaded == trial_ca
    issued.verify_directly_issued_by(trial_ca)
    policies = issued.extensions.get_extension_for_oid(ExtensionOID.CERTIFICATE_POLICIES).value
    assert [p.policy_identifier.dotted_string for p in policies] == [TRIAL_POLICY]
    validity = issued.not_valid_after_utc - issued.not_valid_before_utc
    assert validity.days == 364  # the product's 365 days, both ends counted


def test_the_product_form_requires_a_profile(client, officer_login):
    officer_login()

    data = {**_product_form(IssuanceProfileFactory()), "profile": ""}

    response = client.post(f"{PRODUCTS}add/", data)

    assert response.status_code == 200
    assert "profile" in response.context["adminform"].form.errors
    assert not Product.objects.filter(code="pkio-trial-1j").exists()


def test_the_officer_may_add_and_change_products_and_profiles_but_not_delete_them():
    officer = get_user_model().objects.get(username="validatie")

    for permission in [
        "certificates.add_product",
        "certificates.change_product",
        "certificates.add_issuanceprofile",
        "certificates.change_issuanceprofile",
    ]:
        assert officer.has_perm(permission), permission
    for permission in ["certificates.delete_product", "certificates.delete_issuanceprofile"]:
        assert not officer.has_perm(permission), permission


def test_changing_a_profile_that_issued_certificates_is_audited(client, officer_login):
    profile = IssuanceProfileFactory()
    CertificateFactory(product=ProductFactory(profile=profile))
    officer = officer_login()

    response = client.post(
        f"{PROFILES}{profile.pk}/change/",
        _profile_form(profile, ca_slug="trial-services"),
    )

    assert response.status_code == 302, response.content.decode()[-2000:]
    profile.refresh_from_db()
    assert profile.ca_slug == "trial-services"
    entry = AuditEntry.objects.get(action=Action.PROFILE_CHANGED, object_id=str(profile.pk))
    assert entry.actor == officer
    assert entry.details["certificates_issued"] == 1
    assert entry.details["before"]["ca_slug"] == "g1-services"
    assert entry.details["after"]["ca_slug"] == "trial-services"
    assert set(entry.details["after"]) == {"ca_slug", "policy_oids", "key_types"}


def test_adding_a_profile_is_audited(client, officer_login):
    officer_login()
    data = _profile_form(IssuanceProfileFactory.build(), code="nieuw-profiel", name="Nieuw")

    response = client.post(f"{PROFILES}add/", data)

    assert response.status_code == 302, response.content.decode()[-2000:]
    profile = IssuanceProfile.objects.get(code="nieuw-profiel")
    entry = AuditEntry.objects.get(action=Action.PROFILE_ADDED, object_id=str(profile.pk))
    assert entry.details["after"]["key_types"] == ["rsa", "ec"]


def test_an_invalid_profile_is_a_form_error_in_dutch_not_a_500(client, officer_login):
    profile = IssuanceProfileFactory()
    officer_login()

    response = client.post(
        f"{PROFILES}{profile.pk}/change/",
        _profile_form(profile, policy_oids='["2.16.528.1.1003.1.2.8.6", "geen-oid"]'),
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["policy_oids"] == ["Geen geldige OID: geen-oid."]
    assert not AuditEntry.objects.filter(object_id=str(profile.pk)).exists()


def test_an_unchanged_profile_writes_no_audit_entry(client, officer_login):
    profile = IssuanceProfileFactory(
        policy_oids=[TRIAL_POLICY], key_types=["rsa", "ec"], subject_key_identifier=True
    )
    officer_login()

    response = client.post(f"{PROFILES}{profile.pk}/change/", _profile_form(profile))

    assert response.status_code == 302
    assert not AuditEntry.objects.filter(object_id=str(profile.pk)).exists()


def test_the_profile_list_shows_each_profiles_products(client, officer_login):
    officer_login()

    page = client.get(PROFILES).content.decode()

    assert "PKIoverheid Private Services server" in page
    assert "PKIoverheid Digipoort PRIVATE servercertificaat" in page
