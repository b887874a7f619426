"""URL map. Allauth serves login, logout, password reset and two-factor under /accounts/."""

from django.urls import include, path

from layak.api import api

urlpatterns = [
    path("", include("layak.core.urls")),
    path("", include("layak.accounts.urls")),
    path("regions/", include("layak.regions.urls")),
    path("evaluation/", include("layak.evaluations.urls")),
    path("cases/", include("layak.cases.urls")),
    path("lapor/", include("layak.cases.urls_public")),
    path("families/", include("layak.families.urls")),
    path("puspaga/", include("layak.families.urls_public")),
    path("community/", include("layak.community.urls")),
    path("patbm/", include("layak.community.urls_public")),
    path("forum-anak/", include("layak.participation.urls")),
    path("suara-anak/", include("layak.participation.urls_public")),
    path("indicators/", include("layak.indicators.urls")),
    path("plans/", include("layak.plans.urls")),
    path("dashboards/", include("layak.dashboards.urls")),
    path("publik/", include("layak.portal.urls")),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
]
