from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "layak.cases"
    label = "cases"
    verbose_name = _("Child-protection cases")

    def ready(self) -> None:
        # Who sees a child's identity here must log in with TOTP (issue #11).
        from layak.cases.permissions import IDENTITY_ACCESS
        from layak.core.identity import register_identity_access

        register_identity_access(IDENTITY_ACCESS)

        # `layak reencrypt --reindex` recomputes the duplicate check's keyed hashes.
        from layak.cases.crypto import victim_blind_index
        from layak.core.crypto import register_blind_index

        register_blind_index(victim_blind_index())

        # Its menu entries and its demo data (issue #14: core imports no app).
        from layak.cases import permissions
        from layak.cases.demo import seed_cases
        from layak.core import navigation
        from layak.core.demo import DemoSeeder, register_seeder

        navigation.register(
            navigation.MenuEntry(
                "cases", _("Cases"), "cases:home", permissions.can_use_cases, order=30
            )
        )
        navigation.register(
            navigation.MenuEntry(
                "case_statistics",
                _("Case statistics"),
                "cases:statistics",
                permissions.can_view_statistics,
                order=40,
            )
        )
        navigation.register(
            navigation.MenuEntry(
                "case_lookups",
                _("Case categories"),
                "cases:lookups",
                permissions.can_manage_lookups,
                order=160,
            )
        )
        register_seeder(DemoSeeder("cases", seed_cases, order=40))
