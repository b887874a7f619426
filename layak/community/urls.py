from django.urls import URLPattern, URLResolver, path

from layak.community import views

app_name = "community"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("profiles/", views.profiles_create, name="profiles_create"),
    path("coverage/", views.coverage_view, name="coverage"),
    path("groups/<int:pk>/", views.group_detail, name="group"),
    path("groups/<int:pk>/edit/", views.group_edit, name="group_edit"),
    path("groups/<int:pk>/members/new/", views.member_form, name="member_add"),
    path("groups/<int:pk>/activities/new/", views.activity_new, name="activity_add"),
    path("members/<int:member_pk>/", views.member_form, name="member_edit"),
    path("members/<int:member_pk>/trainings/new/", views.training_new, name="training_add"),
    path("activities/<int:pk>/", views.activity_detail, name="activity"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("reports/", views.report_list, name="reports"),
    path("reports/new/", views.report_new, name="report_new"),
]
