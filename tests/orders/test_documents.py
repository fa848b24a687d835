"""The sealed order form (SPEC.md §8, manual §3.2): content, seal, fetcher, signer cache."""

from __future__ import annotations

import shutil
import subprocess
from io import BytesIO
from pathlib import Path
from uuid import uuid4

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from weasyprint import HTML

from certificates.csr import CsrExpectations, csr_check
from certificates.login_certificate import LoginCertificateData
from certificates.models import Certificate, Product
from orders import documents
from orders.models import Declaration, Order, ServerOrderDetail
from orders.services import NewManager, order_place
from organisations.models import Person
from sealing import pdf as sealing_pdf
from sealing import seal
from tests.certificates.csr_factory import make_csr

pytestmark = pytest.mark.django_db

ISSUER_DN = (
    "/C=NL/O=Certificaatportaal Demo/organizationIdentifier=NTRNL-99999999"
    "/CN=Demo Organisatie Persoon CA - G3"
)
LINK = "<link rel=attachment href=file:///etc/passwd>"
IMG = '<img src="http://169.254.169.254/latest">'


def _place(*, cn: str = "www.voorbeeld.nl", **kwargs: object) -> Order:
    joost = Person.objects.get(email="joost@voorbeeld.nl")
    product = Product.objects.get(code="pkio-private")
    checked = csr_check(
        make_csr(cn=cn, sans=[cn]),
        expect=CsrExpectations.for_order(subscriber=joost.subscriber, product=product),
    )
    return order_place(
        token=uuid4(),
        subscriber=joost.subscriber,
        product=product,
        contact_person=joost,
        detail=ServerOrderDetail.from_csr(checked),
        declarations=[choice.value for choice in Declaration],
        login_certificate=LoginCertificateData(issuer=ISSUER_DN, serial="0a1b2c"),
        **kwargs,
    )


@pytest.fixture
def order(db) -> Order:  # noqa: ANN001
    www = Certificate.objects.get(common_name="www.voorbeeld.nl")
    return _place(manager=www.certificate_manager, renews=www)


@pytest.fixture
def sealed(order: Order, tmp_path: Path) -> Path:
    path = tmp_path / "order.pdf"
    path.write_bytes(documents.sealed_order_form(order))
    return path


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} not installed (apt-get install poppler-utils libnss3-tools)")
    return path


def _run(*args: str | Path) -> str:
    return subprocess.run(
        [str(arg) for arg in args], capture_output=True, text=True, check=True, timeout=30
    ).stdout


def _text(pdf: Path) -> str:
    """pdftotext output with all whitespace removed: line breaks fall anywhere."""
    return "".join(_run(_tool("pdftotext"), "-enc", "UTF-8", pdf, "-").split())


def _write(path: Path, order: Order) -> Path:
    path.write_bytes(documents.order_form_pdf(order))
    return path


def _squash(text: str) -> str:
    return "".join(text.split())


@pytest.fixture
def nss_db(pki_dir: Path, tmp_path: Path) -> str:
    """An NSS database trusting every demo root, one certutil -A per root."""
    certutil = _tool("certutil")
    db = tmp_path / "nss"
    db.mkdir()
    _run(certutil, "-N", "-d", f"sql:{db}", "--empty-password")
    roots = x509.load_pem_x509_certificates((pki_dir / "roots.pem").read_bytes())
    for index, root in enumerate(roots):
        pem = tmp_path / f"root{index}.pem"
        pem.write_bytes(root.public_bytes(Encoding.PEM))
        _run(certutil, "-A", "-d", f"sql:{db}", "-n", f"root{index}", "-t", "C,C,C", "-i", pem)
    return f"sql:{db}"


def test_pyhanko_finds_the_seal_intact_trusted_and_covering_the_file(sealed, pki_dir):
    root = load_cert_from_pemder(pki_dir / "ca" / "g3-root.crt")
    reader = PdfFileReader(BytesIO(sealed.read_bytes()))
    (signature,) = reader.embedded_signatures
    assert signature.field_name == "Verzegeling"
    status = validate_pdf_signature(
        signature, ValidationContext(trust_roots=[root], allow_fetching=False)
    )
    assert status.intact
    assert status.valid
    assert status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert "Certificaatportaal Demo Zegel" in status.signing_cert.subject.human_friendly


