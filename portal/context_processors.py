from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# The menu of the KPN manual §2.3: Home · Servercertificaten · Persoons ·
# Groeps · eSeal · Organisatiegegevens.
MENU = [
    # Context, or Django's own Dutch catalog turns "Home" into "Voorpagina".
    ("home", (), pgettext_lazy("menu", "Home")),
    ("server_list", (), _("Servercertificaten")),
    ("card_list", ("personal",), _("Persoons")),
    ("card_list", ("group",), _("Groeps")),
    ("card_list", ("eseal",), _("eSeal")),
    ("organisation", (), _("Organisatiegegevens")),
]


def _menu(request: HttpRequest) -> list[dict[str, object]]:
    items = []
    for name, args, label in MENU:
        url = reverse(name, args=args)
        active = request.path == url if url == "/" else request.path.startswith(url)
        items.append({"url": url, "label": label, "active": active})
    return items


def portal(request: HttpRequest) -> dict[str, object]:
    person = getattr(request, "person", None)
    return {
        "person": person,
        "subscriber": person.subscriber if person is not None else None,
        "menu": _menu(request) if person is not None else [],
        "dev_login": settings.PORTAL_DEV_LOGIN,
        "servicedesk": {
            "email": settings.PORTAL_SERVICEDESK_EMAIL,
            "phone": settings.PORTAL_SERVICEDESK_PHONE,
        },
    }
