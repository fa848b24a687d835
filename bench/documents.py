"""Sealed order documents: render and seal time per document (SPEC.md §8).

Each measurement against a baseline in the same run:

- PDF render: the order form through our static-only fetcher, with the font
  configuration and parsed stylesheet kept per process, vs. WeasyPrint
  rendering the same HTML and stylesheet from disk with its defaults.
- Render + seal of an order form (issue 15: at most 100 ms) vs. that bare render.
- PDF seal: ``sealing.pdf.seal_pdf`` (key loaded once per process) vs. the
  textbook pyHanko way, ``SimpleSigner.load`` from the key files per document.
- XML signature: ``sealing.xml.sign_xml`` vs. signxml reading the key file
  per document.
- All documents of one order (render, seal, XML, database row) vs. the sum
  of the bare render and textbook seal.
"""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO
from pathlib import Path


def measurements(
    pki: Path, timed: Callable[[Callable[[], object], int], float]
) -> list[tuple[str, float, float]]:
    from cryptography.hazmat.primitives.serialization import load_pem_private_key
    from django.conf import settings
    from django.contrib.staticfiles import finders
    from django.template.loader import render_to_string
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from signxml import XMLSigner
    from weasyprint import CSS, HTML

    from orders import documents
    from orders.models import OrderDocuments
    from orders.order_xml import order_xml
    from sealing.pdf import SEAL_FIELD, html_to_pdf, seal_pdf
    from sealing.xml import sign_xml
    from tests.orders.placing import place_order

    order = place_order()
    html = render_to_string("orders/documents/order_form.html", {"order": order})
    pdf = html_to_pdf(html)
    unsigned_xml = order_xml(order)

    # SimpleSigner.load wants the leaf alone in its file.
    seal_pem, chain_pem = (pki / "seal.crt").read_text().split("-----END CERTIFICATE-----\n", 1)
    (pki / "bench-seal-leaf.crt").write_text(seal_pem + "-----END CERTIFICATE-----\n")
    (pki / "bench-seal-chain.crt").write_text(chain_pem)

    def textbook_seal() -> bytes:
        signer = signers.SimpleSigner.load(
            str(pki / "seal.key"),
            str(pki / "bench-seal-leaf.crt"),
            ca_chain_files=(str(pki / "bench-seal-chain.crt"),),
        )

        return signers.sign_pdf(
            IncrementalPdfFileWriter(BytesIO(pdf)),
            signers.PdfSignatureMetadata(
                field_name=SEAL_FIELD, subfilter=fields.SigSeedSubFilter.PADES
            ),
            signer=signer,
        ).getvalue()

    def textbook_xml() -> bytes:
        from lxml import etree

        key = load_pem_private_key((pki / "seal.key").read_bytes(), password=None)
        return etree.tostring(
            XMLSigner().sign(
                etree.fromstring(unsigned_xml), key=key, cert=(pki / "seal.crt").read_text()
            )
        )

    def all_documents() -> None:
        OrderDocuments.objects.filter(order=order).delete()
        documents.documents_create(order.pk)

    # The baseline loads the same image, straight from disk.
    static = Path(finders.find("favicon.svg")).parent
    plain_html = html.replace(f'src="{settings.STATIC_URL}', f'src="{static.as_uri()}/')
    stylesheet = finders.find("css/document.css")
    render_base = timed(
        lambda: HTML(string=plain_html).write_pdf(stylesheets=[CSS(filename=stylesheet)]), 5
    )
    seal_base = timed(textbook_seal, 5)
    return [
        ("PDF render", render_base, timed(lambda: documents.order_form_pdf(order), 5)),
        ("PDF render + seal", render_base, timed(lambda: documents.sealed_order_form(order), 5)),
        ("PDF seal", seal_base, timed(lambda: seal_pdf(pdf), 5)),
        ("XML signature", timed(textbook_xml, 5), timed(lambda: sign_xml(unsigned_xml), 5)),
        ("all documents of an order", render_base + seal_base, timed(all_documents, 5)),
    ]
