"""What the built-in CA publishes, public as RFC 5280 wants it.

``/crl/<slug>.crl``: the CA's CRL (the CRL distribution point of every
certificate it issued); ``/crl/<slug>.crt``: the CA certificate (their
authorityInfoAccess caIssuers). No login: relying parties (servers checking
a client, browsers, OpenSSL) fetch these anonymously.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.serialization import Encoding
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from certificates.ca import CAUnavailable, ca_backend

# Each CRL is signed fresh; a cache may keep one for five minutes.
MAX_AGE = 300


def _public(body: bytes, content_type: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Cache-Control"] = f"public, max-age={MAX_AGE}"
    return response


@require_GET
def crl(request: HttpRequest, slug: str) -> HttpResponse:
    backend = ca_backend()
    try:
        der = backend.crl(backend.ca_certificate(slug))
    except CAUnavailable:
        raise Http404("No such CA") from None
    return _public(der, "application/pkix-crl")


@require_GET
def ca_certificate(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        certificate = ca_backend().ca_certificate(slug)
    except CAUnavailable:
        raise Http404("No such CA") from None
    return _public(certificate.public_bytes(Encoding.DER), "application/pkix-cert")
