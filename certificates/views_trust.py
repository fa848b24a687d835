"""“Welke certificaten moet ik vertrouwen?” (issue 14, point 5; the Logius seed, “Stap 1:
vertrouw ('trust') de nieuwe certificaten”): the CA chains a connected party must add to
its trusted CA list, each CA certificate and each whole chain as a PEM download."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from cryptography.hazmat.primitives.serialization import Encoding
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from certificates.campaigns import campaign_target_ca
from certificates.models import Certificate, IssuingCA, ReplacementCampaign
from core.access import person_required
from organisations.authorisation import PersonRequest
from organisations.models import Subscriber


@dataclass(frozen=True)
class ChainLink:
    """One CA certificate of a chain as the page shows it."""

    ca: IssuingCA
    fingerprint: str
    not_before: dt.datetime
    not_after: dt.datetime
    is_root: bool


@dataclass(frozen=True)
class TrustChain:
    """One CA and its chain up to the root (``IssuingCA.chain``), issuing CA first."""

    ca: IssuingCA
    links: list[ChainLink]
    campaigns: list[ReplacementCampaign]


def _link(ca: IssuingCA) -> ChainLink:
    loaded = ca.certificate.loaded
    return ChainLink(
        ca=ca,
        fingerprint=":".join(re.findall("..", ca.fingerprint.upper())),
        not_before=loaded.not_valid_before_utc,
        not_after=loaded.not_valid_after_utc,
        is_root=ca.parent_id is None,
    )


def _chain(ca: IssuingCA, campaigns: list[ReplacementCampaign] | None = None) -> TrustChain:
    return TrustChain(ca=ca, links=[_link(node) for node in ca.chain()], campaigns=campaigns or [])


def trust_chains_for(subscriber: Subscriber) -> tuple[list[TrustChain], list[TrustChain]]:
    """The chains of the active campaigns' target CAs (the new certificates), and the
    chains of the issuing CAs of the subscriber's valid certificates not shown already."""
    targets: dict[int, TrustChain] = {}
    campaigns = ReplacementCampaign.objects.filter(active=True).select_related(
        "target_product__profile"
    )
    for campaign in campaigns:
        ca = campaign_target_ca(campaign.target_product)
        if ca is None:
            continue
        if ca.pk in targets:
            targets[ca.pk].campaigns.append(campaign)
        else:
            targets[ca.pk] = _chain(ca, [campaign])
    current_ids = (
        Certificate.objects.valid()
        .filter(subscriber=subscriber)
        .exclude(issuing_ca__in=list(targets))
        .values_list("issuing_ca", flat=True)
        .distinct()
    )
    current = [
        _chain(ca)
        for ca in IssuingCA.objects.filter(pk__in=set(current_ids)).select_related("parent__parent")
    ]
    return list(targets.values()), current


@require_GET
@person_required
def trust_chains(request: PersonRequest) -> HttpResponse:
    new, current = trust_chains_for(request.person.subscriber)
    return render(request, "certificates/trust_chains.html", {"new": new, "current": current})


def _filename(ca: IssuingCA, suffix: str) -> str:
    base = re.sub(r"[^A-Za-z0-9.-]+", "_", ca.name).strip("._") or "ca"
    return f"{base}{suffix}"


def _pem_response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="application/x-pem-file")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _issuing_ca(pk: int) -> IssuingCA:
    ca = IssuingCA.objects.filter(pk=pk).first()
    if ca is None:
        raise Http404
    return ca


@require_GET
@person_required
def trust_ca_pem(request: PersonRequest, pk: int) -> HttpResponse:
    """One CA certificate as PEM (CA certificates are public)."""
    ca = _issuing_ca(pk)
    return _pem_response(ca.certificate.loaded.public_bytes(Encoding.PEM), _filename(ca, ".pem"))


@require_GET
@person_required
def trust_chain_pem(request: PersonRequest, pk: int) -> HttpResponse:
    """The CA and its parents up to the root in one PEM file, the CA first."""
    ca = _issuing_ca(pk)
    body = b"".join(node.certificate.loaded.public_bytes(Encoding.PEM) for node in ca.chain())
    return _pem_response(body, _filename(ca, "-keten.pem"))
