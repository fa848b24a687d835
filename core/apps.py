from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Uitgaande berichten")

    def ready(self) -> None:
        # The outbox's Celery tasks live in core.outbox; load them in every process.
        from core import outbox  # noqa: F401
