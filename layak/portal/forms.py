"""Forms of the directory pages kept by the secretariat."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from layak.indicators.models import Cluster, Definition, Source
from layak.portal.models import PlaySpace, Service
from layak.regions.models import Region, RegionLevel

LOCATION_FIELDS = ["kelurahan", "address", "latitude", "longitude", "location_approximate"]


class _CityForm(forms.ModelForm):  # type: ignore[type-arg]  # the subclasses name the model
    def __init__(self, *args: Any, city: Region, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["kelurahan"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - narrows the type
        field.queryset = Region.objects.filter(
            code__startswith=f"{city.code}.",
            level__in=[RegionLevel.KELURAHAN, RegionLevel.DESA],
        ).defer("boundary")
        for name in ("latitude", "longitude"):
            self.fields[name].widget.attrs["inputmode"] = "decimal"


class ServiceForm(_CityForm):
    url = forms.URLField(
        label=Service._meta.get_field("url").verbose_name,
        required=False,
        assume_scheme="https",
    )

    class Meta:
        model = Service
        fields = [
            "kind",
            "name",
            "phone",
            "whatsapp",
            "open_24h",
            "hours",
            "description",
            "url",
            *LOCATION_FIELDS,
            "order",
            "active",
        ]
        widgets = {"phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"})}


class PlaySpaceForm(_CityForm):
    class Meta:
        model = PlaySpace
        fields = [
            "name",
            "manager",
            "standardised",
            "year_opened",
            *LOCATION_FIELDS,
            "active",
        ]


@dataclass(frozen=True)
class IndicatorChoice:
    definition: Definition
    checked: bool

    @property
    def from_cases(self) -> bool:
        return self.definition.source == Source.CASES


@dataclass(frozen=True)
class ClusterChoices:
    """The checkboxes of one cluster (one fieldset on the page)."""

    cluster: str
    label: str
    choices: list[IndicatorChoice]


class PublicIndicatorsForm(forms.Form):
    """Which active indicators the portal publishes: one checkbox per definition.

    Saving keeps the portal's order of the indicators that stay public (new ones go after them,
    by cluster and code) and leaves the marks of inactive definitions, which this page does not
    offer, as they are."""

    codes = forms.MultipleChoiceField(
        required=False,
        error_messages={"invalid_choice": _("Unknown indicator: %(value)s")},
    )

    def __init__(
        self, *args: Any, definitions: list[Definition], public: list[str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.definitions = definitions
        self.public = public
        offered = {d.code for d in definitions}
        field = self.fields["codes"]
        assert isinstance(field, forms.MultipleChoiceField)  # noqa: S101 - narrows the type
        field.choices = [(d.code, d.name) for d in definitions]
        self.initial.setdefault("codes", [code for code in public if code in offered])

    def ordered_codes(self) -> list[str]:
        """The codes to publish, in the portal's order (call after ``is_valid``)."""
        chosen = set(self.cleaned_data["codes"])
        offered = {d.code for d in self.definitions}
        kept = [code for code in self.public if code in chosen or code not in offered]
        added = [d.code for d in self.definitions if d.code in chosen and d.code not in kept]
        return kept + added

    def groups(self) -> list[ClusterChoices]:
        """The offered definitions by cluster, ticked as submitted (or as published now)."""
        ticked = set(self["codes"].value() or [])
        groups = []
        for cluster in Cluster:
            choices = [
                IndicatorChoice(d, d.code in ticked)
                for d in self.definitions
                if d.cluster == cluster.value
            ]
            if choices:
                groups.append(ClusterChoices(cluster.value, str(cluster.label), choices))
        return groups
