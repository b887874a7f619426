from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "layak.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from layak.core import signals  # noqa: F401  (connects auditing of log-in and own changes)
