from django.urls import path

from layak.core import views, views_documents

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("audit/", views.audit_list, name="audit_list"),
    path("documents/<uuid:pk>/", views_documents.document_status, name="document"),
    path(
        "documents/<uuid:pk>/download/",
        views_documents.document_download,
        name="document_download",
    ),
]
