from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "layak.community"
    label = "community"
    verbose_name = _("Community child protection (PATBM)")

    def ready(self) -> None:
        # The share of kelurahan with a functioning PATBM suggests answers of indicator 26.
        from layak.community.indicators import compute, patbm_coverage_rows
        from layak.evaluations.suggestions import Provider, register
        from layak.indicators import derived

        register(Provider("community.coverage", "26", compute))
        # ... and is the indicator "patbm" of the dashboards.
        derived.register(derived.Derivation("patbm", patbm_coverage_rows))

        # Its menu entries and its demo data (issue #14: core imports no app).
        from layak.community import permissions
        from layak.community.demo import seed_community
        from layak.core import navigation
        from layak.core.demo import DemoSeeder, register_seeder

        navigation.register(
            navigation.MenuEntry(
                "community",
                _("PATBM"),
                "community:home",
                permissions.can_use_community,
                order=80,
            )
        )
        register_seeder(DemoSeeder("community", seed_community, order=60))
