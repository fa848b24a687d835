"""The page "Controleer een bestelformulier" and the seal checks behind it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import formats, translation
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_signer import PdfSigner

from certificates import demo_pki
from certificates.models import Certificate
from orders import documents
from orders.models import Order
from orders.order_xml import order_xml
from portal.middleware import CERT_HEADER, VERIFY_HEADER
from sealing import verification
from sealing.forms import SealCheckForm
from sealing.pdf import SEAL_FIELD, seal_pdf, seal_signer
from sealing.results import SealStatus
from sealing.seal import portal_seal
from sealing.verification import NotADocument, check_document, check_pdf
from sealing.xml import sign_xml
from tests.conftest import forwarded_by_nginx, pem_header
from tests.orders.test_documents import _place

pytestmark = pytest.mark.django_db

URL = "/bestelformulier-controleren/"
CHANGED = "De inhoud is na het verzegelen gewijzigd."
ADDED = "Na het verzegelen is er iets aan het bestand toegevoegd."
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(32)


@pytest.fixture(scope="module")
def pdfs(django_db_setup, django_db_blocker) -> dict[str, bytes]:  # noqa: ANN001
    """The order form unsealed and sealed: rendering is the slow part, so once per module."""
    with django_db_blocker.unblock(), transaction.atomic():
        order = _order()
        plain = documents.order_form_pdf(order)
        forms = {"reference": order.reference, "plain": plain, "sealed": seal_pdf(plain)}
        # The order was only needed to render the form; later tests start from the seed.
        transaction.set_rollback(True)
    return forms


@pytest.fixture
def joost(client: Client, login_as) -> Client:  # noqa: ANN001
    login_as("joost")
    return client


def _order() -> Order:
    www = Certificate.objects.get(common_name="www.voorbeeld.nl")
    return _place(manager=www.certificate_manager)


def _post(client: Client, data: bytes, name: str = "bestelformulier.pdf"):  # noqa: ANN202
    return client.post(URL, {"document": SimpleUploadedFile(name, data)})


def _incremental_update(pdf: bytes) -> bytes:
    """A second revision, as any PDF editor saving "incrementally" would write."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    writer.root["/PageMode"] = generic.NameObject("/UseOutlines")
    writer.update_root()
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def _sign(pdf: bytes, *, key: Path, certificate: Path, chain: tuple[Path, ...] = ()) -> bytes:
    signer = signers.SimpleSigner.load(
        str(key), str(certificate), ca_chain_files=[str(path) for path in chain]
    )
    assert signer is not None
    return _sign_with(pdf, signer)


def _sign_with(pdf: bytes, signer: signers.Signer, field: str = SEAL_FIELD) -> bytes:
    return signers.sign_pdf(
        IncrementalPdfFileWriter(BytesIO(pdf)),
        signers.PdfSignatureMetadata(
            field_name=field, subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256"
        ),
        signer=signer,
    ).getvalue()


