from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

#: The kind of background document (layak.core.documents) that is the Profil Anak PDF.
PROFILE_PDF = "plans.profile_pdf"


class PlansConfig(AppConfig):
    name = "layak.plans"
    label = "plans"
    verbose_name = _("Action plan and meetings")

    def ready(self) -> None:
        from layak.core.documents import DocumentKind, register
        from layak.plans.profile import build_profile_pdf

        # The Profil Anak PDF is built by the background worker (issue #11).
        register(DocumentKind(name=PROFILE_PDF, build=build_profile_pdf))

        # Its menu entries and its demo data (issue #14: core imports no app).
        from layak.core import navigation
        from layak.core.demo import DemoSeeder, register_seeder
        from layak.plans import permissions
        from layak.plans.demo import seed_plans

        navigation.register(
            navigation.MenuEntry(
                "plans",
                _("Action plan"),
                "plans:home",
                permissions.can_use_plans,
                order=60,
            )
        )
        register_seeder(DemoSeeder("plans", seed_plans, order=90))
