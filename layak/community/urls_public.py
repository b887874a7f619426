"""Public pages of this module (no login)."""

from django.urls import URLPattern, URLResolver

app_name = "community_public"
urlpatterns: list[URLPattern | URLResolver] = []
