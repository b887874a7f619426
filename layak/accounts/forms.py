"""Forms parse input for the services; they never save."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from layak.accounts.models import Agency, User
from layak.accounts.permissions import assignable_agencies, home_filter
from layak.accounts.roles import Role
from layak.regions.models import Region


def _choose_from(form: forms.BaseForm, name: str, queryset: QuerySet[Any]) -> None:
    """Limit a model-choice field to what the acting person may pick."""
    field = form.fields[name]
    if not isinstance(field, forms.ModelChoiceField):
        raise TypeError(f"{name} is not a model-choice field")
    field.queryset = queryset


def _regions_for(actor: Any) -> QuerySet[Region]:
    """The regions ``actor`` may place an agency or a person in: their own kab/kota or
    province and what lies below it (every region for superusers and national staff), by the
    one rule of ``home_filter``."""
    home = home_filter(actor, "code")
    return Region.objects.none() if home is None else Region.objects.filter(home)


class AgencyForm(forms.ModelForm[Agency]):
    class Meta:
        model = Agency
        fields = [
            "name",
            "short_name",
            "code",
            "kind",
            "region",
            "area",
            "parent",
            "email",
            "phone",
            "is_active",
        ]

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        regions = _regions_for(actor)
        _choose_from(self, "region", regions.filter(level__in=["provinsi", "kota", "kabupaten"]))
        _choose_from(self, "area", regions.filter(level__in=["kecamatan", "kelurahan", "desa"]))
        _choose_from(self, "parent", assignable_agencies(actor))

    def _post_clean(self) -> None:
        # Validation of the whole object happens in the service (full_clean there).
        pass


class PersonForm(forms.ModelForm[User]):
    roles = forms.MultipleChoiceField(
        label=_("Roles"),
        choices=Role.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = User
        fields = [
            "full_name",
            "username",
            "email",
            "position",
            "agency",
            "scope_region",
            "is_active",
        ]

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choose_from(self, "agency", assignable_agencies(actor))
        self.fields["agency"].required = not actor.is_superuser
        _choose_from(self, "scope_region", _regions_for(actor).exclude(level="provinsi"))
        self.fields["scope_region"].help_text = _(
            "City, kecamatan or kelurahan this person works in; empty means the agency's region."
        )
        self.fields["email"].required = True
        if self.instance.pk:
            self.fields["roles"].initial = list(
                self.instance.role_assignments.values_list("role", flat=True)
            )

    def _post_clean(self) -> None:
        pass
