"""The certificate a person logged in with, as submitted forms record it."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest

from certificates.x509_fields import oneline_dn, serial_hex


@dataclass(frozen=True)
class LoginCertificateData:
    """What the sealed order and change forms print under "Ingediend door: Certified by"."""

    issuer: str = ""
    serial: str = ""


def login_certificate_data(request: HttpRequest) -> LoginCertificateData:
    """Issuer DN and serial of the certificate the person logged in with."""
    certificate = getattr(request, "client_certificate", None)
    if certificate is None:
        return LoginCertificateData()
    return LoginCertificateData(
        issuer=oneline_dn(certificate.issuer), serial=serial_hex(certificate)
    )
