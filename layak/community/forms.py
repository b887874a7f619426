"""Forms of the PATBM pages: parsing only; the rules live in the services and models."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from layak.accounts.models import User
from layak.community.models import (
    PARTICIPANT_FIELDS,
    ActivityKind,
    GroupStatus,
    MemberPosition,
)
from layak.core.choices import Sex
from layak.regions.models import Region


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class GroupForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=GroupStatus.choices)
    decree_number = forms.CharField(
        label=_("Founding decree (SK) number"), max_length=100, required=False
    )
    decree_date = forms.DateField(
        label=_("Founding decree (SK) date"), required=False, widget=DateInput()
    )


class MemberForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    position = forms.ChoiceField(
        label=_("Position"), choices=MemberPosition.choices, initial=MemberPosition.MEMBER
    )
    joined_on = forms.DateField(label=_("Joined on"), required=False, widget=DateInput())
    is_active = forms.BooleanField(label=_("Active member"), required=False, initial=True)
    user = forms.ModelChoiceField(
        label=_("Layak login"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("Link the member to their login once they have one."),
    )

    def __init__(self, *args: Any, logins: QuerySet[User] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["user"]
        field.queryset = logins if logins is not None else User.objects.none()


class TrainingForm(forms.Form):
    topic = forms.CharField(label=_("Topic"), max_length=200)
    date = forms.DateField(label=_("Date"), widget=DateInput())
    organiser = forms.CharField(label=_("Organiser"), max_length=200)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several files in one input; each is checked by content in the service."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"})
        )
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


_COUNT_LABELS = {
    "girls_0_5": _("Girls 0-5"),
    "boys_0_5": _("Boys 0-5"),
    "girls_6_12": _("Girls 6-12"),
    "boys_6_12": _("Boys 6-12"),
    "girls_13_17": _("Girls 13-17"),
    "boys_13_17": _("Boys 13-17"),
    "women": _("Women (18+)"),
    "men": _("Men (18+)"),
}


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of activity"), choices=ActivityKind.choices)
    date = forms.DateField(label=_("Date"), widget=DateInput())
    place = forms.CharField(label=_("Place"), max_length=200)
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("No names of children or families."),
    )
    photos = PhotosField(label=_("Photos"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, _band, _sex in PARTICIPANT_FIELDS:
            # Negative numbers pass the form so the model's rule answers them (tested).
            self.fields[name] = forms.IntegerField(
                label=_COUNT_LABELS[name],
                initial=0,
                required=False,
                widget=forms.NumberInput(attrs={"min": 0, "inputmode": "numeric"}),
            )

    def counts(self) -> dict[str, int]:
        return {
            name: int(self.cleaned_data.get(name) or 0) for name, _band, _sex in PARTICIPANT_FIELDS
        }


class EarlyReportForm(forms.Form):
    """The few taps of an early-detection report."""

    description = forms.CharField(
        label=_("What did you see or hear?"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    kelurahan = forms.ModelChoiceField(
        label=_("Kelurahan"), queryset=Region.objects.none(), required=False
    )
    child_age = forms.IntegerField(
        label=_("Child's age (years), if known"),
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "max": 17}),
    )
    child_sex = forms.ChoiceField(
        label=_("Child's sex, if known"),
        choices=[("", "—"), *Sex.choices],
        required=False,
    )
    anonymous = forms.BooleanField(label=_("Hide my name from the case file"), required=False)

    def __init__(
        self, *args: Any, kelurahan: QuerySet[Region] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["kelurahan"]
        field.queryset = kelurahan if kelurahan is not None else Region.objects.none()
