"""The CSR assistant: the Digidentity recipe, prefilled, run with the real openssl."""

from __future__ import annotations

import html
import re
import shlex
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlencode

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID
from django.urls import reverse

from certificates.csr import CsrExpectations, csr_check
from certificates.csr_assistant import base_name, conf_value, openssl_commands, openssl_config
from certificates.models import Product
from organisations.models import Subscriber

pytestmark = pytest.mark.django_db

# The recipe is run with the real openssl (Debian's, OpenSSL 3): a missing
# binary is a failure here, not a reason to skip.
OPENSSL = shutil.which("openssl") or "openssl"


@pytest.fixture
def voorbeeld() -> Subscriber:
    return Subscriber.objects.get(name="Voorbeeld B.V.")


def openssl_major() -> int:
    version = subprocess.run(["openssl", "version"], capture_output=True, text=True).stdout
    return int(re.match(r"OpenSSL (\d+)\.", version).group(1))  # type: ignore[union-attr]


def run_recipe(directory: Path, config: str, basename: str) -> list[subprocess.CompletedProcess]:
    """Step [1] (the file) and exactly the assistant's commands, in a fresh directory."""
    (directory / f"{basename}.cnf").write_text(config)
    results = []
    for command in openssl_commands(basename=basename):
        results.append(
            subprocess.run(shlex.split(command), cwd=directory, capture_output=True, text=True)
        )
        if results[-1].returncode != 0:
            break
    return results


def assistant_query(*host_names: str, product: str = "pkio-private", openssl: str = "3") -> str:
    return urlencode({"product": product, "host_names": "\n".join(host_names), "openssl": openssl})


@pytest.mark.parametrize(
    "host_names",
    [
        ["server1.voorbeeld.nl"],
        ["server.voorbeeld.nl", "applicatie.voorbeeld.nl", "eherkenning.voorbeeld.nl"],
    ],
)
def test_the_downloaded_config_and_the_shown_commands_make_a_csr_the_checks_accept(
    client, login_as, voorbeeld, tmp_path, host_names
):
    login_as("joost")
    query = assistant_query(*host_names)
    page = client.get(f"{reverse('csr_assistant')}?{query}").content.decode()
    config = client.get(f"{reverse('csr_assistant_cnf')}?{query}").content.decode()
    basename = host_names[0]
    commands = openssl_commands(basename=basename)
    for command in commands:
        assert html.escape(command) in page
    assert html.escape(config, quote=False) in page

    results = run_recipe(tmp_path, config, basename)

    assert [r.returncode for r in results] == [0, 0, 0], results[-1].stderr
    assert "verify OK" in results[2].stdout + results[2].stderr
    checked = csr_check(
        (tmp_path / f"{basename}.csr").read_bytes(),
        expect=CsrExpectations.for_order(
            subscriber=voorbeeld, product=Product.objects.get(code="pkio-private")
        ),
    )
    assert checked.common_name == host_names[0]
    assert checked.sans == host_names
    assert checked.key_description == "RSA 2048 bits"
    assert checked.subject_fields["O"] == "Voorbeeld B.V."


def test_the_config_has_the_sections_and_keys_of_the_instruction():
    config = openssl_config(
        organization="Voorbeeld B.V.",
        oin="00000003123456780000",
        country="NL",
        host_names=["server.voorbeeld.nl", "applicatie.voorbeeld.nl"],
    )
    pairs = re.findall(r"^(\S+)\s*=\s*(.*)$", config, re.MULTILINE)
    assert re.findall(r"^\[ ?(\w+) ?\]$", config, re.MULTILINE) == [
        "req",
        "req_distinguished_name",
        "req_ext",
        "alt_names",
    ]
    assert pairs == [
        ("default_bits", "2048"),
        ("encrypt_key", "no"),
        ("default_md", "sha256"),
        ("utf8", "yes"),
        ("string_mask", "utf8only"),
        ("prompt", "no"),
        ("distinguished_name", "req_distinguished_name"),
        ("req_extensions", "req_ext"),
        ("countryName", "NL"),
        ("organizationName", "Voorbeeld B.V."),
        ("organizationIdentifier", "00000003123456780000"),
        ("serialNumber", "00000003123456780000"),
        ("commonName", "server.voorbeeld.nl"),
        ("subjectAltName", "@alt_names"),
        ("DNS.1", "server.voorbeeld.nl"),
        ("DNS.2", "applicatie.voorbeeld.nl"),
    ]
    assert "oid_section" not in config


