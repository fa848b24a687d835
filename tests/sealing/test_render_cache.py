"""What documents share between renders (issue 15): one font configuration and one parsed
print stylesheet per process (per thread), and documents that stay whole and separate."""

from __future__ import annotations

import os
import re
import threading
from io import BytesIO
from pathlib import Path

import pytest
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from orders import documents
from orders.models import Order
from registration import documents as change_documents
from sealing import pdf as sealing_pdf
from tests.orders.placing import place_order
from tests.pdf_text import pdf_text
from tests.registration.submitting import address_change, submit_change

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_process() -> None:
    sealing_pdf.clear_render_cache()


@pytest.fixture
def made(monkeypatch) -> dict[str, int]:  # noqa: ANN001
    """How many FontConfiguration and CSS objects sealing.pdf makes."""
    counts = {"font_config": 0, "stylesheet": 0}

    def counting(name: str, cls: type) -> type:
        class Counting(cls):  # type: ignore[misc, valid-type]
            def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
                counts[name] += 1
                super().__init__(*args, **kwargs)

        return Counting

    monkeypatch.setattr(
        sealing_pdf, "FontConfiguration", counting("font_config", sealing_pdf.FontConfiguration)
    )
    monkeypatch.setattr(sealing_pdf, "CSS", counting("stylesheet", sealing_pdf.CSS))
    return counts


def test_two_renders_share_one_font_configuration_and_one_stylesheet(made):
    order = place_order()
    documents.sealed_order_form(order)
    font_config, stylesheet = sealing_pdf.font_config(), sealing_pdf.document_stylesheet()
    documents.sealed_order_form(order)

    assert made == {"font_config": 1, "stylesheet": 1}
    assert sealing_pdf.font_config() is font_config
    assert sealing_pdf.document_stylesheet() is stylesheet


def test_the_change_form_uses_the_same_ones(made):
    documents.order_form_pdf(place_order())
    change_documents.change_form_pdf(submit_change(address_change()))

    assert made == {"font_config": 1, "stylesheet": 1}


def test_the_stylesheet_is_parsed_again_when_the_file_changes(made, monkeypatch, tmp_path):
    css = tmp_path / "document.css"
    css.write_text("body { color: #111; }")
    static_file = sealing_pdf._static_file
    monkeypatch.setattr(
        sealing_pdf,
        "_static_file",
        lambda url: css if url.endswith(sealing_pdf.DOCUMENT_STYLESHEET) else static_file(url),
    )
    first = sealing_pdf.document_stylesheet()
    assert sealing_pdf.document_stylesheet() is first

    css.write_text("body { color: #222; }")
    os.utime(css, ns=(css.stat().st_atime_ns, css.stat().st_mtime_ns + 1_000_000_000))

    assert sealing_pdf.document_stylesheet() is not first
    assert made == {"font_config": 1, "stylesheet": 2}


def test_each_thread_has_its_own_font_configuration():
    """Pango's font map is not thread-safe: a threaded server must not share it."""
    here = sealing_pdf.font_config()
    there = []
    thread = threading.Thread(target=lambda: there.append(sealing_pdf.font_config()))
    thread.start()
    thread.join()

    assert there[0] is not here
    assert sealing_pdf.font_config() is here


def _validated(pdf: bytes, pki_dir: Path) -> None:
    root = load_cert_from_pemder(pki_dir / "ca" / "g3-root.crt")
    (signature,) = PdfFileReader(BytesIO(pdf)).embedded_signatures
    status = validate_pdf_signature(
        signature, ValidationContext(trust_roots=[root], allow_fetching=False)
    )
    assert status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE


def _text(pdf: bytes, tmp_path: Path) -> str:
    return pdf_text(pdf, layout=True)


def _neutral(text: str, order: Order, cn: str) -> str:
    """The text with what belongs to this one order replaced by placeholders."""
    text = text.replace(order.reference, "<reference>").replace(cn, "<cn>")
    return re.sub(r"\d\d:\d\d:\d\d", "<time>", text)


def test_two_forms_made_one_after_the_other_are_whole_and_differ_only_in_their_order(
    pki_dir, tmp_path
):
    first_order = place_order(cn="a.voorbeeld.nl")
    second_order = place_order(cn="b.voorbeeld.nl")
    assert len(first_order.reference) == len(second_order.reference)

    first = documents.sealed_order_form(first_order)
    second = documents.sealed_order_form(second_order)
    first_again = documents.sealed_order_form(first_order)

    for pdf in (first, second, first_again):
        _validated(pdf, pki_dir)
    first_text = _text(first, tmp_path)
    second_text = _text(second, tmp_path)
    assert first_order.reference in first_text and "a.voorbeeld.nl" in first_text
    assert second_order.reference not in first_text and "b.voorbeeld.nl" not in first_text
    assert second_order.reference in second_text and "b.voorbeeld.nl" in second_text
    assert first_order.reference not in second_text and "a.voorbeeld.nl" not in second_text
    # Nothing of one document stays behind in the next: same layout, same text.
    assert _neutral(first_text, first_order, "a.voorbeeld.nl") == _neutral(
        second_text, second_order, "b.voorbeeld.nl"
    )
    assert _text(first_again, tmp_path) == first_text