def _self_signed_like_the_seal(tmp_path: Path) -> tuple[Path, Path]:
    """A key and a self-signed certificate with exactly the seal's subject."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = portal_seal().certificate.subject
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False), True
        )
        .sign(key, hashes.SHA256())
    )
    key_path, cert_path = tmp_path / "fake.key", tmp_path / "fake.crt"
    key_path.write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    cert_path.write_bytes(certificate.public_bytes(Encoding.PEM))
    return key_path, cert_path


# --- PDF, on the function -------------------------------------------------------------------


def test_a_sealed_order_form_is_valid(pdfs):
    check = check_pdf(pdfs["sealed"])
    assert check.status == SealStatus.VALID, check.message
    assert check.kind == "pdf"
    assert "CN=Certificaatportaal Demo Zegel" in check.signer
    assert "organizationIdentifier=NTRNL-99999999" in check.signer
    assert check.reference == pdfs["reference"]
    assert check.signed_at is not None
    assert abs(datetime.now(UTC) - check.signed_at) < timedelta(minutes=10)


def test_a_changed_byte_in_the_signed_range_is_a_change(pdfs):
    data = bytearray(pdfs["sealed"])
    # The binary comment on line 2 of the header: signed, and the file stays readable.
    data[data.index(b"\n") + 2] ^= 0x01
    check = check_pdf(bytes(data))
    assert check.status == SealStatus.CHANGED
    assert check.message == CHANGED


def test_a_changed_title_is_a_change(pdfs):
    data = pdfs["sealed"].replace(b"Bestelformulier S", b"Bestelformulier A", 1)
    assert data != pdfs["sealed"]
    check = check_pdf(data)
    assert check.status == SealStatus.CHANGED
    assert check.message == CHANGED


@pytest.mark.parametrize(
    "append",
    [
        pytest.param(lambda pdf: pdf + b"\n% a comment added later\n", id="bytes"),
        pytest.param(_incremental_update, id="incremental-update"),
        pytest.param(
            lambda pdf: _sign_with(pdf, seal_signer(), field="Tweede zegel"),
            id="our-own-second-seal",
        ),
    ],
)
def test_anything_appended_after_sealing_is_an_addition(pdfs, append):
    check = check_pdf(append(pdfs["sealed"]))
    assert check.status == SealStatus.CHANGED
    assert check.message == ADDED


def test_a_seal_by_another_key_is_an_unknown_signer(pdfs, pki_dir):
    # Maximo's certificate chains to a root we trust, but is not the seal.
    clients = pki_dir / "clients"
    sealed = _sign(pdfs["plain"], key=clients / "maximo.key", certificate=clients / "maximo.crt")
    check = check_pdf(sealed)
    assert check.status == SealStatus.UNKNOWN_SIGNER
    maximo = x509.load_pem_x509_certificate((clients / "maximo.crt").read_bytes())
    common_name = maximo.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value
    assert common_name in check.signer
    assert common_name in check.message


def test_a_self_signed_copy_of_the_seal_subject_is_an_unknown_signer(pdfs, tmp_path):
    key, certificate = _self_signed_like_the_seal(tmp_path)
    check = check_pdf(_sign(pdfs["plain"], key=key, certificate=certificate))
    assert check.status == SealStatus.UNKNOWN_SIGNER
    assert "CN=Certificaatportaal Demo Zegel" in check.signer
    assert "niet door een vertrouwde CA van het portaal uitgegeven" in check.message


def _seal_certificate(pki_dir: Path, tmp_path: Path, **validity: datetime) -> dict[str, Path]:
    """Another seal certificate from the seal's own CA, with the same subject and a new key."""
    ca = demo_pki.Issued(
        x509.load_pem_x509_certificate((pki_dir / "ca" / "g3-services.crt").read_bytes()),
        load_pem_private_key((pki_dir / "ca" / "g3-services.key").read_bytes(), password=None),
    )
    issued = demo_pki.issue_leaf(
        ca,
        issuer_slug="g3-services",
        subject=portal_seal().certificate.subject,
        key_usage="seal",
        **validity,
    )
    key_path, cert_path = tmp_path / "renewed.key", tmp_path / "renewed.crt"
    key_path.write_bytes(
        issued.key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    )
    cert_path.write_bytes(issued.certificate.public_bytes(Encoding.PEM))
    return {
        "key": key_path,
        "certificate": cert_path,
        "chain": (pki_dir / "ca" / "g3-services.crt",),
    }


def test_a_form_sealed_with_a_renewed_seal_certificate_is_valid(pdfs, pki_dir, tmp_path):
    renewed = _seal_certificate(pki_dir, tmp_path)
    check = check_pdf(_sign(pdfs["plain"], **renewed))
    assert check.status == SealStatus.VALID, check.message