def test_the_commands_are_the_instructions_plus_a_check():
    assert openssl_commands(basename="voorbeeldbv") == [
        "openssl genrsa -out voorbeeldbv.key 2048",
        "openssl req -new -sha256 -out voorbeeldbv.csr -key voorbeeldbv.key"
        " -config voorbeeldbv.cnf",
        "openssl req -in voorbeeldbv.csr -noout -text -verify",
    ]


def test_the_seeds_oid_section_form_fails_on_openssl_3_which_is_why_it_is_not_the_default(
    tmp_path,
):
    """OpenSSL 3 knows 2.5.4.97 already: "OBJ_create: oid exists", no CSR (SPEC.md §7)."""
    assert openssl_major() >= 3, "the recipe targets OpenSSL 3"
    legacy = openssl_config(
        organization="Voorbeeld B.V.",
        oin="00000003123456780000",
        country="NL",
        host_names=["server1.voorbeeld.nl"],
        legacy_oid_section=True,
    )
    assert legacy.startswith("oid_section = OIDs\n")
    assert "[ OIDs ]\norganizationOID = 2.5.4.97\n" in legacy
    assert "organizationOID = 00000003123456780000" in legacy
    assert "organizationIdentifier" not in legacy

    genrsa, req = run_recipe(tmp_path, legacy, "voorbeeldbv")

    assert genrsa.returncode == 0
    assert req.returncode != 0
    assert "oid exists" in req.stderr
    assert not (tmp_path / "voorbeeldbv.csr").exists()


def test_an_organisation_name_with_dollar_hash_quotes_and_backslash_arrives_unchanged(tmp_path):
    name = """Gemeente 's-Hertogenbosch "$HOME" ${ENV::PATH} #1 \\ `x` é """
    config = openssl_config(
        organization=name,
        oin="00000003123456780000",
        country="NL",
        host_names=["server1.voorbeeld.nl"],
    )
    assert "$HOME" in config  # quoted, not expanded

    *_, check = run_recipe(tmp_path, config, "test")

    assert check.returncode == 0, check.stderr
    csr = x509.load_pem_x509_csr((tmp_path / "test.csr").read_bytes())
    assert csr.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == name
    assert csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == (
        "server1.voorbeeld.nl"
    )


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("Voorbeeld B.V.", "Voorbeeld B.V."),
        ("A #1", '"A #1"'),
        ("$HOME", '"$HOME"'),
        ('Say "hi"', '"Say \\"hi\\""'),
        ("back\\slash", '"back\\\\slash"'),
        ("'s-Hertogenbosch", '"\'s-Hertogenbosch"'),
        (" padded ", '" padded "'),
    ],
)
def test_config_values_are_quoted_when_openssl_would_read_them_otherwise(value, written):
    assert conf_value(value) == written


@pytest.mark.parametrize(
    "organization",
    ["Voorbeeld\n[ req_ext ]", "Voorbeeld\rB.V.", "Voorbeeld\x00", "Voorbeeld\u2028B.V.", ""],
)
def test_an_organisation_name_that_could_break_the_config_is_refused(organization):
    with pytest.raises(ValueError):
        openssl_config(
            organization=organization,
            oin="00000003123456780000",
            country="NL",
            host_names=["server1.voorbeeld.nl"],
        )


