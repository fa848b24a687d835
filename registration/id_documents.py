"""Checking and storing the copy of an ID document of a new contact person.

Seed ``kpn-mijncertificaten-manual`` §7.2, "Upload kopie identiteitsbewijs
contactpersoon": a PDF, or an image in JPEG, GIF or PNG format. What a file is
is decided by its content, never by its name or the browser's content type.

``check_id_document`` applies the rules below in order and raises
``IdDocumentRejected`` with the first rule's Dutch message; ``store_id_document``
writes what was checked under a random name in ``PORTAL_UPLOAD_DIR/id/``, a
directory no URL serves (settings refuse one under the static files). Only the
back office reads the files back (``open_id_document``).

====  =====================================================================
Rule  Messages (Dutch; ``%(…)s`` filled in)
====  =====================================================================
1     Not empty, at most 10 MB: refused by the declared size before reading,
      and never more than the limit + 1 byte read.
      "Het bestand is leeg." / "Het bestand is groter dan %(limit)s MB."
2     PDF (``%PDF-``), JPEG (FF D8 FF), GIF (GIF87a/GIF89a) or PNG by the
      first bytes. "Dit bestand is geen PDF, JPEG, GIF of PNG."
3     No HTML or script anywhere in the file (a polyglot: a JPEG with a web
      page after its end marker or in a comment). "Dit bestand bevat HTML of
      script en wordt daarom niet aangenomen."
4     Images: at most MAX_IMAGE_PIXELS by the declared size, read before any
      pixel is decoded; fully decodable. "De afbeelding is te groot
      (%(width)s × %(height)s pixels); …" / "De afbeelding is te groot (meer
      dan %(limit)s miljoen pixels); …" / "De afbeelding is beschadigd of
      onvolledig en kan niet worden gelezen."
      What is stored is the decoded image saved again (JPEG stays JPEG at
      quality 90, PNG and GIF become PNG), turned upright by its EXIF
      orientation and without metadata, comments, colour profiles or data
      after the end: nothing of the upload but its pixels survives. A phone
      photo with a video or maker data after its end marker is accepted
      without them.
5     PDFs: readable, not encrypted, at least one page, at most
      MAX_PDF_OBJECTS objects; no JavaScript, no embedded files, no actions
      that start a program, open another file or send form data (Launch,
      GoToR, ImportData, SubmitForm, RichMedia, XFA).
      Every object reachable from the trailer is walked with pyHanko's parser
      (so names in compressed object streams and ``#``-escaped names count),
      and the raw bytes are scanned as a second line for objects the
      cross-reference table does not list. Stored as uploaded.
      "Deze PDF kan niet worden gelezen; het bestand is beschadigd of
      onvolledig." / "Deze PDF bevat geen pagina's." / "Een beveiligde
      (versleutelde) PDF wordt niet aangenomen. …" / "Een PDF met JavaScript
      wordt niet aangenomen." / "Een PDF met bijgevoegde bestanden wordt niet
      aangenomen." / "Een PDF die een programma start, een ander bestand
      opent of formuliergegevens verstuurt wordt niet aangenomen." / "Deze
      PDF bestaat uit te veel onderdelen om te controleren; …"
====  =====================================================================
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import tempfile
import time
import warnings
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader

logger = logging.getLogger("portal.registration")

MAX_ID_DOCUMENT_BYTES = 10 * 1024 * 1024
# Decoded, a pixel takes 3 or 4 bytes: this keeps one image under ~160 MB. A
# passport page scanned at 600 dpi is ~6 million pixels, a whole A4 page 35.
MAX_IMAGE_PIXELS = 40_000_000

CONTENT_TYPES = {".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg"}

# An ID scan has tens of objects, a PDF from a word processor hundreds; each
# costs the parser ~40 µs, and a small file can list a million.
MAX_PDF_OBJECTS = 20_000

_PDF, _JPEG, _GIF, _PNG = "pdf", "jpeg", "gif", "png"
_MAGIC = (
    (b"%PDF-", _PDF),
    (b"\xff\xd8\xff", _JPEG),
    (b"GIF87a", _GIF),
    (b"GIF89a", _GIF),
    (b"\x89PNG\r\n\x1a\n", _PNG),
)
_PILLOW_FORMATS = {_JPEG: "JPEG", _GIF: "GIF", _PNG: "PNG"}
# Long enough that compressed pixel data practically never contains one by
# chance (a 10 MB file: under 1 in 100,000 for "<html", far less for the rest).
_MARKUP = re.compile(rb"<(?:script|html|iframe|!doctype\s+html)[\s>/]", re.IGNORECASE)
# Modes PNG stores as they are; anything else is converted to RGB(A).
_PNG_MODES = {"1", "L", "LA", "I", "I;16", "P", "RGB", "RGBA"}
_STORED_NAME = re.compile(r"[0-9a-f]{32}\.(?:pdf|png|jpg)")

# What a PDF may not contain, by finding; the first found (in this order) is reported.
_JAVASCRIPT, _EMBEDDED, _ACTION = "javascript", "embedded", "action"
_PDF_KEYS = {
    "/JS": _JAVASCRIPT,
    "/JavaScript": _JAVASCRIPT,  # the document-level names tree
    "/EmbeddedFiles": _EMBEDDED,
    "/EF": _EMBEDDED,  # a file specification carrying the file itself
    "/XFA": _ACTION,  # XFA forms run their own scripts
}
_PDF_NAME_VALUES = {
    ("/S", "/JavaScript"): _JAVASCRIPT,
    ("/S", "/Launch"): _ACTION,
    ("/S", "/GoToR"): _ACTION,
    ("/S", "/ImportData"): _ACTION,
    ("/S", "/SubmitForm"): _ACTION,
    ("/S", "/RichMediaExecute"): _ACTION,
    ("/S", "/GoToE"): _EMBEDDED,
    ("/Type", "/EmbeddedFile"): _EMBEDDED,
    ("/Subtype", "/FileAttachment"): _EMBEDDED,
    ("/Subtype", "/RichMedia"): _ACTION,
}
_PDF_NAME_KEYS = {key for key, _value in _PDF_NAME_VALUES}
# The byte scan: long names only, as "/JS" turns up by chance in compressed
# image data (a 10 MB scan: about one chance in three).
_PDF_RAW_NAMES = re.compile(rb"/(JavaScript|Launch|EmbeddedFiles?)(?![A-Za-z0-9#])")
_PDF_RAW_FINDINGS = {
    b"JavaScript": _JAVASCRIPT,
    b"Launch": _ACTION,
    b"EmbeddedFile": _EMBEDDED,
    b"EmbeddedFiles": _EMBEDDED,
}


class IdDocumentRejected(ValueError):
    """Why an uploaded ID copy is refused; ``str()`` is a Dutch message for the form."""


@dataclass(frozen=True)
class CheckedIdDocument:
    content: bytes  # what is stored: a re-encoded image, or the PDF as uploaded
    content_type: str  # "application/pdf", "image/png" or "image/jpeg"
    extension: str  # ".pdf", ".png" or ".jpg"
    original_name: str  # for display only, never part of the stored name


def check_id_document(upload: UploadedFile) -> CheckedIdDocument:
    """Apply the rules of this module's docstring to an upload; raises IdDocumentRejected."""
    if upload.size is not None and upload.size > MAX_ID_DOCUMENT_BYTES:
        raise _too_large()
    upload.seek(0)
    data = upload.read(MAX_ID_DOCUMENT_BYTES + 1)
    if not data:
        raise IdDocumentRejected(_("Het bestand is leeg."))
    if len(data) > MAX_ID_DOCUMENT_BYTES:
        raise _too_large()
    kind = next((kind for magic, kind in _MAGIC if data.startswith(magic)), None)
    if kind is None:
        raise IdDocumentRejected(_("Dit bestand is geen PDF, JPEG, GIF of PNG."))
    if _MARKUP.search(data):
        raise IdDocumentRejected(
            _("Dit bestand bevat HTML of script en wordt daarom niet aangenomen.")
        )
    name = upload.name or ""
    if kind == _PDF:
        _check_pdf(data)
        return CheckedIdDocument(data, CONTENT_TYPES[".pdf"], ".pdf", name)
    content, extension = _reencode_image(data, kind)
    return CheckedIdDocument(content, CONTENT_TYPES[extension], extension, name)


