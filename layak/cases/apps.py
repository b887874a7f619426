from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "layak.cases"
    label = "cases"
    verbose_name = _("Child-protection cases")

    def ready(self) -> None:
        # Who sees a child's identity here must log in with TOTP (issue #11).
        from layak.cases.permissions import IDENTITY_ACCESS
        from layak.core.identity import register_identity_access

        register_identity_access(IDENTITY_ACCESS)

        # `layak reencrypt --reindex` recomputes the duplicate check's keyed hashes.
        from layak.cases.crypto import victim_blind_index
        from layak.core.crypto import register_blind_index

        register_blind_index(victim_blind_index())
