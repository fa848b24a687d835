from django.urls import path

from certificates import views, views_trust

urlpatterns = [
    path("servercertificaten/", views.server_list, name="server_list"),
    path("servercertificaten/export.csv", views.server_csv, name="server_csv"),
    path(
        "servercertificaten/<int:pk>/intrekken/",
        views.certificate_revoke,
        name="certificate_revoke",
    ),
    path("passen/<str:kind>/", views.card_list, name="card_list"),
    path("passen/<str:kind>/export.csv", views.card_csv, name="card_csv"),
    path("passen/<str:kind>/<int:pk>/", views.card_detail, name="card_detail"),
    # An organisation page ("Wijzigen Certificaatbeheerders") that hands over certificates.
    path(
        "organisatie/certificaatbeheerders/<int:pk>/deactiveren/",
        views.manager_deactivate,
        name="manager_deactivate",
    ),
    # "Welke certificaten moet ik vertrouwen?" (issue 14, point 5).
    path("vertrouwen/", views_trust.trust_chains, name="trust_chains"),
    path("vertrouwen/<int:pk>/ca.pem", views_trust.trust_ca_pem, name="trust_ca_pem"),
    path("vertrouwen/<int:pk>/keten.pem", views_trust.trust_chain_pem, name="trust_chain_pem"),
    path(
        "certificaten/<int:pk>/download/<str:fmt>/",
        views.certificate_download,
        name="certificate_download",
    ),
]
