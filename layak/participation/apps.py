from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParticipationConfig(AppConfig):
    name = "layak.participation"
    label = "participation"
    verbose_name = _("Children's participation (Forum Anak)")

    def ready(self) -> None:
        # Who sees a child's or a family's identity here must log in with TOTP (issue #11).
        from layak.core.identity import register_identity_access
        from layak.participation.permissions import IDENTITY_ACCESS

        register_identity_access(IDENTITY_ACCESS)
        from layak.evaluations.suggestions import Provider, register
        from layak.indicators import derived
        from layak.participation.suggestions import (
            INDICATOR,
            PROVIDER_KEY,
            compute,
            forum_coverage_rows,
        )

        register(Provider(PROVIDER_KEY, INDICATOR, compute))
        derived.register(derived.Derivation("forum-anak", forum_coverage_rows))

        # Its menu entries and its demo data (issue #14: core imports no app).
        from layak.core import navigation
        from layak.core.demo import DemoSeeder, register_seeder
        from layak.participation import permissions
        from layak.participation.demo import seed_participation

        navigation.register(
            navigation.MenuEntry(
                "participation",
                _("Forum Anak"),
                "participation:home",
                permissions.can_use_participation,
                order=90,
            )
        )
        register_seeder(DemoSeeder("participation", seed_participation, order=70))
