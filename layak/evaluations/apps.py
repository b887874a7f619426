from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationsConfig(AppConfig):
    name = "layak.evaluations"
    label = "evaluations"
    verbose_name = _("KLA evaluation")

    def ready(self) -> None:

        # Its menu entries and its demo data (issue #14: core imports no app).
        from layak.core import navigation
        from layak.core.demo import DemoSeeder, register_seeder
        from layak.evaluations import permissions
        from layak.evaluations.demo import seed_evaluations

        navigation.register(
            navigation.MenuEntry(
                "evaluations",
                _("KLA evaluation"),
                "evaluations:cycles",
                permissions.can_use_evaluation,
                order=20,
            )
        )
        register_seeder(DemoSeeder("evaluations", seed_evaluations, order=30))