def test_pdfsig_reports_the_seal_valid_and_trusted(sealed, nss_db):
    output = _run(_tool("pdfsig"), "-nssdir", nss_db, sealed)
    assert "Signature is Valid" in output, output
    assert "Certificate is Trusted" in output, output
    assert "Signature Type: ETSI.CAdES.detached" in output, output


def test_pdfsig_rejects_a_changed_byte(sealed, nss_db, tmp_path):
    data = bytearray(sealed.read_bytes())
    # The binary comment on line 2 of the header: inside the signed range,
    # and changing it keeps the file parseable.
    position = data.index(b"\n") + 2
    data[position] ^= 0x01
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(bytes(data))
    output = _run(_tool("pdfsig"), "-nssdir", nss_db, tampered)
    assert "Signature is Valid" not in output, output
    assert "Certificate is Trusted" not in output, output


def test_the_form_shows_the_order(order, sealed):
    text = _text(sealed)
    for expected in [
        "Bestelformulier",
        order.reference,
        "Betreft bestelling PKIoverheid PRIVATE servercertificaat",
        "www.voorbeeld.nl",
        order.renews.serial,
        "Voorbeeld B.V.",
        "Ondergetekende verklaart namens Abonnee:",
        *order.declaration_labels(),
        "Vervolgstappen",
        "Ingediend door:",
        f"Certified by: {ISSUER_DN}",
        "Plaats: Online via selfservice portal",
    ]:
        assert _squash(expected) in text, expected


def test_the_form_has_the_placing_date_in_dutch(order, tmp_path):
    order.placed_at = order.placed_at.replace(
        year=2024, month=2, day=9, hour=8, minute=15, second=43
    )
    order.save(update_fields=["placed_at"])  # 08:15:43 UTC is 09:15:43 in Amsterdam
    order.refresh_from_db()
    assert _squash("Datum: 09 februari 2024 om 09:15:43") in _text(
        _write(tmp_path / "order.pdf", order)
    )


@pytest.fixture
def fetches(monkeypatch) -> dict[str, list[str]]:  # noqa: ANN001
    """Every URL the document fetcher is asked for, by outcome, starting as a fresh process
    (the stylesheet is fetched again)."""
    sealing_pdf.clear_render_cache()
    calls: dict[str, list[str]] = {"served": [], "refused": []}
    fetch = sealing_pdf.DocumentFetcher.fetch

    def recording_fetch(self, url, headers=None):  # noqa: ANN001, ANN202
        try:
            response = fetch(self, url, headers)
        except sealing_pdf.FetchRefused:
            calls["refused"].append(url)
            raise
        calls["served"].append(url)
        return response

    monkeypatch.setattr(sealing_pdf.DocumentFetcher, "fetch", recording_fetch)
    return calls


def _embedded_files(pdf: Path) -> str:
    return _run(_tool("pdfdetach"), "-list", pdf).splitlines()[0]


def test_markup_in_user_text_stays_text_and_loads_nothing(db, tmp_path, fetches):
    www = Certificate.objects.get(common_name="www.voorbeeld.nl")
    order = _place(
        new_manager=NewManager(given_name=LINK, surname=IMG, email="m@voorbeeld.nl", phone=""),
        renews=www,
    )
    order.subscriber.name = f"Voorbeeld {LINK} {IMG} B.V."

    pdf = _write(tmp_path / "evil.pdf", order)

    assert fetches == {
        "served": [
            f"{sealing_pdf.DOCUMENT_BASE_URL}static/css/document.css",
            f"{sealing_pdf.DOCUMENT_BASE_URL}static/favicon.svg",
        ],
        "refused": [],
    }
    assert _embedded_files(pdf) == "0 embedded files"
    text = _text(pdf)
    assert _squash(LINK) in text
    assert _squash(IMG) in text


