"""Keeping issuance profiles (issue 12): what the CA puts into a product's certificates.

A profile is data the back office edits. A change alters every certificate its
products issue from then on, so each save is in the audit log with the fields
before and after and how many certificates the profile had issued until then.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from audit.models import Action
from audit.services import audit_record
from certificates.models import Certificate, IssuanceProfile

FIELDS = tuple(
    field.name
    for field in IssuanceProfile._meta.get_fields()
    if getattr(field, "concrete", False) and not getattr(field, "primary_key", False)
)


def issuance_profile_save(*, profile: IssuanceProfile, by: Any) -> bool:
    """Save ``profile`` (new or changed) for back-office user ``by`` and audit it.

    Returns whether anything was written; an unchanged profile writes nothing.
    """
    with transaction.atomic():
        before = (
            IssuanceProfile.objects.select_for_update().filter(pk=profile.pk).first()
            if profile.pk is not None
            else None
        )
        if before is None:
            changed = list(FIELDS)
        else:
            changed = [f for f in FIELDS if getattr(before, f) != getattr(profile, f)]
            if not changed:
                return False
        profile.save()
        audit_record(
            action=Action.PROFILE_ADDED if before is None else Action.PROFILE_CHANGED,
            obj=profile,
            label=f"{profile.name} ({profile.code})",
            actor=by,
            details={
                "before": {f: getattr(before, f) for f in changed} if before else {},
                "after": {f: getattr(profile, f) for f in changed},
                "certificates_issued": Certificate.objects.filter(product__profile=profile).count(),
            },
        )
    return True
