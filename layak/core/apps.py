from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "layak.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        # Registers the audit deployment checks; connects auditing of log-in and own changes.
        from layak.core import checks, signals  # noqa: F401
