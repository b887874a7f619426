from django.urls import URLPattern, URLResolver, path

from layak.indicators import views

app_name = "indicators"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("imports/<int:pk>/", views.import_status, name="import_status"),
    path("<slug:code>/", views.detail, name="detail"),
    path("<slug:code>/values.csv", views.values_csv, name="csv"),
    path("<slug:code>/template.xlsx", views.template_xlsx, name="template"),
    path("<slug:code>/enter/", views.enter, name="enter"),
    path("<slug:code>/import/", views.import_upload, name="import"),
    path("<slug:code>/approve/", views.approve, name="approve"),
    path("<slug:code>/unlock/", views.unlock, name="unlock"),
]
