from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("Bestellingen")

    def ready(self) -> None:
        # Models load only now, so these imports cannot be at the top of the module.
        from certificates.csr import key_in_use_check_add
        from orders import tasks  # noqa: F401  # registers the outbox handlers
        from orders.selectors import key_in_open_order

        # A key in an open order counts as used (certificates/csr.py, rule 3).
        key_in_use_check_add(key_in_open_order)
