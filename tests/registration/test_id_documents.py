"""The copy of an ID document of a new contact person (manual §7.2, issue 6): decided by
content, images saved again, PDFs without active content, stored outside every URL."""

from __future__ import annotations

import re
import stat
import struct
import zlib
from io import BytesIO
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import (
    InMemoryUploadedFile,
    SimpleUploadedFile,
    TemporaryUploadedFile,
)
from django.urls import Resolver404, resolve
from PIL import Image, ImageFile, PngImagePlugin
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.writer import PdfFileWriter
from weasyprint import HTML, Attachment

from registration import id_documents
from registration.id_documents import (
    MAX_ID_DOCUMENT_BYTES,
    IdDocumentRejected,
    check_id_document,
    delete_id_document,
    open_id_document,
    store_id_document,
)
from tests.portal.test_settings import start

MB = 1024 * 1024
NOT_ALLOWED = "Dit bestand is geen PDF, JPEG, GIF of PNG."
MARKUP = "Dit bestand bevat HTML of script en wordt daarom niet aangenomen."
JAVASCRIPT = "Een PDF met JavaScript wordt niet aangenomen."
EMBEDDED = "Een PDF met bijgevoegde bestanden wordt niet aangenomen."
ACTION = (
    "Een PDF die een programma start, een ander bestand opent of formuliergegevens verstuurt"
    " wordt niet aangenomen."
)
UNREADABLE_PDF = "Deze PDF kan niet worden gelezen; het bestand is beschadigd of onvolledig."
UNREADABLE_IMAGE = "De afbeelding is beschadigd of onvolledig en kan niet worden gelezen."
POLYGLOT_HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"


@pytest.fixture(autouse=True)
def upload_dir(settings, tmp_path: Path) -> Path:
    settings.PORTAL_UPLOAD_DIR = tmp_path / "uploads"
    return settings.PORTAL_UPLOAD_DIR


def upload(data: bytes, name: str = "id.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/png")


def refusal(data: bytes, name: str = "id.png") -> str:
    with pytest.raises(IdDocumentRejected) as caught:
        check_id_document(upload(data, name))
    return str(caught.value)


def image_bytes(image: Image.Image, fmt: str, **options) -> bytes:
    out = BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def jpeg(**options) -> bytes:
    return image_bytes(Image.new("RGB", (40, 20), "red"), "JPEG", **options)


def png_claiming(width: int, height: int) -> bytes:
    """A 1×1 PNG whose header claims another size (IHDR patched, CRC recomputed)."""
    png = bytearray(image_bytes(Image.new("L", (1, 1)), "PNG"))
    png[16:24] = struct.pack(">II", width, height)  # IHDR data starts after length and type
    png[29:33] = struct.pack(">I", zlib.crc32(png[12:29]))
    return bytes(png)


