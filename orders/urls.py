from django.urls import path

from orders import views, views_replacement
from orders.wizards import CardOrderWizard, CardRenewalWizard, RenewalWizard, ServerOrderWizard

urlpatterns = [
    path("servercertificaten/<int:pk>/", views.server_detail, name="server_detail"),
    path(
        "servercertificaten/nieuw/<str:family>/",
        ServerOrderWizard.as_view(),
        name="order_wizard",
    ),
    path("servercertificaten/<int:pk>/verlengen/", views.renewal_start, name="renewal_start"),
    path(
        "servercertificaten/<int:pk>/verlengen/formulier/",
        RenewalWizard.as_view(),
        name="renewal_wizard",
    ),
    path(
        "servercertificaten/<int:pk>/vervangen/",
        views_replacement.replacement_new,
        name="replacement_new",
    ),
    path("vervanging/<int:pk>/", views_replacement.campaign_overview, name="campaign_overview"),
    path("passen/<str:kind>/nieuw/", CardOrderWizard.as_view(), name="card_order_new"),
    path(
        "passen/<str:kind>/<int:pk>/verlengen/",
        views.renewal_start,
        name="card_renewal_start",
    ),
    path(
        "passen/<str:kind>/<int:pk>/verlengen/formulier/",
        CardRenewalWizard.as_view(),
        name="card_renewal_wizard",
    ),
    path("bestellingen/", views.order_list, name="order_list"),
    path("bestellingen/<str:reference>/", views.order_detail, name="order_detail"),
    path("bestellingen/<str:reference>/geplaatst/", views.order_placed, name="order_placed"),
    path(
        "bestellingen/<str:reference>/bestelformulier.<str:extension>",
        views.order_document,
        name="order_document",
    ),
]
