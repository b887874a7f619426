"""The public portal under ``/publik/`` (no login) and its directory pages under
``/publik/kelola/`` (the secretariat)."""

from django.urls import URLPattern, URLResolver, path

from layak.portal import views

app_name = "portal"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("statistik/", views.statistics, name="statistics"),
    path("statistik/ringkasan.csv", views.statistics_csv, name="statistics_csv"),
    path("statistik/<slug:code>/", views.indicator, name="indicator"),
    path("statistik/<slug:code>.csv", views.indicator_csv, name="indicator_csv"),
    path("layanan/", views.directory, name="directory"),
    path("kelola/", views.manage, name="manage"),
    path("kelola/indikator/", views.public_indicators, name="public_indicators"),
    path("kelola/layanan/baru/", views.service_edit, name="service_new"),
    path("kelola/layanan/<int:pk>/", views.service_edit, name="service_edit"),
    path(
        "kelola/layanan/<int:pk>/nonaktifkan/",
        views.service_deactivate,
        name="service_deactivate",
    ),
    path("kelola/rbra/baru/", views.play_space_edit, name="play_space_new"),
    path("kelola/rbra/<int:pk>/", views.play_space_edit, name="play_space_edit"),
    path(
        "kelola/rbra/<int:pk>/nonaktifkan/",
        views.play_space_deactivate,
        name="play_space_deactivate",
    ),
]
