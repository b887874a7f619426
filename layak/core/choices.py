"""Choices that several apps share, written once.

A child's or a person's sex is recorded the same way in a case, a PATBM early detection, a
Puspaga family member and the statistics that count them.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Sex(models.TextChoices):
    FEMALE = "F", _("Female")
    MALE = "M", _("Male")
