from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "layak.portal"
    label = "portal"
    verbose_name = _("Public portal")

    def ready(self) -> None:

        # Its menu entries and its demo data (issue #14: core imports no app).
        from layak.core import navigation
        from layak.core.demo import DemoSeeder, register_seeder
        from layak.portal import permissions
        from layak.portal.demo import seed_portal

        navigation.register(
            navigation.MenuEntry(
                "portal",
                _("Public portal"),
                "portal:manage",
                permissions.can_manage_directory,
                order=100,
            )
        )
        register_seeder(DemoSeeder("portal", seed_portal, order=110))
