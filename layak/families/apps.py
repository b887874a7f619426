from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FamiliesConfig(AppConfig):
    name = "layak.families"
    label = "families"
    verbose_name = _("Family services (Puspaga)")

    def ready(self) -> None:
        # Who sees a child's or a family's identity here must log in with TOTP (issue #11).
        from layak.core.identity import register_identity_access
        from layak.families.permissions import IDENTITY_ACCESS

        register_identity_access(IDENTITY_ACCESS)
        # Puspaga's yearly figures support KLA indicator 8 (issue #5, "Suggested answers").
        from layak.evaluations.suggestions import Provider, register
        from layak.families.selectors import indicator_8_suggestion, puspaga_monthly_rows
        from layak.indicators import derived

        register(Provider("families.services", "8", indicator_8_suggestion))
        # The certificate PDF is built by the background worker (issue #11).
        from layak.core.documents import DocumentKind
        from layak.core.documents import register as register_document
        from layak.families.services import CERTIFICATE_PDF, certificate_build

        register_document(DocumentKind(name=CERTIFICATE_PDF, build=certificate_build))
        derived.register(derived.Derivation("puspaga-layanan", puspaga_monthly_rows))

        # Its menu entries and its demo data (issue #14: core imports no app).
        from layak.core import navigation
        from layak.core.demo import DemoSeeder, register_seeder
        from layak.families import permissions
        from layak.families.demo import seed_families

        navigation.register(
            navigation.MenuEntry(
                "families",
                _("Puspaga"),
                "families:home",
                permissions.can_use_families,
                order=70,
            )
        )
        register_seeder(DemoSeeder("families", seed_families, order=50))
