"""The portal's URLs plus a stand-in ``card_order_new`` while no app provides one yet.

The card overviews show their order buttons only when ``card_order_new`` reverses
(issue 13 point 3 brings the wizard); the tests of those buttons use this URLconf so
they hold both before and after that wizard exists.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, path, reverse

from portal import urls as portal_urls


def _card_order_stand_in(request: HttpRequest, kind: str) -> HttpResponse:
    return HttpResponse(kind)


urlpatterns = list(portal_urls.urlpatterns)
try:
    reverse("card_order_new", args=["personal"], urlconf=portal_urls)
except NoReverseMatch:
    urlpatterns.append(path("bestellen/<str:kind>/", _card_order_stand_in, name="card_order_new"))
