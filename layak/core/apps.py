from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "layak.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        # checks registers the audit deployment checks; signals connects auditing of log-in and
        # own changes. Then core's own entries of the menu the apps fill (issue #14).
        from layak.core import checks, navigation, signals  # noqa: F401
        from layak.core.permissions_audit import can_view_audit

        navigation.register(
            navigation.MenuEntry("home", _("Home"), "core:home", navigation.everyone, order=0)
        )
        navigation.register(
            navigation.MenuEntry(
                "audit", _("Audit trail"), "core:audit_list", can_view_audit, order=150
            )
        )
