from django.urls import path

from certificates import views

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
    path(
        "certificaten/<int:pk>/download/<str:fmt>/",
        views.certificate_download,
        name="certificate_download",
    ),
]
