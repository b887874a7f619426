from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "layak.indicators"
    label = "indicators"
    verbose_name = _("Indicators")

    def ready(self) -> None:

        # Its menu entries and its demo data (issue #14: core imports no app).
        from layak.core import navigation
        from layak.core.demo import DemoSeeder, register_seeder
        from layak.indicators import permissions
        from layak.indicators.demo import seed_indicators

        navigation.register(
            navigation.MenuEntry(
                "indicators",
                _("Indicators"),
                "indicators:home",
                permissions.can_use_indicators,
                order=50,
            )
        )
        register_seeder(DemoSeeder("indicators", seed_indicators, order=80))
