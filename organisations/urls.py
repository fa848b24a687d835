from django.urls import path

from organisations import views

urlpatterns = [
    path("", views.organisation, name="organisation"),
    path("certificaatbeheerders/", views.manager_change, name="manager_change"),
    path(
        "certificaatbeheerders/<int:pk>/gegevens/",
        views.manager_update,
        name="manager_update",
    ),
    path(
        "certificaatbeheerders/<int:pk>/deactiveren/",
        views.manager_deactivate,
        name="manager_deactivate",
    ),
]