def store_id_document(checked: CheckedIdDocument) -> str:
    """Write a checked ID copy under a new random name in PORTAL_UPLOAD_DIR/id/ and return
    the name. Readable by the portal's user only; the file appears complete or not at all,
    and an existing file is never replaced."""
    directory = _id_dir()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    # mkstemp creates the file with mode 0600 whatever the umask.
    fd, temporary = tempfile.mkstemp(dir=directory, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(checked.content)
            file.flush()
            os.fsync(file.fileno())
        while True:
            name = secrets.token_hex(16) + checked.extension
            try:
                # A hard link, unlike a rename, fails if the name is taken.
                os.link(temporary, directory / name)
            except FileExistsError:
                continue
            return name
    finally:
        os.unlink(temporary)


def open_id_document(stored_name: str) -> bytes:
    """The stored ID copy, for the back office. Raises ValueError for anything but a name
    store_id_document gives out, FileNotFoundError if it is gone."""
    return _stored_path(stored_name).read_bytes()


def delete_id_document(stored_name: str) -> None:
    """Remove a stored ID copy; one that is already gone is fine."""
    _stored_path(stored_name).unlink(missing_ok=True)


def _id_dir() -> Path:
    return Path(settings.PORTAL_UPLOAD_DIR) / "id"


def _stored_path(stored_name: str) -> Path:
    # fullmatch: "$" would let a trailing newline through.
    if not isinstance(stored_name, str) or not _STORED_NAME.fullmatch(stored_name):
        raise ValueError(f"not a stored ID document name: {stored_name!r}")
    return _id_dir() / stored_name


def _too_large() -> IdDocumentRejected:
    return IdDocumentRejected(
        _("Het bestand is groter dan %(limit)s MB.")
        % {"limit": MAX_ID_DOCUMENT_BYTES // (1024 * 1024)}
    )


def _open_image(data: bytes, kind: str) -> Image.Image:
    with warnings.catch_warnings():
        # Our limit lies below Pillow's; its warning between its limit and twice
        # that only says what the size check after opening says better.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        return Image.open(BytesIO(data), formats=[_PILLOW_FORMATS[kind]])


def _reencode_image(data: bytes, kind: str) -> tuple[bytes, str]:
    """Decode the image and save it again; returns the new bytes and their extension."""
    try:
        # Image.open reads the header only: the size is known before any pixel is decoded.
        with _open_image(data, kind) as image:
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise IdDocumentRejected(
                    _(
                        "De afbeelding is te groot (%(width)s × %(height)s pixels); het maximum"
                        " is %(limit)s miljoen pixels. Maak een kleinere scan of foto."
                    )
                    % {"width": width, "height": height, "limit": MAX_IMAGE_PIXELS // 10**6}
                )
            image.verify()
        with _open_image(data, kind) as image:
            image.load()
            return _save_image(image, kind)
    except Image.DecompressionBombError:
        # Over twice Pillow's own limit: refused by Image.open before we see the size.
        raise IdDocumentRejected(
            _(
                "De afbeelding is te groot (meer dan %(limit)s miljoen pixels). Maak een"
                " kleinere scan of foto."
            )
            % {"limit": MAX_IMAGE_PIXELS // 10**6}
        ) from None
    except IdDocumentRejected:
        raise
    except Exception as exc:  # Pillow raises OSError, SyntaxError, ValueError, ... on bad input
        logger.info(
            "ID document refused: unreadable %s image (%s: %s)", kind, type(exc).__name__, exc
        )
        raise IdDocumentRejected(
            _("De afbeelding is beschadigd of onvolledig en kan niet worden gelezen.")
        ) from None


def _save_image(image: Image.Image, kind: str) -> tuple[bytes, str]:
    # The metadata goes, so the orientation it gave is applied to the pixels.
    ImageOps.exif_transpose(image, in_place=True)
    out = BytesIO()
    if kind == _JPEG:
        if image.mode not in ("L", "RGB"):
            image = image.convert("RGB")  # CMYK, YCCK, ...
        # Pillow's JPEG writer copies a comment from info; nothing of it may survive.
        image.info = {}
        image.save(out, "JPEG", quality=90)
        return out.getvalue(), ".jpg"
    transparency = image.info.get("transparency")
    if image.mode not in _PNG_MODES:
        image = image.convert("RGBA" if image.has_transparency_data else "RGB")
        transparency = None
    # Pillow's PNG writer copies the colour profile and more from info.
    image.info = {}
    options = {} if transparency is None else {"transparency": transparency}
    image.save(out, "PNG", **options)
    return out.getvalue(), ".png"


def _check_pdf(data: bytes) -> None:
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        if "/Encrypt" in reader.trailer:
            raise IdDocumentRejected(
                _(
                    "Een beveiligde (versleutelde) PDF wordt niet aangenomen. Sla het bestand"
                    " op zonder wachtwoord of beveiliging."
                )
            )
        pages = int(reader.root["/Pages"]["/Count"])
        findings = _pdf_findings(reader.trailer_view)
    except IdDocumentRejected:
        raise
    except Exception as exc:  # pyHanko raises PdfReadError, KeyError, RecursionError, ...
        logger.info("ID document refused: unreadable PDF (%s: %s)", type(exc).__name__, exc)
        raise IdDocumentRejected(
            _("Deze PDF kan niet worden gelezen; het bestand is beschadigd of onvolledig.")
        ) from None
    findings.update(_PDF_RAW_FINDINGS[m.group(1)] for m in _PDF_RAW_NAMES.finditer(data))
    if _JAVASCRIPT in findings:
        raise IdDocumentRejected(_("Een PDF met JavaScript wordt niet aangenomen."))
    if _EMBEDDED in findings:
        raise IdDocumentRejected(_("Een PDF met bijgevoegde bestanden wordt niet aangenomen."))
    if _ACTION in findings:
        raise IdDocumentRejected(
            _(
                "Een PDF die een programma start, een ander bestand opent of"
                " formuliergegevens verstuurt wordt niet aangenomen."
            )
        )
    if pages < 1:
        raise IdDocumentRejected(_("Deze PDF bevat geen pagina's."))


def _pdf_findings(trailer: generic.DictionaryObject) -> set[str]:
    """What of _PDF_KEYS and _PDF_NAME_VALUES occurs in the objects reachable from the
    trailer; each object visited once, without recursion, at most MAX_PDF_OBJECTS."""
    findings: set[str] = set()
    seen: set[tuple[int, int]] = set()
    stack: list[generic.PdfObject] = [trailer]
    while stack:
        obj = stack.pop()
        if isinstance(obj, generic.IndirectObject):
            if (obj.idnum, obj.generation) not in seen:
                seen.add((obj.idnum, obj.generation))
                if len(seen) > MAX_PDF_OBJECTS:
                    raise IdDocumentRejected(
                        _(
                            "Deze PDF bestaat uit te veel onderdelen om te controleren; maak er"
                            " een eenvoudigere PDF van, bijvoorbeeld een scan."
                        )
                    )
                stack.append(obj.reference.get_object())
        elif isinstance(obj, generic.DictionaryObject):  # streams too
            for key in obj:
                value = obj.raw_get(key)
                if key in _PDF_KEYS:
                    findings.add(_PDF_KEYS[key])
                if key in _PDF_NAME_KEYS:
                    # An indirect name is legal, and would otherwise hide an action type.
                    name = obj[key] if isinstance(value, generic.IndirectObject) else value
                    if isinstance(name, generic.NameObject) and (key, name) in _PDF_NAME_VALUES:
                        findings.add(_PDF_NAME_VALUES[key, name])
                stack.append(value)
        elif isinstance(obj, generic.ArrayObject):
            stack.extend(obj.raw_get(index) for index in range(len(obj)))
    return findings


def stored_names_older_than(age_seconds: float) -> list[str]:
    """Stored ID copies whose file is older than ``age_seconds`` (for the orphan sweep)."""
    directory = _id_dir()
    if not directory.is_dir():
        return []
    cutoff = time.time() - age_seconds
    return sorted(
        path.name
        for path in directory.iterdir()
        if _STORED_NAME.fullmatch(path.name) and path.stat().st_mtime < cutoff
    )
