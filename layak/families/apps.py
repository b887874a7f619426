from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FamiliesConfig(AppConfig):
    name = "layak.families"
    label = "families"
    verbose_name = _("Family services (Puspaga)")

    def ready(self) -> None:
        # Puspaga's yearly figures support KLA indicator 8 (issue #5, "Suggested answers").
        from layak.evaluations.suggestions import Provider, register
        from layak.families.selectors import indicator_8_suggestion, puspaga_monthly_rows
        from layak.indicators import derived

        register(Provider("families.services", "8", indicator_8_suggestion))
        derived.register(derived.Derivation("puspaga-layanan", puspaga_monthly_rows))
