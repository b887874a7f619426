"""Forms of Puspaga: they parse and validate input; services do the writes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from layak.core.choices import Sex
from layak.families.models import (
    BookingStatus,
    FollowUp,
    Mode,
    Outcome,
    Schedule,
    ServicePoint,
    Topic,
)
from layak.families.selectors import Slot
from layak.regions.models import Region
from layak.regions.selectors import kelurahan_choices

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def slot_choices(slots: Sequence[Slot]) -> list[tuple[str, Any]]:
    """Slots grouped by service point for a <select> with <optgroup>s."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for slot in slots:
        local = timezone.localtime(slot.starts_at)
        label = f"{local:%a %d-%m-%Y %H:%M}"
        groups.setdefault(slot.service_point, []).append((slot.key, label))
    return [("", "—"), *[(point, choices) for point, choices in groups.items()]]


class _SlotForm(forms.Form):
    slot = forms.ChoiceField(label=_("Day, time and place"), choices=())
    topic = forms.ChoiceField(label=_("What would you like to talk about?"), choices=Topic.choices)
    mode = forms.ChoiceField(
        label=_("How do you want to meet?"),
        choices=[
            (Mode.IN_PERSON.value, Mode.IN_PERSON.label),
            (Mode.ONLINE.value, Mode.ONLINE.label),
        ],
    )

    def __init__(self, *args: Any, slots: Sequence[Slot] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        slot_field = self.fields["slot"]
        assert isinstance(slot_field, forms.ChoiceField)  # noqa: S101 - narrows the type
        slot_field.choices = slot_choices(slots)


class FamilyFieldsMixin(forms.Form):
    name = forms.CharField(
        label=_("Your name"),
        max_length=150,
        help_text=_("A first name or nickname is enough."),
    )
    phone = forms.CharField(label=_("Phone or WhatsApp number"), max_length=40, required=False)
    email = forms.EmailField(label=_("E-mail (for a reminder)"), max_length=150, required=False)
    kelurahan = forms.ModelChoiceField(
        label=_("Kelurahan where you live"), queryset=Region.objects.none(), required=False
    )

    def _set_city(self, city: Region | None) -> None:
        field = self.fields["kelurahan"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - narrows the type
        field.queryset = kelurahan_choices(city)


class PublicRequestForm(_SlotForm, FamilyFieldsMixin):
    """The public request: minimal data, nothing about the problem is required."""

    note = forms.CharField(
        label=_("Anything you want the counsellor to know beforehand (optional)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        required=False,
    )
    agree = forms.BooleanField(
        label=_(
            "I agree that Puspaga keeps these data to arrange my consultation. They are "
            "confidential."
        )
    )
    # The honeypot: hidden from people by CSS and aria-hidden; bots fill it in.
    website = forms.CharField(required=False, label=_("Leave this empty"))

    field_order = ["name", "phone", "email", "kelurahan", "topic", "mode", "slot", "note", "agree"]

    def __init__(self, *args: Any, city: Region | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._set_city(city)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("phone") or data.get("email")):
            self.add_error("phone", _("Give a phone number or an e-mail address."))
        return data


class DeskBookingForm(_SlotForm, FamilyFieldsMixin):
    """Registration at the desk by a counsellor."""

    mode = forms.ChoiceField(label=_("Mode"), choices=Mode.choices)
    note = forms.CharField(
        label=_("Request"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        required=False,
    )
    field_order = ["name", "phone", "email", "kelurahan", "topic", "mode", "slot", "note"]

    def __init__(self, *args: Any, city: Region | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._set_city(city)
        self.fields["name"].label = _("Name")
        self.fields["phone"].label = _("Phone")
        self.fields["email"].label = _("E-mail")
        self.fields["kelurahan"].label = _("Kelurahan")


class RebookForm(_SlotForm):
    """Another appointment for a family already known."""

    mode = forms.ChoiceField(label=_("Mode"), choices=Mode.choices)


class AttendanceForm(forms.Form):
    status = forms.ChoiceField(
        choices=[
            (BookingStatus.ATTENDED.value, BookingStatus.ATTENDED.label),
            (BookingStatus.NO_SHOW.value, BookingStatus.NO_SHOW.label),
            (BookingStatus.CANCELLED.value, BookingStatus.CANCELLED.label),
        ]
    )


class SessionForm(forms.Form):
    held_on = forms.DateField(label=_("Date"), widget=DATE)
    mode = forms.ChoiceField(label=_("Mode"), choices=Mode.choices)
    topic = forms.ChoiceField(label=_("Topic"), choices=Topic.choices)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices)
    follow_up = forms.ChoiceField(label=_("Follow-up"), choices=FollowUp.choices)
    follow_up_on = forms.DateField(label=_("Follow-up on"), widget=DATE, required=False)
    notes = forms.CharField(
        label=_("Notes (confidential: only you and the family's counsellor can read them)"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=20000,
        required=False,
    )


class WalkInSessionForm(SessionForm):
    service_point = forms.ModelChoiceField(
        label=_("Service point"), queryset=ServicePoint.objects.none()
    )

    def __init__(self, *args: Any, city_id: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["service_point"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - narrows the type
        field.queryset = (
            ServicePoint.objects.filter(region_id=city_id, is_active=True)
            if city_id is not None
            else ServicePoint.objects.none()
        )


class HandOffForm(forms.Form):
    consent = forms.BooleanField(
        label=_("The family agrees to be handed to the UPTD PPA"), required=False
    )
    consent_given_by = forms.CharField(
        label=_("Consent given by (e.g. the mother)"), max_length=60, required=False
    )
    consent_on = forms.DateField(label=_("Consent given on"), widget=DATE)
    covers_identity = forms.BooleanField(label=_("The family's name"), required=False)
    covers_contact = forms.BooleanField(label=_("The family's phone and e-mail"), required=False)
    covers_location = forms.BooleanField(label=_("The kelurahan"), required=False)
    covers_narrative = forms.BooleanField(label=_("What happened"), required=False)
    covers_child = forms.BooleanField(label=_("The child's name, age and sex"), required=False)
    narrative = forms.CharField(
        label=_("What happened (as the family agreed to tell it)"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=4000,
        required=False,
    )
    child_name = forms.CharField(label=_("Child's name"), max_length=150, required=False)
    child_age = forms.IntegerField(
        label=_("Child's age (years)"), min_value=0, max_value=17, required=False
    )
    child_sex = forms.ChoiceField(
        label=_("Child's sex"), choices=[("", "—"), *Sex.choices], required=False
    )


class CertificateCheckForm(forms.Form):
    number = forms.CharField(label=_("Certificate number"), max_length=40, min_length=8)

    def clean_number(self) -> str:
        return str(self.cleaned_data["number"]).strip().upper().replace(" ", "")


class CountsForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, choices=())

    def __init__(self, *args: Any, years: Sequence[int] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["year"]
        assert isinstance(field, forms.TypedChoiceField)  # noqa: S101 - narrows the type
        field.choices = [(y, str(y)) for y in years]


class ServicePointForm(forms.ModelForm[ServicePoint]):
    class Meta:
        model = ServicePoint
        fields = ["name", "kind", "kecamatan", "address", "is_active"]

    def __init__(self, *args: Any, city: Region | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["kecamatan"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - narrows the type
        field.queryset = (
            Region.objects.filter(code__startswith=f"{city.code}.", level="kecamatan")
            if city is not None
            else Region.objects.none()
        )


class ScheduleForm(forms.Form):
    service_point = forms.ModelChoiceField(
        label=_("Service point"), queryset=ServicePoint.objects.none()
    )
    counsellor = forms.ModelChoiceField(label=_("Counsellor"), queryset=Region.objects.none())
    weekday = forms.TypedChoiceField(
        label=_("Day of the week"),
        coerce=int,
        choices=Schedule._meta.get_field("weekday").choices,  # type: ignore[arg-type]  # a list
    )
    start_time = forms.TimeField(label=_("From"), widget=TIME)
    end_time = forms.TimeField(label=_("Until"), widget=TIME)
    slot_minutes = forms.IntegerField(
        label=_("Minutes per client"), initial=60, min_value=15, max_value=240
    )
    break_minutes = forms.IntegerField(
        label=_("Break between clients"), initial=15, min_value=0, max_value=120
    )
    valid_from = forms.DateField(label=_("Valid from"), widget=DATE)
    valid_until = forms.DateField(label=_("Valid until"), widget=DATE, required=False)

    def __init__(
        self, *args: Any, points: Any = None, counsellors: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        point_field = self.fields["service_point"]
        counsellor_field = self.fields["counsellor"]
        assert isinstance(point_field, forms.ModelChoiceField)  # noqa: S101 - narrows the type
        assert isinstance(counsellor_field, forms.ModelChoiceField)  # noqa: S101
        point_field.queryset = points
        counsellor_field.queryset = counsellors
