from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from portal import views
from portal.backoffice_login import BackOfficeLoginForm

admin.site.site_header = _("Certificaatportaal — back office")
admin.site.site_title = _("Certificaatportaal")
admin.site.login_form = BackOfficeLoginForm

handler400 = "portal.errors.bad_request"
handler403 = "portal.errors.permission_denied"
handler404 = "portal.errors.page_not_found"
handler500 = "portal.errors.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("niet-ingelogd/", views.not_logged_in, name="not_logged_in"),
    path("inloggen/", views.login, name="login"),
    path("te-groot/", views.request_too_large, name="request_too_large"),
    path("uitloggen/", views.logout, name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("certificates.urls")),
    path("", include("orders.urls")),
    path("", include("sealing.urls")),
    path("organisatie/wijzigen/", include("registration.urls")),
    path("organisatie/", include("organisations.urls")),
    path("beheer/", admin.site.urls),
    # 404 unless DEBUG and PORTAL_DEV_LOGIN=1 (the view checks).
    path("dev/login/", views.dev_login, name="dev_login"),
    path("", include("certificates.urls_csr")),
    path("", include("certificates.urls_crl")),
]
