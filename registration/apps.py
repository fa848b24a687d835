from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistrationConfig(AppConfig):
    name = "registration"
    verbose_name = _("Wijzigen abonneeregistratie")

    def ready(self) -> None:
        # The outbox handlers register on import; the web process and the worker both need them.
        from registration import tasks  # noqa: F401
