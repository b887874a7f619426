"""Public pages without login: the report form and the status check by tracking code."""

from django.urls import path

from layak.cases import views

app_name = "report"
urlpatterns = [
    path("", views.public_report, name="form"),
    path("status/", views.public_status, name="status"),
]
