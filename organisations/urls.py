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
]
