from django.urls import path

from certificates import views_csr

urlpatterns = [
    path("csr-assistent/", views_csr.csr_assistant, name="csr_assistant"),
    path("csr-assistent/openssl.cnf", views_csr.csr_assistant_cnf, name="csr_assistant_cnf"),
]
