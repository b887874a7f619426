from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "layak.accounts"
    label = "accounts"
    verbose_name = _("Agencies and people")

    def ready(self) -> None:
        # The system checks; the audit trail's region scope, the menu entries and the demo data
        # (issue #14: core imports no app, apps register with core).
        from layak.accounts import checks, permissions  # noqa: F401  (checks registers on import)
        from layak.accounts.demo import seed_accounts
        from layak.core import navigation
        from layak.core.demo import DemoSeeder, register_seeder
        from layak.core.permissions_audit import register_audit_scope

        register_audit_scope(permissions.audit_scope)
        navigation.register(
            navigation.MenuEntry(
                "agencies",
                _("Agencies"),
                "accounts:agency_list",
                permissions.can_view_agencies,
                order=120,
            )
        )
        navigation.register(
            navigation.MenuEntry(
                "people",
                _("People"),
                "accounts:person_list",
                permissions.can_list_people,
                order=130,
            )
        )
        navigation.register(
            navigation.MenuEntry(
                "approvals",
                _("Approvals"),
                "accounts:dual_control_list",
                permissions.can_decide_dual_control,
                order=140,
            )
        )
        register_seeder(DemoSeeder("accounts", seed_accounts, order=20))
