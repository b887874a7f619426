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
