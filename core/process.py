"""Per-process tuning of a long-running portal process (gunicorn and Celery workers)."""

from __future__ import annotations

import gc


def freeze_startup_objects() -> None:
    """Put everything the process has loaded by now (modules, settings, URL patterns, the
    apps) out of the cyclic garbage collector's sight, after one full collection.

    A full collection walks every tracked object. WeasyPrint allocates enough to set one
    off about once in ten order forms, and each walked the whole of Django and WeasyPrint:
    some 80 ms on this machine, which was the p95 of render + seal (issue 15). Frozen
    objects are still freed by reference counting; only cycles among them stay. Called
    once, after start-up: by gunicorn's ``post_worker_init`` (deploy/gunicorn) and by
    Celery's ``worker_process_init`` (portal/celery.py).
    """
    gc.collect()
    gc.freeze()
