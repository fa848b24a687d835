"""gunicorn's and Celery's workers put what they loaded at start-up out of the garbage
collector's sight (core/process.py, issue 15): full collections walked it all."""

from __future__ import annotations

import gc
import runpy
from collections.abc import Iterator
from pathlib import Path

import pytest
from celery.signals import worker_process_init

import portal.celery  # noqa: F401  (connects the signal handler, as the worker does)

GUNICORN_CONF = Path(__file__).resolve().parents[2] / "deploy/gunicorn/gunicorn.conf.py"


@pytest.fixture(autouse=True)
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    yield
    gc.unfreeze()


def test_a_gunicorn_worker_freezes_what_it_loaded() -> None:
    hooks = runpy.run_path(str(GUNICORN_CONF))
    hooks["post_worker_init"](object())
    assert gc.get_freeze_count() > 1000


def test_a_celery_pool_process_freezes_what_it_loaded() -> None:
    worker_process_init.send(sender=None)
    assert gc.get_freeze_count() > 1000
