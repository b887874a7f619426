"""The roles a person can hold (issue #2). Permissions refer to these codes."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


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