@pytest.fixture
def signing_time(monkeypatch) -> Callable[[datetime], None]:  # noqa: ANN001
    """Make pyHanko claim another signing time, as a form sealed back then would."""

    def claim(when: datetime) -> None:
        start = PdfSigner.init_signing_session

        def backdated(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
            session = start(self, *args, **kwargs)
            session.system_time = when
            return session

        monkeypatch.setattr(PdfSigner, "init_signing_session", backdated)

    return claim


def test_a_form_sealed_before_the_seal_certificate_expired_is_valid(
    pdfs, pki_dir, tmp_path, signing_time
):
    now = datetime.now(UTC)
    expired = _seal_certificate(
        pki_dir, tmp_path, not_before=now - timedelta(days=800), not_after=now - timedelta(days=30)
    )
    signing_time(now - timedelta(days=400))
    check = check_pdf(_sign(pdfs["plain"], **expired))
    assert check.status == SealStatus.VALID, check.message
    assert check.signed_at == (now - timedelta(days=400)).replace(microsecond=0)


def test_a_seal_made_after_its_certificate_expired_is_not_ours(pdfs, pki_dir, tmp_path):
    now = datetime.now(UTC)
    expired = _seal_certificate(
        pki_dir, tmp_path, not_before=now - timedelta(days=800), not_after=now - timedelta(days=30)
    )
    check = check_pdf(_sign(pdfs["plain"], **expired))
    assert check.status == SealStatus.UNKNOWN_SIGNER
    assert "was niet geldig bij het verzegelen" in check.message


def test_an_unsealed_pdf_is_not_sealed(pdfs):
    check = check_pdf(pdfs["plain"])
    assert check.status == SealStatus.NOT_SEALED
    assert check.message == "Dit bestand is niet verzegeld."


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"%PDF-1.7\nnothing else", id="no-trailer"),
        pytest.param(b"%PDF-", id="header-only"),
        pytest.param(b" \n%PDF-1.7\n", id="whitespace-before-header"),
    ],
)
def test_a_damaged_pdf_is_unreadable(data):
    assert check_pdf(data).status == SealStatus.UNREADABLE


