"""When a certificate should be renewed (issue 14, point 1): one function.

``renewal_window`` is what the dashboard on Home, the lists and (later) the expiry
reminders and an ACME renewal-information endpoint (RFC 9773) ask;
``CertificateQuerySet.in_renewal_window`` is its counterpart for lists and counts
and follows the same rules (tests/certificates/test_renewal.py checks they agree):

- never: the certificate is revoked, or it has a successor (a renewal order of it
  in state issued, read through the reverse relation ``certificate.renewals`` so
  ``certificates`` imports nothing from ``orders``). An open renewal is no successor;
- now: an active replacement campaign covers it (``certificates.campaigns``);
- open: from ``renewal_window_days`` of its product (90 without one, a card's
  certificates) before its expiry on, also once it has expired;
- not yet: before that.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from certificates.campaigns import campaign_for
from certificates.models import DEFAULT_RENEWAL_WINDOW_DAYS, RENEWAL_ISSUED, Certificate


class RenewalState(models.TextChoices):
    NEVER = "never", _("Niet meer")
    NOT_YET = "not_yet", _("Nog niet")
    OPEN = "open", _("Verlengen")
    NOW = "now", _("Nu vervangen")


@dataclass(frozen=True)
class RenewalWindow:
    """A certificate's renewal window: its state at ``now`` and when it opens
    (``None`` for never)."""

    state: RenewalState
    opens_at: datetime | None
    # The deadline of the replacement campaign covering it (state now), else None.
    replace_before: date | None = None

    @property
    def due(self) -> bool:
        """Whether the certificate should be renewed now (open or now)."""
        return self.state in (RenewalState.OPEN, RenewalState.NOW)


def renewal_window_days(certificate: Certificate) -> int:
    if certificate.product is not None:
        return certificate.product.renewal_window_days
    return DEFAULT_RENEWAL_WINDOW_DAYS


def campaign_deadline(certificate: Certificate, *, now: datetime) -> date | None:
    """The deadline of the replacement campaign covering ``certificate`` at ``now``
    ("Moet vervangen worden vóór …"), or ``None``."""
    campaign = campaign_for(certificate, now=now)
    return campaign.deadline if campaign is not None else None


def renewal_window(certificate: Certificate, *, now: datetime | None = None) -> RenewalWindow:
    """When ``certificate`` should be renewed, at ``now`` (default: this moment)."""
    now = now or timezone.now()
    if (
        certificate.revoked_at is not None
        or certificate.renewals.filter(state=RENEWAL_ISSUED).exists()
    ):
        return RenewalWindow(RenewalState.NEVER, None)
    opens_at = certificate.not_after - timedelta(days=renewal_window_days(certificate))
    if (deadline := campaign_deadline(certificate, now=now)) is not None:
        return RenewalWindow(RenewalState.NOW, min(opens_at, now), deadline)
    if now >= opens_at:
        return RenewalWindow(RenewalState.OPEN, opens_at)
    return RenewalWindow(RenewalState.NOT_YET, opens_at)
