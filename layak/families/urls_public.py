"""Public pages of Puspaga (no login): the consultation request and the certificate check."""

from django.urls import URLPattern, URLResolver, path

from layak.families import views

app_name = "families_public"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.public_request, name="request"),
    path("sertifikat/", views.public_certificate_check, name="check"),
]
