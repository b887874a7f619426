"""The audit-trail filter, shared by the page and any export."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from layak.core.models import AuditAction, AuditEntry


class AuditEntryFilter(django_filters.FilterSet):
    action = django_filters.ChoiceFilter(label=_("Action"), choices=AuditAction.choices)
    actor = django_filters.CharFilter(
        label=_("Actor"), field_name="actor_username", lookup_expr="icontains"
    )
    object_type = django_filters.CharFilter(
        label=_("Object type"), field_name="object_type", lookup_expr="icontains"
    )
    object_id = django_filters.CharFilter(label=_("Object id"), field_name="object_id")
    date_from = django_filters.DateFilter(
        label=_("From"), field_name="created_at", lookup_expr="date__gte"
    )
    date_to = django_filters.DateFilter(
        label=_("To"), field_name="created_at", lookup_expr="date__lte"
    )

    class Meta:
        model = AuditEntry
        fields: list[str] = []
