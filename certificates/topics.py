"""The outbox topics of the certificates app (core.outbox; handlers in certificates.tasks)."""

REVOCATION_NOTICE = "certificates.revocation_notice"
CA_REVOKE = "certificates.ca_revoke"
EXPIRY_DIGEST = "certificates.expiry_digest"
CAMPAIGN_NOTICE = "certificates.campaign_notice"
