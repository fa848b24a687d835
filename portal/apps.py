from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Certificaatportaal"

    def ready(self) -> None:
        from portal import backoffice_login, checks  # noqa: F401  (deploy checks, lockout audit)