def minimal_pdf(
    catalog: bytes = b"", page: bytes = b"", objects: tuple[bytes, ...] = (), unlisted: bytes = b""
) -> bytes:
    """A one-page PDF written by hand: 1 catalog, 2 pages, 3 page, 4… `objects`; `unlisted`
    is written before the cross-reference table without an entry in it."""
    bodies = [
        b"<< /Type /Catalog /Pages 2 0 R " + catalog + b" >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] " + page + b" >>",
        *objects,
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(bodies, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    out += unlisted
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(bodies) + 1,
        xref,
    )
    return bytes(out)


def weasyprint_pdf(**options) -> bytes:
    return HTML(string="<p>Kopie paspoort</p>").write_pdf(**options)


# --- Size and type -------------------------------------------------------------------


def test_an_empty_file_is_refused():
    assert refusal(b"") == "Het bestand is leeg."


class Unreadable(InMemoryUploadedFile):
    def read(self, *args, **kwargs):
        raise AssertionError("the upload was read")

    chunks = read


def test_a_file_over_10_mb_is_refused_by_its_size_without_being_read():
    big = Unreadable(BytesIO(), "id_document", "id.pdf", "application/pdf", 11 * MB, None)
    with pytest.raises(IdDocumentRejected, match=r"^Het bestand is groter dan 10 MB\.$"):
        check_id_document(big)


class Recording(InMemoryUploadedFile):
    requested: list[int]

    def read(self, size=-1):
        self.requested.append(size)
        return super().read(size)


def test_a_file_that_understates_its_size_is_read_no_further_than_the_limit():
    content = BytesIO(b"%PDF-1.7\n" + b"\0" * (11 * MB))
    lying = Recording(content, "id_document", "id.pdf", "application/pdf", 1000, None)
    lying.requested = []
    with pytest.raises(IdDocumentRejected, match="groter dan 10 MB"):
        check_id_document(lying)
    assert lying.requested == [MAX_ID_DOCUMENT_BYTES + 1]


def test_an_html_file_renamed_png_is_refused():
    assert refusal(b"<!DOCTYPE html><html><body>Paspoort</body></html>", "id.png") == NOT_ALLOWED


@pytest.mark.parametrize(
    "data",
    [
        b"BM" + b"\0" * 100,  # BMP
        b"II*\0" + b"\0" * 100,  # TIFF
        b"PK\x03\x04" + b"\0" * 100,  # ZIP, DOCX
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        b" %PDF-1.7",
    ],
    ids=["bmp", "tiff", "zip", "svg", "pdf-not-at-the-start"],
)
def test_other_formats_are_refused_whatever_their_name(data):
    assert refusal(data, "id.pdf") == NOT_ALLOWED


def test_the_browsers_content_type_and_name_do_not_count():
    checked = check_id_document(
        SimpleUploadedFile("scan.exe", weasyprint_pdf(), content_type="text/html")
    )
    assert (checked.content_type, checked.extension) == ("application/pdf", ".pdf")
    assert checked.original_name == "scan.exe"


# --- Images --------------------------------------------------------------------------


def test_a_valid_png_is_accepted_and_saved_again_without_its_text_chunks():
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "geheime notitie")
    data = image_bytes(Image.new("RGB", (30, 20), "blue"), "PNG", pnginfo=info)

    checked = check_id_document(upload(data, "paspoort.png"))

    assert (checked.content_type, checked.extension) == ("image/png", ".png")
    assert checked.original_name == "paspoort.png"
    assert b"geheime notitie" not in checked.content
    with Image.open(BytesIO(checked.content)) as stored:
        assert (stored.format, stored.size) == ("PNG", (30, 20))
        assert stored.getpixel((0, 0)) == (0, 0, 255)


def test_a_png_via_a_temporary_upload_file_is_accepted():
    data = image_bytes(Image.new("L", (10, 10), 128), "PNG")
    temporary = TemporaryUploadedFile("id.png", "image/png", len(data), None)
    temporary.write(data)
    temporary.seek(0)
    try:
        assert check_id_document(temporary).content_type == "image/png"
    finally:
        temporary.close()


def test_a_gif_is_accepted_as_png_with_its_transparency():
    image = Image.new("P", (12, 12), 1)
    image.putpalette([255, 255, 255, 0, 0, 0] + [0] * 762)
    image.paste(0, (0, 0, 6, 12))  # the left half transparent
    data = image_bytes(image, "GIF", transparency=0)

    checked = check_id_document(upload(data, "id.gif"))

    assert (checked.content_type, checked.extension) == ("image/png", ".png")
    with Image.open(BytesIO(checked.content)) as stored:
        assert stored.format == "PNG"
        assert stored.convert("RGBA").getpixel((0, 0))[3] == 0
        assert stored.convert("RGBA").getpixel((11, 0)) == (0, 0, 0, 255)


def test_a_jpeg_stays_jpeg_without_comment_or_exif_and_turned_upright():
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    exif[0x010F] = "Telefoonmerk"  # Make
    data = jpeg(exif=exif.tobytes(), comment=b"geheime notitie")

    checked = check_id_document(upload(data, "id.jpeg"))

    assert (checked.content_type, checked.extension) == ("image/jpeg", ".jpg")
    assert b"geheime notitie" not in checked.content
    assert b"Telefoonmerk" not in checked.content
    assert b"Exif" not in checked.content
    with Image.open(BytesIO(checked.content)) as stored:
        assert (stored.format, stored.size) == ("JPEG", (20, 40))


