"""PDF documents: rendering with WeasyPrint and the PAdES seal (SPEC.md §8).

Rendering goes through ``DocumentFetcher``: a document holds text users
typed, and even markup getting past auto-escaping must not read local files,
reach the network or embed attachments. The seal is a PAdES baseline B-B
signature made with pyHanko using the key ``sealing.seal`` loaded once.

What does not change between documents is made once per thread (a worker
process has one) and reused: WeasyPrint's font configuration (Fontconfig and
Pango's font map with its loaded fonts) and the parsed print stylesheet
``static/css/document.css``, re-read only when the file changes. Together
with ``table-layout: fixed`` in that stylesheet this keeps render + seal of
an order form under 100 ms (issue 15).
"""

from __future__ import annotations

import mimetypes
import threading
from functools import lru_cache
from io import BytesIO
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.asymmetric.ec import ECDSA, EllipticCurvePrivateKey
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.general import get_pyca_cryptography_hash
from pyhanko_certvalidator.registry import SimpleCertificateStore
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from sealing.seal import Seal, load_seal, seal_paths

# Relative URLs in a document resolve here; ".invalid" (RFC 2606) never
# resolves on a network, so even a fetch that slipped past DocumentFetcher
# goes nowhere.
DOCUMENT_BASE_URL = "https://documents.invalid/"
SEAL_FIELD = "Verzegeling"
# The print stylesheet of every sealed document, a static file.
DOCUMENT_STYLESHEET = "css/document.css"


class FetchRefused(ValueError):
    """A URL a document may not load; WeasyPrint treats it as a failed fetch."""


class DocumentFetcher(URLFetcher):
    """Serves our own static files and refuses every other URL.

    Only ``DOCUMENT_BASE_URL`` + ``STATIC_URL`` paths, answered from the
    static files on disk: no ``file://``, no ``http(s)://``, no cloud metadata.
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


class _RenderCache(threading.local):
    """What every document shares, per thread: Pango's font map is not thread-safe."""

    font_config: FontConfiguration | None = None
    stylesheet: tuple[tuple[Path, int], CSS] | None = None


_render_cache = _RenderCache()


def font_config() -> FontConfiguration:
    """WeasyPrint's font configuration, made once per thread and kept.

    A new one per document costs Fontconfig set-up and loading every font again.
    """
    if _render_cache.font_config is None:
        _render_cache.font_config = FontConfiguration()
    return _render_cache.font_config


def _stylesheet_url() -> str:
    return f"{DOCUMENT_BASE_URL}{settings.STATIC_URL.lstrip('/')}{DOCUMENT_STYLESHEET}"


def document_stylesheet() -> CSS:
    """``static/css/document.css`` parsed, once per thread and again only when the file changes.

    Loaded through ``DocumentFetcher`` like anything a document refers to.
    """
    url = _stylesheet_url()
    path = _static_file(url)
    key = (path, path.stat().st_mtime_ns)
    cached = _render_cache.stylesheet
    if cached is None or cached[0] != key:
        css = CSS(url=url, url_fetcher=DocumentFetcher(), font_config=font_config())
        _render_cache.stylesheet = cached = (key, css)
    return cached[1]


def clear_render_cache() -> None:
    """Forget this thread's font configuration and stylesheet (tests)."""
    _render_cache.font_config = None
    _render_cache.stylesheet = None


def html_to_pdf(html: str) -> bytes:
    """Render ``html`` (a rendered template) to PDF through ``DocumentFetcher``; no attachments.

    The template brings no stylesheet of its own: ``document_stylesheet()`` styles it.
    """
    stylesheet = document_stylesheet()
    document = HTML(string=html, base_url=DOCUMENT_BASE_URL, url_fetcher=DocumentFetcher()).render(
        stylesheets=[stylesheet], font_config=font_config()
    )
    # A sealed document carries no files: drop <link rel=attachment> before they are fetched.
    document.metadata.attachments = []
    return document.write_pdf(attachments=[])


class SealSigner(signers.SimpleSigner):
    """pyHanko's SimpleSigner signing with an already loaded key.

    SimpleSigner parses its DER key again for every signature (about 35 ms
    for RSA 3072); the seal key is loaded once per process (SPEC.md §8).
    """

    def __init__(self, seal: Seal) -> None:
        key_der = seal.key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())
        super().__init__(
            signing_cert=_asn1_certificate(seal.certificate),
            signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
            cert_registry=SimpleCertificateStore.from_certs(
                [_asn1_certificate(ca) for ca in seal.chain]
            ),
        )
        self._key = seal.key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        algorithm = mechanism.signature_algo  # "sha256_rsa" -> "rsassa_pkcs1v15"
        hash_algorithm = get_pyca_cryptography_hash(digest_algorithm)
        if algorithm == "rsassa_pkcs1v15" and isinstance(self._key, RSAPrivateKey):
            return self._key.sign(data, PKCS1v15(), hash_algorithm)
        if algorithm == "ecdsa" and isinstance(self._key, EllipticCurvePrivateKey):
            return self._key.sign(data, ECDSA(hash_algorithm))
        return super().sign_raw(data, digest_algorithm)


def _asn1_certificate(certificate) -> asn1_x509.Certificate:  # noqa: ANN001
    return asn1_x509.Certificate.load(certificate.public_bytes(Encoding.DER))


@lru_cache(maxsize=4)
def _signer(key_path: Path, cert_path: Path, roots_path: Path | None) -> SealSigner:
    return SealSigner(load_seal(key_path, cert_path, roots_path))


def seal_signer() -> SealSigner:
    """The pyHanko signer for the configured seal, made once per process."""
    return _signer(*seal_paths())


def seal_pdf(pdf: bytes) -> bytes:
    """Seal ``pdf`` with the portal's seal: PAdES baseline B-B, SHA-256 (SPEC.md §8)."""
    sealed = signers.sign_pdf(
        IncrementalPdfFileWriter(BytesIO(pdf)),
        signers.PdfSignatureMetadata(
            field_name=SEAL_FIELD,
            subfilter=fields.SigSeedSubFilter.PADES,
            md_algorithm="sha256",
        ),
        signer=seal_signer(),
        bytes_reserved=16384,
    )
    return sealed.getvalue()
