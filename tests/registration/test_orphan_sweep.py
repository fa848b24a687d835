"""ID copies of abandoned wizards are deleted; those a change request names are kept."""

from __future__ import annotations

import os
import time

import pytest

from registration.id_documents import check_id_document, store_id_document
from registration.tasks import ORPHAN_AGE_SECONDS, id_documents_sweep
from tests.registration.conftest import png_upload
from tests.registration.submitting import new_contact, submit_change

pytestmark = pytest.mark.django_db


def _age(directory, name: str, seconds: float) -> None:  # noqa: ANN001
    then = time.time() - seconds
    os.utime(directory / "id" / name, (then, then))


def test_only_old_copies_no_change_request_names_are_deleted(upload_dir):
    contact = new_contact()
    submit_change({"contacts": {"persons": [contact]}}, by="joost")
    kept = contact["id_document"]["stored_name"]
    abandoned = store_id_document(check_id_document(png_upload()))
    fresh = store_id_document(check_id_document(png_upload()))
    _age(upload_dir, kept, ORPHAN_AGE_SECONDS + 60)
    _age(upload_dir, abandoned, ORPHAN_AGE_SECONDS + 60)

    assert id_documents_sweep() == 1

    assert sorted(p.name for p in (upload_dir / "id").iterdir()) == sorted([kept, fresh])
