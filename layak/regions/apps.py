from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegionsConfig(AppConfig):
    name = "layak.regions"
    label = "regions"
    verbose_name = _("Regions")

    def ready(self) -> None:

        # Its menu entries and its demo data (issue #14: core imports no app).
        from layak.core import navigation
        from layak.core.demo import DemoSeeder, register_seeder
        from layak.regions import permissions
        from layak.regions.demo import seed_regions

        navigation.register(
            navigation.MenuEntry(
                "regions",
                _("Regions"),
                "regions:list",
                permissions.can_view_regions,
                order=110,
            )
        )
        register_seeder(DemoSeeder("regions", seed_regions, order=10))
