from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "layak.accounts"
    label = "accounts"
    verbose_name = _("Agencies and people")

    def ready(self) -> None:
        from layak.accounts import checks  # noqa: F401  (registers the system checks)
