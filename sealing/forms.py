"""The upload form of "Controleer een bestelformulier"."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from core.forms import PortalForm
from sealing.results import SealCheck
from sealing.verification import NotADocument, check_document

# A sealed order form is well under 1 MB; 10 MB leaves room without letting
# anyone make the server read much.
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024


class SealCheckForm(PortalForm):
    """One PDF or XML order form; cleaning it checks its seal (``self.result``)."""

    document = forms.FileField(
        label=_("Bestelformulier"),
        help_text=_("Het PDF- of XML-bestelformulier uit het Certificaatportaal, maximaal 10 MB."),
        error_messages={
            "required": _("Kies een bestand."),
            "empty": _("Het bestand is leeg."),
        },
        widget=forms.FileInput(attrs={"accept": ".pdf,.xml,application/pdf,application/xml"}),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.result: SealCheck | None = None

    def clean_document(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["document"]
        too_big = ValidationError(_("Het bestand is groter dan 10 MB."), code="too_big")
        # Decide on the announced size first: a large upload stays in its temporary file.
        if upload.size is not None and upload.size > MAX_DOCUMENT_BYTES:
            raise too_big
        data = upload.read(MAX_DOCUMENT_BYTES + 1)
        if len(data) > MAX_DOCUMENT_BYTES:
            raise too_big
        if not data:
            raise ValidationError(_("Het bestand is leeg."), code="empty")
        try:
            self.result = check_document(data)
        except NotADocument as error:
            raise ValidationError(str(error), code="not_a_document") from None
        return upload
