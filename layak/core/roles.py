"""The roles a person can hold (issue #2), and the one "system administrator" predicate.

The codes live in core, the lowest layer, so that every layer's permission functions can name a
role without importing ``layak.accounts`` (issue #14). ``layak.accounts.roles`` re-exports
``Role`` for the people, role-assignment and dual-control code that has always imported it there.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from layak.core.permissions import has_role, is_superuser


class Role(models.TextChoices):
    ADMIN = "admin", _("System administrator")
    SECRETARIAT = "secretariat", _("Task-force secretariat")
    OPD_FOCAL = "opd_focal", _("OPD focal point")
    CASE_MANAGER = "case_manager", _("Case manager")
    CASE_WORKER = "case_worker", _("Case worker")
    COUNSELLOR = "counsellor", _("Puspaga counsellor")
    PATBM_ACTIVIST = "patbm_activist", _("PATBM activist")
    FORUM_FACILITATOR = "forum_facilitator", _("Forum Anak facilitator")
    LEADERSHIP = "leadership", _("Leadership (read-only dashboards)")
    VERIFIER = "verifier", _("External verifier (read-only evaluation)")


#: A system administrator: a superuser or a person holding the administrator role.
is_admin = is_superuser | has_role(Role.ADMIN)
