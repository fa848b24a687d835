"""The Celery app. Without REDIS_URL tasks run eagerly (embedded default)."""

import os

from celery import Celery
from celery.signals import worker_process_init

from core.process import freeze_startup_objects

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def _freeze_startup_objects(**kwargs: object) -> None:
    """Each pool process, once started: no full garbage collection walks what the worker
    loaded (core/process.py)."""
    freeze_startup_objects()
