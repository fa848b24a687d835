"""“Welke certificaten moet ik vertrouwen?” (issue 14, point 5): the chains to trust,
each CA and each whole chain as PEM."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from django.urls import reverse

from certificates.models import IssuingCA
from tests.certificates.test_campaigns import g3_campaign

pytestmark = pytest.mark.django_db

G1_ISSUING = "Demo Private Services CA - G1"


@pytest.fixture
def joost(client, login_as):  # noqa: ANN001, ANN201
    login_as("joost")
    return client


def test_the_page_needs_a_login(client):  # noqa: ANN001
    response = client.get(reverse("trust_chains"))
    assert response.status_code != 200


def test_the_page_lists_the_g1_chain_of_a_campaign(joost):  # noqa: ANN001
    g3_campaign()
    response = joost.get(reverse("trust_chains"))
    assert response.status_code == 200
    [chain] = response.context["new"]
    issuing = IssuingCA.objects.get(name=G1_ISSUING)
    assert chain.ca == issuing
    assert [link.ca for link in chain.links] == issuing.chain()
    assert len(chain.links) == 2
    assert chain.links[-1].is_root
    content = response.content.decode()
    for ca in issuing.chain():
        assert ca.name in content
        assert ":".join(ca.fingerprint.upper()[i : i + 2] for i in range(0, 64, 2)) in content
        assert reverse("trust_ca_pem", args=[ca.pk]) in content
    assert reverse("trust_chain_pem", args=[issuing.pk]) in content
    assert "Stap 1: vertrouw" in content
    assert "Private Root (G1)" in content
    assert "niet vertrouwd door webbrowsers" in content
    # The G3 CA of joost's current certificates is listed too, in its own section.
    assert "Demo Organisatie Services CA - G3" in {c.ca.name for c in response.context["current"]}


def test_without_a_campaign_the_current_chains(joost):  # noqa: ANN001
    response = joost.get(reverse("trust_chains"))
    assert response.status_code == 200
    assert response.context["new"] == []
    assert "Demo Organisatie Services CA - G3" in {c.ca.name for c in response.context["current"]}


def test_the_chain_pem_downloads_and_verifies(joost, tmp_path: Path):  # noqa: ANN001
    issuing = IssuingCA.objects.get(name=G1_ISSUING)
    response = joost.get(reverse("trust_chain_pem", args=[issuing.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert response["Content-Disposition"].endswith('-keten.pem"')
    certificates = x509.load_pem_x509_certificates(response.content)
    assert len(certificates) == 2
    leaf_ca, root = certificates
    assert leaf_ca.issuer == root.subject
    assert root.issuer == root.subject
    assert leaf_ca.subject != root.subject

    root_response = joost.get(reverse("trust_ca_pem", args=[issuing.parent_id]))
    assert root_response.status_code == 200
    assert "attachment" in root_response["Content-Disposition"]
    issuing_response = joost.get(reverse("trust_ca_pem", args=[issuing.pk]))
    (tmp_path / "root.pem").write_bytes(root_response.content)
    (tmp_path / "issuing.pem").write_bytes(issuing_response.content)
    result = subprocess.run(
        [
            shutil.which("openssl") or "openssl",
            "verify",
            "-CAfile",
            str(tmp_path / "root.pem"),
            str(tmp_path / "issuing.pem"),
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith(": OK")


def test_an_unknown_ca_is_404(joost):  # noqa: ANN001
    missing = (IssuingCA.objects.order_by("-pk").first().pk or 0) + 1000
    assert joost.get(reverse("trust_chain_pem", args=[missing])).status_code == 404
    assert joost.get(reverse("trust_ca_pem", args=[missing])).status_code == 404


def test_the_page_in_english(joost):  # noqa: ANN001
    g3_campaign()
    joost.post(reverse("set_language"), {"language": "en", "next": "/"})
    content = joost.get(reverse("trust_chains")).content.decode()
    assert "Which certificates must I trust?" in content
    assert "Step 1: trust the new certificates" in content
    assert "Download the whole chain (PEM)" in content


def test_the_menu_links_to_the_page(joost):  # noqa: ANN001
    content = joost.get(reverse("home")).content.decode()
    assert f'href="{reverse("trust_chains")}"' in content
    assert 'data-testid="menu-trust"' in content
