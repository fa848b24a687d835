"""Task plumbing every app's Celery tasks share (SPEC.md §7, STYLE.md 7).

Tasks take ids, are idempotent, acknowledge only when done (``acks_late``)
and are handed back to the broker when a worker dies mid-task
(``reject_on_worker_lost``); a sweeper re-queues whatever the database says
is unfinished.
"""

from __future__ import annotations

import logging

logger = logging.getLogger("portal.tasks")

# Retried with exponential backoff (1 s, 2 s, 4 s … at most 10 minutes);
# after that the sweeper tries again.
RETRY = {
    "autoretry_for": (Exception,),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 8,
    "acks_late": True,
    "reject_on_worker_lost": True,
}
# At most this many rows per kind per sweep.
SWEEP_BATCH = 200


def queue_task(task, row_id: int) -> bool:  # noqa: ANN001
    """Hand a task to the broker; never fails the caller (the row is already committed)."""
    try:
        task.delay(row_id)
    except Exception:
        # Redis down, or (eager mode) the task itself failed: the row still
        # says what is missing, and a sweeper queues it again.
        logger.exception("Could not queue %s for row %s", task.name, row_id)
        return False
    return True