@pytest.mark.parametrize(
    "host_names",
    [
        ["server1.voorbeeld.nl\nDNS.2 = evil.example"],
        ["server1.voorbeeld.nl $HOME"],
        ["*.voorbeeld.nl"],
        ["192.0.2.1"],
        ["server1.voorbeeld.nl#"],
        [],
        [f"s{i}.voorbeeld.nl" for i in range(11)],
        ["a.voorbeeld.nl", "a.voorbeeld.nl"],
    ],
)
def test_host_names_that_are_not_host_names_are_refused(host_names):
    with pytest.raises(ValueError):
        openssl_config(
            organization="Voorbeeld B.V.",
            oin="00000003123456780000",
            country="NL",
            host_names=host_names,
        )


@pytest.mark.parametrize(
    ("oin", "country"), [("0000000312345678000\n", "NL"), ("00000003123456780000", "N$")]
)
def test_an_oin_or_country_that_is_not_one_is_refused(oin, country):
    with pytest.raises(ValueError):
        openssl_config(
            organization="X", oin=oin, country=country, host_names=["server1.voorbeeld.nl"]
        )


def test_the_base_name_keeps_safe_characters_only():
    assert base_name(["server1.voorbeeld.nl"]) == "server1.voorbeeld.nl"
    assert base_name(["../../etc/passwd; rm -rf"]) == "etc_passwd_rm_-rf"
    assert base_name([]) == "csr"
    with pytest.raises(ValueError):
        openssl_commands(basename="x; rm -rf /")


@pytest.mark.parametrize("name", ["csr_assistant", "csr_assistant_cnf"])
def test_the_assistant_requires_login(client, name):
    response = client.get(f"{reverse(name)}?{assistant_query('server1.voorbeeld.nl')}")
    assert response.status_code == 403
    assert "U bent niet ingelogd" in response.content.decode()


def test_the_page_is_prefilled_with_the_organisation_and_its_verified_domains(client, login_as):
    login_as("joost")
    response = client.get(reverse("csr_assistant"))
    content = response.content.decode()
    assert response.status_code == 200
    assert "CSR-assistent" in content
    assert "00000003123456780000" in content
    assert 'data-testid="verified-domains"><span class="font-monospace">voorbeeld.nl' in content
    assert "OpenSSL 3 (aanbevolen)" in content
    assert "OpenSSL 1.1 of ouder (oid_section)" in content
    assert "Genereer sleutelpaar en CSR" in content
    assert 'data-organization="Voorbeeld B.V."' in content
    assert 'data-country="NL"' in content
    assert 'data-oin="00000003123456780000"' in content
    # Nothing is configured before host names were given.
    assert 'data-testid="openssl-config"' not in content


def test_the_download_is_a_plain_text_attachment_with_a_safe_name(client, login_as):
    login_as("joost")
    query = assistant_query("server1.voorbeeld.nl", "www.voorbeeld.nl")
    response = client.get(f"{reverse('csr_assistant_cnf')}?{query}")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="server1.voorbeeld.nl.cnf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    body = response.content.decode()
    assert "organizationName = Voorbeeld B.V." in body
    assert "DNS.2 = www.voorbeeld.nl" in body


def test_the_legacy_choice_gives_the_seeds_oid_section(client, login_as):
    login_as("joost")
    query = assistant_query("server1.voorbeeld.nl", openssl="legacy")
    body = client.get(f"{reverse('csr_assistant_cnf')}?{query}").content.decode()
    assert body.startswith("oid_section = OIDs\n")
    assert "organizationOID = 00000003123456780000" in body


def test_a_host_name_outside_the_verified_domains_is_a_dutch_form_error(client, login_as):
    login_as("joost")
    query = assistant_query("server1.voorbeeld.nl", "portaal.andere.nl")
    response = client.get(f"{reverse('csr_assistant')}?{query}")
    content = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert (
        "“portaal.andere.nl” valt niet binnen een geverifieerd domein van uw organisatie "
        "(voorbeeld.nl)." in content
    )
    assert 'data-testid="openssl-config"' not in content


