"""Forms of the account policies of issue #11: lifting one's own log-in delay with TOTP."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class TotpUnlockForm(forms.Form):
    """Lift one's own log-in delay with a code of one's authenticator app."""

    login = forms.CharField(label=_("User name or e-mail"), max_length=254)
    code = forms.RegexField(
        label=_("Authenticator code"),
        regex=r"^\s*\d{6}\s*$",
        max_length=12,
        error_messages={"invalid": _("Enter the 6-digit code shown by your authenticator app.")},
    )
