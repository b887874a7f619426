"""One filter definition per list, shared by pages and exports."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from layak.accounts.models import Agency, AgencyKind, User
from layak.accounts.roles import Role


class AgencyFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=AgencyKind.choices)

    class Meta:
        model = Agency
        fields: list[str] = []

    def search(self, queryset: QuerySet[Agency], name: str, value: str) -> QuerySet[Agency]:
        return queryset.filter(
            Q(name__icontains=value) | Q(short_name__icontains=value) | Q(code__icontains=value)
        )


class PersonFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    role = django_filters.ChoiceFilter(
        label=_("Role"), choices=Role.choices, field_name="role_assignments__role"
    )
    agency = django_filters.ModelChoiceFilter(
        label=_("Agency"), queryset=Agency.objects.none(), field_name="agency"
    )
    is_active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = User
        fields: list[str] = []

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        queryset = self.queryset
        self.filters["agency"].queryset = Agency.objects.filter(
            pk__in=queryset.values("agency")
        ).order_by("name")

    def search(self, queryset: QuerySet[User], name: str, value: str) -> QuerySet[User]:
        return queryset.filter(
            Q(full_name__icontains=value) | Q(username__icontains=value) | Q(email__icontains=value)
        )
