from django.urls import path

from sealing import views

urlpatterns = [
    path("bestelformulier-controleren/", views.seal_verify, name="seal_verify"),
]
