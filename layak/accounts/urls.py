from django.urls import path, re_path

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
    path(
        "people/<int:pk>/authenticator-reset/",
        views.authenticator_reset,
        name="authenticator_reset",
    ),
    path("people/approvals/", views.dual_control_list, name="dual_control_list"),
    path(
        "people/approvals/<int:pk>/approve/",
        views.dual_control_approve,
        name="dual_control_approve",
    ),
    path(
        "people/approvals/<int:pk>/reject/",
        views.dual_control_reject,
        name="dual_control_reject",
    ),
    path("profile/", views.profile, name="profile"),
    # Listed before allauth's URLs (config.urls), so this replaces allauth's e-mail page.
    path("accounts/email/", views.email_managed_by_administrator, name="email"),
    path("accounts/unlock/", views.login_unlock, name="login_unlock"),
    # Same path as allauth's (whose name links keep using): completing an invitation or reset
    # link also verifies the address it was sent to.
    re_path(
        r"^accounts/password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$",
        views.password_from_link,
        name="password_from_link",
    ),
]
