"""Pages of Puspaga for counsellors, supervisors and leadership (login required)."""

from django.urls import URLPattern, URLResolver, path

from layak.families import views

app_name = "families"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("bookings/new/", views.booking_new, name="booking_new"),
    path("bookings/<int:pk>/", views.booking_detail, name="booking"),
    path("bookings/<int:pk>/attendance/", views.booking_attendance, name="booking_attendance"),
    path("bookings/<int:pk>/session/", views.booking_session, name="booking_session"),
    path("families/<int:pk>/", views.family_detail, name="family"),
    path("families/<int:pk>/book/", views.family_book, name="family_book"),
    path("families/<int:pk>/session/", views.family_session, name="family_session"),
    path("sessions/<int:pk>/", views.session_detail, name="session"),
    path("sessions/<int:pk>/certificate/", views.certificate_issue, name="certificate_issue"),
    path("sessions/<int:pk>/handoff/", views.handoff_new, name="handoff_new"),
    path("certificates/<int:pk>/pdf/", views.certificate_download, name="certificate"),
    path("handoffs/<int:pk>/", views.handoff_detail, name="handoff"),
    path("counts/", views.counts, name="counts"),
    path("service-points/", views.point_list, name="points"),
    path("service-points/new/", views.point_edit, name="point_new"),
    path("service-points/<int:pk>/", views.point_edit, name="point_edit"),
    path("schedules/new/", views.schedule_new, name="schedule_new"),
    path("schedules/<int:pk>/end/", views.schedule_end, name="schedule_end"),
]