def test_a_cmyk_jpeg_is_saved_as_rgb():
    data = image_bytes(Image.new("CMYK", (10, 10), (0, 255, 255, 0)), "JPEG")
    with Image.open(BytesIO(check_id_document(upload(data)).content)) as stored:
        assert stored.mode == "RGB"


def test_a_jpeg_html_polyglot_is_refused():
    assert refusal(jpeg() + POLYGLOT_HTML, "id.jpg") == MARKUP


def test_a_jpeg_with_html_in_a_comment_segment_is_refused():
    assert refusal(jpeg(comment=POLYGLOT_HTML), "id.jpg") == MARKUP


def test_a_pdf_html_polyglot_is_refused():
    assert refusal(weasyprint_pdf() + POLYGLOT_HTML, "id.pdf") == MARKUP


def test_without_the_markup_check_the_stored_image_still_has_no_html(monkeypatch):
    monkeypatch.setattr(id_documents, "_MARKUP", re.compile(rb"(?!)"))
    for data in (jpeg() + POLYGLOT_HTML, jpeg(comment=POLYGLOT_HTML)):
        content = check_id_document(upload(data, "id.jpg")).content
        assert b"<script" not in content.lower()
        assert b"<html" not in content.lower()


def test_data_after_the_end_of_a_jpeg_is_dropped():
    # Phones append a video or maker data after the end marker; the photo is accepted.
    data = jpeg() + b"\0\0\0\x18ftypmp42MotionPhoto_Data"
    content = check_id_document(upload(data, "id.jpg")).content
    assert b"MotionPhoto_Data" not in content
    assert content.endswith(b"\xff\xd9")


def test_a_50000_by_50000_png_is_refused_without_decoding_it(monkeypatch):
    def no_decoding(self):
        raise AssertionError("the pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    assert refusal(png_claiming(50_000, 50_000)) == (
        "De afbeelding is te groot (meer dan 40 miljoen pixels). Maak een kleinere scan of foto."
    )


@pytest.mark.parametrize(
    ("width", "height"),
    [(8_000, 6_000), (10_000, 10_000)],
    ids=["under-pillows-limit", "between-pillows-warning-and-error"],
)
def test_an_image_over_the_pixel_limit_is_refused_by_its_declared_size(monkeypatch, width, height):
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: pytest.fail("decoded"))
    assert refusal(png_claiming(width, height)) == (
        f"De afbeelding is te groot ({width} × {height} pixels); het maximum is 40 miljoen"
        " pixels. Maak een kleinere scan of foto."
    )