def test_a_truncated_sealed_pdf_is_unreadable(pdfs):
    sealed = pdfs["sealed"]
    assert check_pdf(sealed[: len(sealed) // 2]).status == SealStatus.UNREADABLE


def test_an_unexpected_error_is_logged_and_unreadable(pdfs, monkeypatch, caplog):
    def explode(*args: object, **kwargs: object) -> None:
        raise KeyError("/Surprise")

    monkeypatch.setattr(verification, "validate_pdf_signature", explode)
    assert check_pdf(pdfs["sealed"]).status == SealStatus.UNREADABLE
    assert "unexpected error" in caplog.text
    assert f"{len(pdfs['sealed'])} bytes" in caplog.text


# --- Recognising the kind of document --------------------------------------------------------


def test_a_pdf_is_recognised_by_content_not_name(pdfs):
    assert check_document(pdfs["sealed"]).status == SealStatus.VALID


@pytest.mark.parametrize("data", [PNG, b"Gewoon wat tekst.\n", b"\xef\xbb\xbfGeen XML"])
def test_anything_else_is_not_a_document(data):
    with pytest.raises(NotADocument, match="Dit is geen PDF- of XML-bestand."):
        check_document(data)


# --- The page -------------------------------------------------------------------------------


def test_it_shows_the_upload_form(joost):
    response = joost.get(URL)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Controleer een bestelformulier" in content
    assert 'enctype="multipart/form-data"' in content
    assert 'name="document"' in content
    assert "<script>" not in content and "style=" not in content


def test_the_url_has_a_name():
    assert reverse("seal_verify") == URL


def test_it_shows_a_valid_seal_with_signer_time_and_reference(joost, pdfs):
    response = _post(joost, pdfs["sealed"])
    assert response.status_code == 200
    content = response.content.decode()
    assert "alert-success" in content
    assert "Dit bestand is intact en verzegeld door het Certificaatportaal." in content
    assert "CN=Certificaatportaal Demo Zegel" in content
    assert pdfs["reference"] in content
    signed_at = check_pdf(pdfs["sealed"]).signed_at
    with translation.override("nl"):
        local = signed_at.astimezone(ZoneInfo("Europe/Amsterdam"))
        assert formats.date_format(local, "j F Y H:i:s") in content


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda pdf: pdf.replace(b"Bestelformulier S", b"Bestelformulier A", 1), CHANGED),
        (_incremental_update, ADDED),
    ],
)
def test_it_shows_a_changed_pdf_as_danger(joost, pdfs, change, message):
    response = _post(joost, change(pdfs["sealed"]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "alert-danger" in content
    assert "alert-success" not in content
    assert message in content


def test_it_shows_an_unsealed_pdf_as_danger(joost, pdfs):
    content = _post(joost, pdfs["plain"]).content.decode()
    assert "alert-danger" in content
    assert "Dit bestand is niet verzegeld." in content


def test_it_refuses_a_20_mb_upload(joost):
    response = _post(joost, b"%PDF-1.7\n" + bytes(20 * 1000 * 1000))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Het bestand is groter dan 10 MB." in content
    assert "seal-result" not in content


@pytest.mark.parametrize(("name", "data"), [("plaatje.pdf", PNG), ("notitie.xml", b"tekst\n")])
def test_it_refuses_a_file_that_is_neither_pdf_nor_xml(joost, name, data):
    response = _post(joost, data, name)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Dit is geen PDF- of XML-bestand." in content
    assert "seal-result" not in content


def test_it_refuses_an_empty_file(joost):
    response = _post(joost, b"")
    assert response.status_code == 200
    assert "Het bestand is leeg." in response.content.decode()


def test_it_asks_for_a_file(joost):
    response = joost.post(URL, {})
    assert response.status_code == 200
    assert "Kies een bestand." in response.content.decode()


class _HugeUpload(UploadedFile):
    """Announces 20 MB and fails the test if anyone reads it."""

    def __init__(self) -> None:
        super().__init__(file=BytesIO(), name="groot.pdf", size=20 * 1000 * 1000)

    def read(self, *args: object) -> bytes:
        raise AssertionError("an oversized upload was read")


def test_an_oversized_upload_is_refused_without_reading_it():
    form = SealCheckForm(data={}, files={"document": _HugeUpload()})
    assert not form.is_valid()
    assert form.errors["document"] == ["Het bestand is groter dan 10 MB."]


def test_it_is_not_shown_to_someone_not_logged_in(client, pdfs):
    response = client.get(URL)
    assert response.status_code == 403
    assert "U bent niet ingelogd" in response.content.decode()
    response = _post(client, pdfs["sealed"])
    assert response.status_code == 403
    assert "alert-success" not in response.content.decode()


def test_a_post_needs_the_csrf_token(pki_dir, pdfs):
    client = Client(enforce_csrf_checks=True, **forwarded_by_nginx())
    client.defaults[CERT_HEADER] = pem_header(pki_dir, "joost")
    client.defaults[VERIFY_HEADER] = "SUCCESS"
    assert _post(client, pdfs["sealed"]).status_code == 403


def test_other_methods_are_not_allowed(joost):
    assert joost.put(URL).status_code == 405


@pytest.fixture
def order() -> Order:
    return _order()


@pytest.mark.parametrize("page", ["order_list", "order_detail"])
def test_the_order_pages_link_to_it(joost, order, page):
    args = [order.reference] if page == "order_detail" else []
    assert URL in joost.get(reverse(page, args=args)).content.decode()


# --- XML ------------------------------------------------------------------------------------


def test_a_signed_order_xml_is_valid(order):
    check = check_document(sign_xml(order_xml(order)))
    assert check.status == SealStatus.VALID, check.message
    assert check.kind == "xml"
    assert check.reference == order.reference


def test_a_changed_element_in_signed_xml_is_a_change(order):
    signed = sign_xml(order_xml(order))
    changed = signed.replace(b"www.voorbeeld.nl", b"www.elders.nl", 1)
    assert changed != signed
    assert check_document(changed).status == SealStatus.CHANGED


def test_an_unsigned_order_xml_is_not_sealed(order):
    assert check_document(order_xml(order)).status == SealStatus.NOT_SEALED


def test_xml_with_a_byte_order_mark_and_whitespace_is_xml(order):
    data = b"\xef\xbb\xbf\n  " + order_xml(order)
    assert check_document(data).kind == "xml"


def test_the_page_checks_signed_xml(joost, order):
    response = _post(joost, sign_xml(order_xml(order)), "bestelformulier.xml")
    content = response.content.decode()
    assert "alert-success" in content
    assert order.reference in content
