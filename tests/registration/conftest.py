"""Fixtures for the change form: uploads in a temporary directory, ID copies, the officer."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from weasyprint import HTML

from organisations.models import Person
from tests.conftest import back_office_login


@pytest.fixture(autouse=True)
def upload_dir(tmp_path: Path) -> Path:
    """ID copies go to this test's own directory."""
    directory = tmp_path / "uploads"
    before = settings.PORTAL_UPLOAD_DIR
    settings.PORTAL_UPLOAD_DIR = directory
    yield directory
    settings.PORTAL_UPLOAD_DIR = before


def stored_id_documents(upload_dir: Path) -> list[Path]:
    directory = upload_dir / "id"
    return sorted(directory.iterdir()) if directory.exists() else []


def png_upload(name: str = "paspoort.png") -> SimpleUploadedFile:
    out = BytesIO()
    Image.new("RGB", (320, 200), (200, 210, 220)).save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def pdf_upload(name: str = "identiteitskaart.pdf") -> SimpleUploadedFile:
    data = HTML(string="<p>Identiteitskaart</p>").write_pdf()
    return SimpleUploadedFile(name, data, content_type="application/pdf")


@pytest.fixture
def joost(db) -> Person:  # noqa: ANN001
    return Person.objects.get(email="joost@voorbeeld.nl")


@pytest.fixture
def herman(db) -> Person:  # noqa: ANN001
    return Person.objects.get(email="herman@voorbeeld.nl")


@pytest.fixture
def officer_client(db, pki_dir):  # noqa: ANN001, ANN201
    """A second test client logged in to the admin as the demo validation officer."""
    from django.test import Client

    from tests.conftest import forwarded_by_nginx

    client = Client(**forwarded_by_nginx())
    back_office_login(client, pki_dir, get_user_model().objects.get(username="validatie"))
    return client
