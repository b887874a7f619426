from django.urls import path

from layak.accounts import views

app_name = "accounts"
urlpatterns = [
    path("agencies/", views.agency_list, name="agency_list"),
    path("agencies/new/", views.agency_create, name="agency_create"),
    path("agencies/<int:pk>/", views.agency_edit, name="agency_edit"),
    path("people/", views.person_list, name="person_list"),
    path("people/new/", views.person_create, name="person_create"),
    path("people/<int:pk>/", views.person_edit, name="person_edit"),
    path("people/<int:pk>/unlock/", views.person_unlock, name="person_unlock"),
    path("profile/", views.profile, name="profile"),
    # Listed before allauth's URLs (config.urls), so this replaces allauth's e-mail page.
    path("accounts/email/", views.email_managed_by_administrator, name="email"),
]
