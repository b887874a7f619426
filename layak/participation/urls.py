from django.urls import URLPattern, URLResolver, path

from layak.participation import views

app_name = "participation"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("forums/new/", views.forum_new, name="forum_new"),
    path("forums/<int:pk>/", views.forum_detail, name="forum"),
    path("forums/<int:pk>/edit/", views.forum_edit, name="forum_edit"),
    path("forums/<int:pk>/members/new/", views.member_new, name="member_new"),
    path("forums/<int:pk>/consultations/new/", views.consultation_new, name="consultation_new"),
    path("members/<int:pk>/", views.member_detail, name="member"),
    path("members/<int:pk>/consents/", views.consent_new, name="consent_new"),
    path("consents/<int:pk>/withdraw/", views.consent_withdraw, name="consent_withdraw"),
    path("aspirations/", views.aspiration_list, name="aspirations"),
    path("aspirations/export.csv", views.aspiration_export, name="aspiration_export"),
    path("aspirations/new/", views.aspiration_new, name="aspiration_new"),
    path("aspirations/<int:pk>/", views.aspiration_detail, name="aspiration"),
    path("aspirations/<int:pk>/route/", views.aspiration_route, name="aspiration_route"),
    path("aspirations/<int:pk>/dismiss/", views.aspiration_dismiss, name="aspiration_dismiss"),
    path("aspirations/<int:pk>/publish/", views.aspiration_publish, name="aspiration_publish"),
    path("aspirations/<int:pk>/respond/", views.aspiration_respond, name="aspiration_respond"),
    path("aspirations/<int:pk>/planning/", views.aspiration_planning, name="aspiration_planning"),
    path("aspirations/<int:pk>/evidence/", views.aspiration_evidence, name="aspiration_evidence"),
]
