"""Public pages of this module (no login): the child's aspiration form and
"Kalian bilang, kami lakukan"."""

from django.urls import URLPattern, URLResolver, path

from layak.participation import views

app_name = "participation_public"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.public_submit, name="submit"),
    path("kalian-bilang-kami-lakukan/", views.public_published, name="published"),
]
