"""A model field that stores a certificate as DER and hands back a lazy wrapper.

Modelled on django-ca's ``CertificateField``: the database holds the exact
bytes, code gets ``.der``, ``.pem`` and ``.loaded`` (a ``cryptography``
object) without parsing on every row read.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class LazyCertificate:
    """DER bytes of a certificate, parsed on first use."""

    __slots__ = ("der", "__dict__")

    def __init__(self, value: bytes | x509.Certificate) -> None:
        if isinstance(value, x509.Certificate):
            self.der = value.public_bytes(Encoding.DER)
            self.__dict__["loaded"] = value
        else:
            self.der = bytes(value)

    @cached_property
    def loaded(self) -> x509.Certificate:
        return x509.load_der_x509_certificate(self.der)

    @property
    def pem(self) -> str:
        return self.loaded.public_bytes(Encoding.PEM).decode("ascii")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LazyCertificate) and other.der == self.der

    def __hash__(self) -> int:
        return hash(self.der)

    def __repr__(self) -> str:
        return f"<LazyCertificate {len(self.der)} bytes>"


class CertificateField(models.BinaryField):
    """Stores DER; accepts DER bytes, a ``cryptography`` certificate or a LazyCertificate."""

    description = _("X.509-certificaat (DER)")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> LazyCertificate | None:
        if value is None:
            return None
        return LazyCertificate(bytes(value))

    def to_python(self, value: Any) -> LazyCertificate | None:
        if value is None or isinstance(value, LazyCertificate):
            return value
        if isinstance(value, x509.Certificate):
            return LazyCertificate(value)
        wrapped = LazyCertificate(bytes(value))
        try:
            wrapped.loaded  # noqa: B018  (parse now: reject garbage at the edge)
        except ValueError:
            raise ValidationError(_("Dit is geen geldig DER-gecodeerd certificaat.")) from None
        return wrapped

    def get_prep_value(self, value: Any) -> Any:
        value = self.to_python(value)
        if value is None:
            return None
        return super().get_prep_value(value.der)

    def value_to_string(self, obj: models.Model) -> str:
        value = self.value_from_object(obj)
        return value.pem if value is not None else ""