def test_a_truncated_png_is_refused():
    noise = Image.frombytes("L", (64, 64), bytes(range(256)) * 16)
    data = image_bytes(noise, "PNG")
    assert refusal(data[: len(data) // 2]) == UNREADABLE_IMAGE


def test_a_truncated_jpeg_is_refused():
    data = jpeg()
    assert refusal(data[: len(data) // 2], "id.jpg") == UNREADABLE_IMAGE


def test_a_png_with_a_corrupt_chunk_is_refused():
    data = bytearray(image_bytes(Image.new("RGB", (8, 8)), "PNG"))
    data[-20] ^= 0xFF  # inside IDAT: its CRC no longer matches
    assert refusal(bytes(data)) == UNREADABLE_IMAGE


# --- PDFs ----------------------------------------------------------------------------


def test_a_valid_pdf_is_accepted_as_uploaded():
    data = weasyprint_pdf()
    checked = check_id_document(upload(data, "paspoort.pdf"))
    assert checked == id_documents.CheckedIdDocument(
        data, "application/pdf", ".pdf", "paspoort.pdf"
    )


@pytest.mark.parametrize(
    "data",
    [
        minimal_pdf(catalog=b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>"),
        minimal_pdf(
            catalog=b"/Names << /JavaScript << /Names [(a) 4 0 R] >> >>",
            objects=(b"<< /S /JavaScript /JS (app.alert(1)) >>",),
        ),
        minimal_pdf(
            page=b"/Annots [4 0 R]",
            objects=(
                b"<< /Type /Annot /Subtype /Widget /Rect [0 0 9 9]"
                b" /AA << /E << /S /JavaScript /JS 5 0 R >> >> >>",
                b"<< /Length 12 >>\nstream\napp.alert(1)\nendstream",
            ),
        ),
        # Escaped names: no "/JavaScript" in the bytes, the parser still sees it.
        minimal_pdf(catalog=b"/OpenAction << /S /J#61vaScript /J#53 (app.alert(1)) >>"),
        # An object the cross-reference table does not list: the byte scan sees it.
        minimal_pdf(unlisted=b"9 0 obj\n<< /S /JavaScript /JS (app.alert(1)) >>\nendobj\n"),
    ],
    ids=["open-action", "names-tree", "annotation-aa", "escaped-names", "unlisted-object"],
)
def test_a_pdf_with_javascript_is_refused(data):
    assert refusal(data, "id.pdf") == JAVASCRIPT


def test_a_pdf_with_javascript_in_a_compressed_object_stream_is_refused():
    writer = IncrementalPdfFileWriter(BytesIO(weasyprint_pdf()))
    action = generic.DictionaryObject(
        {
            generic.pdf_name("/S"): generic.pdf_name("/JavaScript"),
            generic.pdf_name("/JS"): generic.TextStringObject("app.alert(1)"),
        }
    )
    writer.root["/OpenAction"] = writer.add_object(
        action, obj_stream=writer.prepare_object_stream()
    )
    writer.update_root()
    out = BytesIO()
    writer.write(out)
    data = out.getvalue()
    assert b"/JS" not in data  # only the parser can find it

    assert refusal(data, "id.pdf") == JAVASCRIPT


@pytest.mark.parametrize(
    "data",
    [
        weasyprint_pdf(attachments=[Attachment(string="geheim", base_url=".")]),
        minimal_pdf(
            page=b"/Annots [<< /Type /Annot /Subtype /FileAttachment /Rect [0 0 9 9]"
            b" /FS << /Type /Filespec /F (x.exe) >> >>]"
        ),
    ],
    ids=["embedded-files-tree", "file-attachment-annotation"],
)
def test_a_pdf_with_an_embedded_file_is_refused(data):
    assert refusal(data, "id.pdf") == EMBEDDED


@pytest.mark.parametrize(
    "data",
    [
        minimal_pdf(catalog=b"/OpenAction << /S /Launch /F (cmd.exe) >>"),
        # An indirect, escaped action type.
        minimal_pdf(catalog=b"/OpenAction << /S 4 0 R /F (cmd.exe) >>", objects=(b"/L#61unch",)),
        minimal_pdf(catalog=b"/OpenAction << /S /GoToR /F (//host/share/x.pdf) >>"),
        minimal_pdf(catalog=b"/OpenAction << /S /SubmitForm /F (https://example.org/) >>"),
        minimal_pdf(catalog=b"/AcroForm << /Fields [] /XFA [] >>"),
    ],
    ids=["launch", "indirect-launch", "remote-goto", "submit-form", "xfa"],
)
def test_a_pdf_with_an_action_outside_the_document_is_refused(data):
    assert refusal(data, "id.pdf") == ACTION


def test_names_by_chance_in_binary_stream_data_do_not_count():
    data = minimal_pdf(objects=(b"<< /Length 7 >>\nstream\n\x9c/JS\x00\xff\x01\nendstream",))
    assert check_id_document(upload(data, "id.pdf")).content == data


def test_a_pdf_with_a_link_to_a_web_page_is_accepted():
    data = minimal_pdf(
        page=b"/Annots [<< /Type /Annot /Subtype /Link /Rect [0 0 9 9]"
        b" /A << /S /URI /URI (https://www.rijksoverheid.nl/) >> >>]"
    )
    assert check_id_document(upload(data, "id.pdf")).content == data


def test_an_encrypted_pdf_is_refused():
    writer = PdfFileWriter()
    writer.insert_page(
        generic.DictionaryObject(
            {
                generic.pdf_name("/Type"): generic.pdf_name("/Page"),
                generic.pdf_name("/MediaBox"): generic.ArrayObject(
                    map(generic.NumberObject, (0, 0, 200, 200))
                ),
            }
        )
    )
    writer.encrypt("eigenaar", "gebruiker")
    out = BytesIO()
    writer.write(out)
    assert refusal(out.getvalue(), "id.pdf") == (
        "Een beveiligde (versleutelde) PDF wordt niet aangenomen. Sla het bestand op zonder"
        " wachtwoord of beveiliging."
    )


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.7\n" + b"geen pdf " * 20, weasyprint_pdf()[:2000]],
    ids=["garbage", "truncated"],
)
def test_an_unreadable_pdf_is_refused(data):
    assert refusal(data, "id.pdf") == UNREADABLE_PDF


def test_a_pdf_with_more_objects_than_can_be_checked_is_refused(monkeypatch):
    monkeypatch.setattr(id_documents, "MAX_PDF_OBJECTS", 10)
    refs = b" ".join(b"%d 0 R" % number for number in range(4, 15))
    data = minimal_pdf(catalog=b"/Extra [" + refs + b"]", objects=(b"null",) * 11)
    assert refusal(data, "id.pdf") == (
        "Deze PDF bestaat uit te veel onderdelen om te controleren; maak er een eenvoudigere"
        " PDF van, bijvoorbeeld een scan."
    )


def test_a_pdf_without_pages_is_refused():
    # Same length, so the cross-reference offsets still hold.
    data = minimal_pdf().replace(b"/Kids [3 0 R] /Count 1", b"/Kids []      /Count 0")
    assert refusal(data, "id.pdf") == "Deze PDF bevat geen pagina's."


# --- Storing -------------------------------------------------------------------------


def checked_png() -> id_documents.CheckedIdDocument:
    return check_id_document(upload(image_bytes(Image.new("L", (4, 4)), "PNG")))


def test_stored_copies_get_distinct_random_names_readable_by_the_portal_only(upload_dir):
    checked = checked_png()
    names = {store_id_document(checked) for _ in range(3)}

    assert len(names) == 3
    for name in names:
        assert re.fullmatch(r"[0-9a-f]{32}\.png", name)
        path = upload_dir / "id" / name
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert path.read_bytes() == checked.content
        assert open_id_document(name) == checked.content
    assert sorted(p.name for p in (upload_dir / "id").iterdir()) == sorted(names)
    assert stat.S_IMODE((upload_dir / "id").stat().st_mode) == 0o700


def test_storing_never_overwrites_an_existing_file(upload_dir, monkeypatch):
    (upload_dir / "id").mkdir(parents=True)
    taken = upload_dir / "id" / ("a" * 32 + ".png")
    taken.write_bytes(b"eerder")
    tokens = iter(["a" * 32, "b" * 32])
    monkeypatch.setattr(id_documents.secrets, "token_hex", lambda n: next(tokens))

    assert store_id_document(checked_png()) == "b" * 32 + ".png"
    assert taken.read_bytes() == b"eerder"


def test_a_deleted_copy_is_gone_and_deleting_again_is_fine(upload_dir):
    name = store_id_document(checked_png())
    delete_id_document(name)
    assert not (upload_dir / "id" / name).exists()
    delete_id_document(name)
    with pytest.raises(FileNotFoundError):
        open_id_document(name)


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd",
        "../" + "a" * 32 + ".png",
        "/etc/passwd",
        "a" * 32 + ".png\n",
        "A" * 32 + ".png",
        "a" * 32 + ".html",
        "a" * 31 + ".png",
        "",
    ],
)
def test_names_store_id_document_does_not_give_out_are_refused(name):
    with pytest.raises(ValueError, match="not a stored ID document name"):
        open_id_document(name)
    with pytest.raises(ValueError, match="not a stored ID document name"):
        delete_id_document(name)


def test_a_stored_copy_is_not_reachable_by_url(client, upload_dir):
    name = store_id_document(checked_png())
    for url in (f"/uploads/id/{name}", f"/media/id/{name}", f"/static/id/{name}", f"/id/{name}"):
        with pytest.raises(Resolver404):
            resolve(url)
        assert client.get(url).status_code == 404, url


def test_an_upload_dir_under_the_static_files_stops_start_up():
    static_root = Path(django_settings.BASE_DIR) / "var" / "static"
    result = start(PORTAL_UPLOAD_DIR=str(static_root / "uploads"))
    assert result.returncode != 0
    assert "PORTAL_UPLOAD_DIR" in result.stderr
    assert "served as static files" in result.stderr
