"""Sealed order documents (SPEC.md §8, manual §3.2 "Bestelling geplaatst").

Every order gets a PDF order form with all its data, the accepted
declarations and "Ingediend door: Certified by: <issuer DN of the login
certificate>", sealed with the portal's seal certificate as a PAdES baseline
B-B signature. The seal signer is loaded once per process.
"""

from __future__ import annotations

import mimetypes
from functools import lru_cache
from io import BytesIO
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.template.loader import render_to_string
from django.utils import translation
from pyhanko.keys import load_certs_from_pemder, load_private_key_from_pemder
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko_certvalidator.registry import SimpleCertificateStore
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from orders.models import Order

# Relative URLs in the form resolve here; ".invalid" (RFC 2606) never resolves
# on a network, so even a fetch that slipped past DocumentFetcher goes nowhere.
DOCUMENT_BASE_URL = "https://documents.invalid/"
SEAL_FIELD = "Verzegeling"


class FetchRefused(ValueError):
    """A URL the order form may not load; WeasyPrint treats it as a failed fetch."""


class DocumentFetcher(URLFetcher):
    """Serves our own static files and refuses every other URL.

    The order form holds text the user typed. Auto-escaping keeps it text, and
    this fetcher makes sure that even markup getting through could not read
    local files (``file://``), reach the network (``http(s)://``, cloud
    metadata) or embed attachments: only ``DOCUMENT_BASE_URL`` + ``STATIC_URL``
    paths, answered from the static files on disk.
    """

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        path = _static_file(url)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})


def _static_file(url: str) -> Path:
    parts = urlsplit(url)
    base = urlsplit(DOCUMENT_BASE_URL)
    static_prefix = settings.STATIC_URL
    if (parts.scheme, parts.netloc) != (base.scheme, base.netloc) or parts.query:
        raise FetchRefused(url)
    path = unquote(parts.path)
    if not static_prefix.startswith("/") or not path.startswith(static_prefix):
        raise FetchRefused(url)
    name = path.removeprefix(static_prefix)
    if not name or ".." in PurePosixPath(name).parts or "\\" in name:
        raise FetchRefused(url)
    found = finders.find(name)
    if found is None and staticfiles_storage.exists(name):
        # Collected (hashed) names, as {% static %} gives them with the manifest.
        found = staticfiles_storage.path(name)
    if not found:
        raise FetchRefused(url)
    return Path(found)


def order_form_pdf(order: Order, *, language: str = "nl") -> bytes:
    """The order form of manual §3.2 as PDF, in ``language`` (SPEC.md §8); not sealed."""
    with translation.override(language):
        html = render_to_string("orders/documents/order_form.html", {"order": order})
    document = HTML(string=html, base_url=DOCUMENT_BASE_URL, url_fetcher=DocumentFetcher()).render()
    # A sealed form carries no files: drop <link rel=attachment> before they are fetched.
    document.metadata.attachments = []
    return document.write_pdf(attachments=[])


@lru_cache
def seal_signer(key_path: Path, cert_path: Path, roots_path: Path | None) -> signers.SimpleSigner:
    """The portal's seal signer, loaded once per process (SPEC.md §8).

    ``cert_path`` holds the seal certificate followed by its issuing CA (as
    ``demo_pki`` writes it); the root that issued the last of them is taken
    from ``roots_path`` (``PORTAL_PKI_DIR/roots.pem``) when there is one, so a
    validator gets the whole chain from the signature.
    """
    seal, *chain = load_certs_from_pemder([cert_path])
    if roots_path is not None and roots_path.exists():
        top = chain[-1] if chain else seal
        chain += [
            root
            for root in load_certs_from_pemder([roots_path])
            if root.subject == top.issuer and root not in chain
        ]
    return signers.SimpleSigner(
        signing_cert=seal,
        signing_key=load_private_key_from_pemder(key_path, passphrase=None),
        cert_registry=SimpleCertificateStore.from_certs(chain),
    )


def _configured_seal_signer() -> signers.SimpleSigner:
    pki_dir = settings.PORTAL_PKI_DIR
    return seal_signer(
        Path(settings.PORTAL_SEAL_KEY),
        Path(settings.PORTAL_SEAL_CERT),
        Path(pki_dir) / "roots.pem" if pki_dir else None,
    )


def seal_pdf(pdf: bytes) -> bytes:
    """Seal ``pdf`` with the portal's seal: PAdES baseline B-B, SHA-256 (SPEC.md §8)."""
    sealed = signers.sign_pdf(
        IncrementalPdfFileWriter(BytesIO(pdf)),
        signers.PdfSignatureMetadata(
            field_name=SEAL_FIELD,
            subfilter=fields.SigSeedSubFilter.PADES,
            md_algorithm="sha256",
        ),
        signer=_configured_seal_signer(),
        bytes_reserved=16384,
    )
    return sealed.getvalue()


def sealed_order_form(order: Order, *, language: str = "nl") -> bytes:
    """The order form of manual §3.2, sealed (SPEC.md §8)."""
    return seal_pdf(order_form_pdf(order, language=language))
