"""E-mail about a revocation decision: to the contact person who asked and the
certificate manager (issue 5)."""

from __future__ import annotations

from django.core.mail import EmailMessage
from django.template.loader import render_to_string

from certificates.models import RevocationRequest
from core.mail import send_once, stable_message_id


def revocation_notice_send(request_id: int) -> bool:
    def build(request: RevocationRequest) -> EmailMessage | None:
        if request.state == RevocationRequest.State.OPEN:
            return None
        certificate = request.certificate
        requester, manager = request.requested_by, certificate.certificate_manager
        recipients = [requester.email]
        if manager is not None and manager.email and manager.email not in recipients:
            recipients.append(manager.email)
        context = {"request": request, "certificate": certificate}
        subject = render_to_string("certificates/email/revocation_subject.txt", context)
        return EmailMessage(
            subject=" ".join(subject.split()),
            body=render_to_string("certificates/email/revocation.txt", context),
            to=recipients,
            headers={"Message-ID": stable_message_id(f"intrekking-{request.pk}.{request.state}")},
        )

    return send_once(RevocationRequest, request_id, "notified_at", build)
