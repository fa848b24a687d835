from django.urls import re_path

from certificates import views_crl

# The slug is the CA's name in the URLs of its certificates (certificates/ca/local.py).
urlpatterns = [
    re_path(r"^crl/(?P<slug>[a-z0-9-]+)\.crl$", views_crl.crl, name="crl"),
    re_path(r"^crl/(?P<slug>[a-z0-9-]+)\.crt$", views_crl.ca_certificate, name="ca_certificate"),
]
