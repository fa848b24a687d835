from django.urls import path

from registration import views
from registration.wizards import ChangeRegistrationWizard

urlpatterns = [
    path("", ChangeRegistrationWizard.as_view(), name="registration_change"),
    path(
        "<str:reference>/ingediend/",
        views.change_request_submitted,
        name="change_request_submitted",
    ),
    path(
        "<str:reference>/wijzigingsformulier.pdf",
        views.change_request_document,
        name="change_request_document",
    ),
]
