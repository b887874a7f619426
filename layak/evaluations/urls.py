from django.urls import path

from layak.evaluations import views, views_history

app_name = "evaluations"
urlpatterns = [
    path("", views.cycle_list, name="cycles"),
    path("instruments/", views.instrument_list, name="instruments"),
    path("history/import/", views_history.history_import_page, name="history_import"),
    path("cycles/<int:pk>/official/", views_history.cycle_official, name="cycle_official"),
    path(
        "cycles/<int:pk>/remove-history/",
        views_history.cycle_history_remove,
        name="cycle_history_remove",
    ),
    path("awards/", views.award_list, name="awards"),
    path("awards/<int:year>/remove/", views.award_remove, name="award_remove"),
    path("instruments/<int:pk>/bands/", views.instrument_bands, name="instrument_bands"),
    path("instruments/<int:pk>/download/", views.instrument_download, name="instrument_download"),
    path("instruments/<int:pk>/freeze/", views.instrument_freeze, name="instrument_freeze"),
    path("cycles/<int:pk>/", views.cycle_detail, name="cycle"),
    path("cycles/<int:pk>/work/", views.cycle_work, name="cycle_work"),
    path("cycles/<int:pk>/submit/", views.cycle_submit, name="cycle_submit"),
    path("cycles/<int:pk>/gap/", views.cycle_gap, name="cycle_gap"),
    path(
        "cycles/<int:pk>/questions/<int:question_pk>/assignment/",
        views.question_assignment,
        name="question_assignment",
    ),
    path("cycles/<int:pk>/conditions/", views.cycle_conditions, name="cycle_conditions"),
    path("cycles/<int:pk>/planning/", views.cycle_planning, name="cycle_planning"),
    path("cycles/<int:pk>/what-if/", views.cycle_whatif, name="cycle_whatif"),
    path("cycles/<int:pk>/recap.xlsx", views.cycle_export, name="cycle_export"),
    path("cycles/<int:pk>/reports/", views.cycle_reports, name="cycle_reports"),
    path("reports/<int:pk>/", views.report_download, name="report_download"),
    path("answers/<int:pk>/", views.answer_detail, name="answer"),
    path("answers/<int:pk>/review/", views.answer_review, name="answer_review"),
    path("answers/<int:pk>/suggestion/", views.answer_suggestion, name="answer_suggestion"),
    path("answers/<int:pk>/verify/", views.answer_verify, name="answer_verify"),
    path("answers/<int:pk>/evidence/", views.evidence_upload, name="evidence_upload"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence_download"),
    path("evidence/<int:pk>/remove/", views.evidence_remove, name="evidence_remove"),
]
