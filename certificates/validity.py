"""How long a publicly trusted TLS certificate may be valid (CA/Browser Forum ballot SC-081v3)."""

from __future__ import annotations

from datetime import date

# Baseline Requirements §6.3.2 as amended by ballot SC-081v3: the maximum
# validity of a subscriber TLS certificate by the date it is issued.
_SCHEDULE = (
    (date(2029, 3, 15), 47),
    (date(2027, 3, 15), 100),
    (date(2026, 3, 15), 200),
)
_BEFORE_SCHEDULE = 398


def public_tls_max_validity(at: date) -> int:
    """The most days a publicly trusted TLS certificate issued on ``at`` may be valid.

    CA/Browser Forum ballot SC-081v3 (Baseline Requirements §6.3.2): 398 days
    before 15 March 2026, 200 days from 15 March 2026, 100 days from 15 March
    2027 and 47 days from 15 March 2029. The BRs count the validity period
    inclusively, to the second (§1.6.1 "Validity Period"): notAfter − notBefore
    + 1 second must not exceed this many days. ``at`` is the UTC date of
    issuance.
    """
    for start, days in _SCHEDULE:
        if at >= start:
            return days
    return _BEFORE_SCHEDULE
