"""A replacement campaign over the demo data's G3 server certificates, for tests."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from certificates.campaigns import campaign_create
from certificates.models import IssuingCA, Product, ReplacementCampaign

G3_SERVICES_CA = "Demo Organisatie Services CA - G3"


def g3_campaign(**overrides: object) -> ReplacementCampaign:
    """Leaving the demo G3 services CA for PKIoverheid PRIVATE (G1), deadline in 60 days;
    ``overrides`` replace any of ``campaign_create``'s arguments."""
    fields: dict[str, object] = {
        "name": "G3 → Private G1",
        "leaving_cas": IssuingCA.objects.filter(name=G3_SERVICES_CA),
        "target_product": Product.objects.get(code="pkio-private"),
        "deadline": timezone.localdate() + dt.timedelta(days=60),
        "message": "Vervang uw G3-certificaten door Private G1-certificaten.",
    }
    fields.update(overrides)
    return campaign_create(**fields)  # type: ignore[arg-type]
