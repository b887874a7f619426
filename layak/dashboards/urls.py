from django.urls import URLPattern, URLResolver, path

from layak.dashboards import views

app_name = "dashboards"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.city, name="city"),
    path("awards.csv", views.awards_csv, name="awards_csv"),
    path("cluster/<str:cluster>/", views.cluster, name="cluster"),
    path("area/<str:code>/", views.area, name="area"),
    path("trend/<slug:code>.csv", views.trend_csv, name="trend_csv"),
    path("challenges/", views.challenges, name="challenges"),
    path("challenges/<slug:code>/", views.challenge_edit, name="challenge_edit"),
]
