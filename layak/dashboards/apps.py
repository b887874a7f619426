from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    name = "layak.dashboards"
    label = "dashboards"
    verbose_name = _("Dashboards")

    def ready(self) -> None:

        # Its menu entries and its demo data (issue #14: core imports no app).
        from layak.core import navigation
        from layak.core.demo import DemoSeeder, register_seeder
        from layak.dashboards import permissions
        from layak.dashboards.demo import seed_dashboards

        navigation.register(
            navigation.MenuEntry(
                "dashboards",
                _("Dashboards"),
                "dashboards:city",
                permissions.can_view_dashboards,
                order=10,
            )
        )
        register_seeder(DemoSeeder("dashboards", seed_dashboards, order=100))
