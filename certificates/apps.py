from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = _("Certificaten")

    def ready(self) -> None:
        # The outbox handlers register on import; the web process and the worker both need them.
        from certificates import tasks  # noqa: F401