def test_markup_getting_through_could_not_load_or_attach_anything(
    db, tmp_path, fetches, monkeypatch
):
    """Defence in depth: were escaping ever bypassed, the fetcher still refuses."""
    secret = tmp_path / "secret.txt"
    secret.write_text("secret")
    hostile = (
        f'<html><head><link rel="attachment" href="{secret.as_uri()}"></head><body>'
        f'<img src="http://169.254.169.254/latest"><a rel="attachment" href="{secret.as_uri()}">'
        "x</a></body></html>"
    )
    # Control: WeasyPrint's own fetcher embeds both, so pdfdetach can see them.
    control = tmp_path / "control.pdf"
    control.write_bytes(HTML(string=hostile).write_pdf())
    assert _embedded_files(control) == "2 embedded files"

    monkeypatch.setattr(documents, "render_to_string", lambda *args, **kwargs: hostile)
    pdf = _write(tmp_path / "hostile.pdf", Order())

    assert _embedded_files(pdf) == "0 embedded files"
    # Only our print stylesheet, applied to every document; nothing the markup asked for.
    assert fetches["served"] == [f"{sealing_pdf.DOCUMENT_BASE_URL}static/css/document.css"]
    # <link rel=attachment> is dropped before it is fetched; the others are refused.
    assert fetches["refused"] == ["http://169.254.169.254/latest", secret.as_uri()]


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://169.254.169.254/latest",
        "https://169.254.169.254/static/favicon.svg",
        "data:text/plain,hello",
        "https://documents.invalid/etc/passwd",
        "https://documents.invalid/static/../../../etc/passwd",
        "https://documents.invalid/static/%2e%2e/%2e%2e/etc/passwd",
        "https://documents.invalid/static/",
        "https://documents.invalid/static/missing.css",
    ],
)
def test_the_fetcher_refuses_anything_but_our_static_files(url):
    with pytest.raises(sealing_pdf.FetchRefused):
        sealing_pdf.DocumentFetcher().fetch(url)


def test_the_fetcher_serves_our_static_files():
    response = sealing_pdf.DocumentFetcher().fetch("https://documents.invalid/static/favicon.svg")
    assert response.content_type == "image/svg+xml"
    assert response.read().startswith(b"<svg")


def test_the_seal_key_is_loaded_once(order, monkeypatch):
    sealing_pdf._signer.cache_clear()
    seal.load_seal.cache_clear()
    key_reads = []
    load = seal.load_pem_private_key
    monkeypatch.setattr(
        seal, "load_pem_private_key", lambda *a, **kw: key_reads.append(1) or load(*a, **kw)
    )
    first = documents.sealed_order_form(order)
    second = documents.sealed_order_form(order)
    assert key_reads == [1]
    assert first.startswith(b"%PDF") and second.startswith(b"%PDF")


def test_the_signer_signs_with_the_loaded_key_not_a_reparsed_one(monkeypatch):
    """pyHanko's SimpleSigner parses its DER key per signature; ours must not."""
    from pyhanko.sign.signers import pdf_cms

    def refuse(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise AssertionError("key parsed again")

    monkeypatch.setattr(pdf_cms.serialization, "load_der_private_key", refuse)
    assert sealing_pdf.seal_pdf(sealing_pdf.html_to_pdf("<p>x</p>")).startswith(b"%PDF")


def test_the_english_form_is_in_english(order, tmp_path):
    path = tmp_path / "order-en.pdf"
    path.write_bytes(documents.order_form_pdf(order, language="en"))
    text = _text(path)
    assert _squash("Order form") in text
    assert _squash("Serial number of the old certificate") in text
    assert _squash("The undersigned declares on behalf of the Subscriber:") in text
    assert (
        _squash("that all details have been filled in completely, correctly and truthfully.")
        in text
    )
    assert "Bestelformulier" not in text
    assert _squash(f"Certified by: {ISSUER_DN}") in text