def test_the_download_with_invalid_input_goes_back_to_the_form(client, login_as):
    login_as("joost")
    query = assistant_query("portaal.andere.nl")
    response = client.get(f"{reverse('csr_assistant_cnf')}?{query}")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('csr_assistant')}?{query}"


@pytest.mark.parametrize(
    ("host_names", "error"),
    [
        (["*.voorbeeld.nl"], "“*.voorbeeld.nl” is geen geldige servernaam"),
        (["192.0.2.1"], "“192.0.2.1” is geen geldige servernaam"),
        (["server1.voorbeeld.nl$HOME"], "“server1.voorbeeld.nl$home” is geen geldige servernaam"),
        (["a.voorbeeld.nl", "A.voorbeeld.nl"], "“a.voorbeeld.nl” staat er meer dan één keer in."),
        ([f"s{i}.voorbeeld.nl" for i in range(11)], "maximaal 10 servernamen opnemen, niet 11"),
        ([], "Vul minstens één servernaam in."),
    ],
)
def test_invalid_host_names_are_dutch_form_errors(client, login_as, host_names, error):
    login_as("joost")
    response = client.get(f"{reverse('csr_assistant')}?{assistant_query(*host_names)}")
    content = html.unescape(response.content.decode())
    assert error in content
    assert 'data-testid="openssl-config"' not in content


def test_trial_needs_no_verified_domain(client, login_as):
    login_as("joost")
    query = assistant_query("test.example.org", product="pkio-trial")
    response = client.get(f"{reverse('csr_assistant_cnf')}?{query}")
    assert response.status_code == 200
    assert "commonName       = test.example.org" in response.content.decode()


def test_digipoort_gets_the_name_the_portal_determines(client, login_as, settings):
    login_as("joost")
    query = assistant_query("", product="pkio-digipoort")
    body = client.get(f"{reverse('csr_assistant_cnf')}?{query}").content.decode()
    name = f"00000003123456780000.{settings.PORTAL_DIGIPOORT_DOMAIN}"
    assert f"commonName       = {name}" in body
    assert re.findall(r"^DNS\.\d+ = (.*)$", body, re.MULTILINE) == [name]


def test_the_in_browser_generator_offers_ecdsa_only_where_the_product_allows_it(client, login_as):
    login_as("joost")
    private = client.get(f"{reverse('csr_assistant')}?product=pkio-private").content.decode()
    trial = client.get(f"{reverse('csr_assistant')}?product=pkio-trial").content.decode()
    assert 'value="rsa-3072"' in private
    assert 'value="ecdsa-p256"' not in private
    assert 'value="ecdsa-p256"' in trial
    # A link with only the product preselects it without complaining about host names.
    assert "is-invalid" not in trial


def test_the_in_browser_generator_has_no_named_controls_and_escapes_the_organisation(
    client, login_as, voorbeeld
):
    Subscriber.objects.filter(pk=voorbeeld.pk).update(name='Voorbeeld "<B.V.>" & Co')
    login_as("joost")
    content = client.get(reverse("csr_assistant")).content.decode()
    widget = re.search(r"<section[^>]*data-csr-browser.*?</section>", content, re.DOTALL)
    assert widget is not None
    assert 'data-organization="Voorbeeld &quot;&lt;B.V.&gt;&quot; &amp; Co"' in widget.group(0)
    assert " name=" not in widget.group(0)
    assert "<form" not in widget.group(0)
    assert "<script" not in widget.group(0)


def test_registration_data_that_cannot_go_into_a_config_is_a_form_error(
    client, login_as, voorbeeld
):
    Subscriber.objects.filter(pk=voorbeeld.pk).update(name="Voorbeeld\nB.V.")
    login_as("joost")
    response = client.get(f"{reverse('csr_assistant')}?{assistant_query('server1.voorbeeld.nl')}")
    assert response.status_code == 200
    assert "tekens die niet in een CSR passen" in html.unescape(response.content.decode())
