"""What a person may do with one certificate now (issue 12, point 4): one function.

``certificate_actions`` combines the authorisation matrix
(``organisations.authorisation``, manual §7.2) with the certificate's state:
valid, expired or revoked, an open revocation request, a renewal the back
office is already handling. Views, templates (``actions.renew``), the renewal
wizard and the services ask it; nothing else decides. Seeing a certificate
of one's own organisation needs no role (SPEC.md §1); another organisation's
certificate is not found at all (the selectors give a 404 before this runs).

It lives here, not in ``orders``, because the revocation service below
``orders`` asks it too; the renewals it looks at are read through the
certificate's reverse relation, so ``certificates`` imports nothing above it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext_lazy as _

from certificates.models import Certificate, RevocationRequest, Status
from organisations.authorisation import Action, refusal
from organisations.models import Person

VIEW = "view"
DOWNLOAD = "download"
RENEW = "renew"
REVOKE = "revoke"
ACTIONS = (VIEW, DOWNLOAD, RENEW, REVOKE)

NOT_YOURS = _("Dit certificaat hoort niet bij uw organisatie.")
REVOKED_NOT_RENEWED = _("Een ingetrokken certificaat kan niet worden verlengd.")
RENEWAL_IN_PROGRESS = _(
    "De afdeling validatie behandelt al een verlenging van dit certificaat; u kunt het niet "
    "opnieuw verlengen tot die is afgerond."
)
ONLY_VALID_REVOKED = _("Alleen een geldig certificaat kan worden ingetrokken.")
REVOCATION_PENDING = _("Voor dit certificaat is al een intrekking aangevraagd.")

# Renewal states in which a new renewal can no longer replace the open one: the
# back office took it (orders.services.order_place cancels only a placed one).
_RENEWAL_TAKEN = ("in_validation", "approved")


@dataclass(frozen=True)
class CertificateActions:
    """What one person may do with one certificate now, and why not (Dutch) where not.

    Templates test ``actions.renew`` and show ``actions.refusals.renew``. A refusal by
    the authorisation matrix (``by_role``) is a 403 in a view; one by the
    certificate's state is explained on the certificate's page.
    """

    refusals: dict[str, str] = field(default_factory=dict)
    by_role: frozenset[str] = frozenset()

    def allows(self, action: str) -> bool:
        return action not in self.refusals

    def refused_by_role(self, action: str) -> bool:
        return action in self.by_role

    @property
    def view(self) -> bool:
        return self.allows(VIEW)

    @property
    def download(self) -> bool:
        return self.allows(DOWNLOAD)

    @property
    def renew(self) -> bool:
        return self.allows(RENEW)

    @property
    def revoke(self) -> bool:
        return self.allows(REVOKE)


def certificate_actions(
    person: Person | None, certificate: Certificate, *, now: datetime | None = None
) -> CertificateActions:
    """What ``person`` may do with ``certificate`` at ``now`` (default: this moment).

    - view, download: any active person of the certificate's organisation, in any state
      (manual §3.1: an expired or revoked certificate can still be downloaded);
    - renew (Verlengen, manual §3.2): the matrix's ``RENEW`` (so not after the
      subscription was cancelled), not revoked, and no renewal the back office is
      already handling. A renewal only placed may be replaced after a warning;
    - revoke (Intrekken, manual §3.1): the matrix's ``REVOKE``, valid, and no open
      revocation request.
    """
    if person is None or not person.is_active or person.subscriber_id != certificate.subscriber_id:
        return CertificateActions(
            {action: str(NOT_YOURS) for action in ACTIONS}, frozenset(ACTIONS)
        )
    status = certificate.status if now is None else certificate.status_at(now)
    refusals: dict[str, str] = {}
    by_role: set[str] = set()

    if (reason := refusal(person, Action.RENEW)) is not None:
        refusals[RENEW] = str(reason)
        by_role.add(RENEW)
    elif status == Status.REVOKED:
        refusals[RENEW] = str(REVOKED_NOT_RENEWED)
    elif certificate.renewals.filter(state__in=_RENEWAL_TAKEN).exists():
        refusals[RENEW] = str(RENEWAL_IN_PROGRESS)

    if (reason := refusal(person, Action.REVOKE)) is not None:
        refusals[REVOKE] = str(reason)
        by_role.add(REVOKE)
    elif status != Status.VALID:
        refusals[REVOKE] = str(ONLY_VALID_REVOKED)
    elif certificate.revocation_requests.filter(state=RevocationRequest.State.OPEN).exists():
        refusals[REVOKE] = str(REVOCATION_PENDING)
    return CertificateActions(refusals, frozenset(by_role))
