from django.urls import URLPattern, URLResolver, path

from layak.plans import views, views_profile

app_name = "plans"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("new/", views.plan_new, name="plan_new"),
    path("<int:pk>/", views.plan_detail, name="plan"),
    path("<int:pk>/adopt/", views.plan_adopt, name="plan_adopt"),
    path("<int:pk>/actions/new/", views.action_new, name="action_new"),
    path("actions/<int:pk>/", views.action_detail, name="action"),
    path("actions/<int:pk>/target/", views.action_target, name="action_target"),
    path("actions/<int:pk>/milestones/new/", views.milestone_new, name="milestone_new"),
    path("actions/<int:pk>/progress/", views.progress_new, name="progress_new"),
    path("progress/<int:pk>/evidence/", views.progress_evidence, name="progress_evidence"),
    path("milestones/<int:pk>/done/", views.milestone_done, name="milestone_done"),
    path("slippage/", views.slippage, name="slippage"),
    path("meetings/new/", views.meeting_new, name="meeting_new"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting"),
    path("meetings/<int:pk>/attendance/", views.meeting_attendance, name="meeting_attendance"),
    path("meetings/<int:pk>/decisions/", views.meeting_decision, name="meeting_decision"),
    path("meetings/<int:pk>/followups/", views.meeting_followup, name="meeting_followup"),
    path("followups/<int:pk>/close/", views.followup_close, name="followup_close"),
    path("followups/mine/", views.my_followups, name="my_followups"),
    path("profile/", views_profile.profile_page, name="profile"),
    path("profile/pdf/", views_profile.profile_pdf, name="profile_pdf"),
    path("profile/xlsx/", views_profile.profile_xlsx, name="profile_xlsx"),
]
