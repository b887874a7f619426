"""Forms of the case module: they parse and validate input; services do the writes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import MaxValueValidator
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from layak.accounts.models import Agency, User
from layak.cases.models import (
    Channel,
    ConsentGiver,
    Holiday,
    Lookup,
    LookupKind,
    Purpose,
    ReferralScope,
    Stage,
)
from layak.core.choices import Sex
from layak.regions.models import Region
from layak.regions.selectors import kelurahan_choices

DATE = forms.DateInput(attrs={"type": "date"})


def lookups(kind: str) -> QuerySet[Lookup]:
    return Lookup.objects.filter(kind=kind, is_active=True).order_by("order", "code")


class _CityForm(forms.Form):
    def __init__(self, *args: Any, city: Region | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "kelurahan" in self.fields:
            field: Any = self.fields["kelurahan"]
            field.queryset = kelurahan_choices(city)


class PublicReportForm(_CityForm):
    """The public form: only what is needed, nothing required about the reporter."""

    description = forms.CharField(
        label=_("What happened?"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=4000,
        help_text=_("Where and when, who is hurt, whether the child is safe now."),
    )
    kelurahan = forms.ModelChoiceField(
        label=_("Kelurahan where it happened"), queryset=Region.objects.none(), required=False
    )
    child_age = forms.IntegerField(
        label=_("Child's age (about)"), min_value=0, max_value=17, required=False
    )
    child_sex = forms.ChoiceField(
        label=_("Child's sex"), choices=[("", "—"), *Sex.choices], required=False
    )
    anonymous = forms.BooleanField(label=_("I do not want to give my name"), required=False)
    reporter_name = forms.CharField(label=_("Your name"), max_length=150, required=False)
    reporter_contact = forms.CharField(
        label=_("Your phone or e-mail (so we can call you back)"), max_length=150, required=False
    )
    # The honeypot: hidden from people by CSS and aria-hidden; bots fill it in.
    website = forms.CharField(required=False, label=_("Leave this empty"))


class StatusForm(forms.Form):
    code = forms.CharField(label=_("Tracking code"), max_length=16, min_length=6)

    def clean_code(self) -> str:
        return str(self.cleaned_data["code"]).strip().upper().replace(" ", "").replace("-", "")


class ReportForm(PublicReportForm):
    """A report received by case staff from any channel."""

    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    child_name = forms.CharField(label=_("Child's name"), max_length=150, required=False)
    reporter_relation = forms.CharField(
        label=_("Reporter's relation to the child"), max_length=60, required=False
    )
    field_order = [
        "channel",
        "description",
        "kelurahan",
        "child_name",
        "child_age",
        "child_sex",
        "anonymous",
        "reporter_name",
        "reporter_contact",
        "reporter_relation",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["website"]
        age: Any = self.fields["child_age"]
        age.max_value = 120
        age.widget.attrs["max"] = 120
        age.validators = [v for v in age.validators if not isinstance(v, MaxValueValidator)] + [
            MaxValueValidator(120)
        ]


class CaseForm(_CityForm):
    kelurahan = forms.ModelChoiceField(
        label=_("Kelurahan of the incident"), queryset=Region.objects.none(), required=False
    )
    risk = forms.ModelChoiceField(
        label=_("Risk level"), queryset=Lookup.objects.none(), required=False
    )
    child_marriage = forms.BooleanField(label=_("Child marriage"), required=False)
    online_harm = forms.BooleanField(label=_("Online harm"), required=False)
    summary = forms.CharField(
        label=_("Summary"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=8000,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        risk: Any = self.fields["risk"]
        risk.queryset = lookups(LookupKind.RISK)


class VictimForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150, required=False)
    nik = forms.CharField(label=_("NIK"), max_length=20, required=False)
    birth_date = forms.DateField(label=_("Date of birth"), required=False, widget=DATE)
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices)
    age = forms.IntegerField(label=_("Age at the incident (years)"), min_value=0, max_value=120)
    violence = forms.ModelMultipleChoiceField(
        label=_("Forms of violence"),
        queryset=Lookup.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    education = forms.ModelChoiceField(
        label=_("Education"), queryset=Lookup.objects.none(), required=False
    )
    occupation = forms.ModelChoiceField(
        label=_("Occupation"), queryset=Lookup.objects.none(), required=False
    )
    disability = forms.ModelChoiceField(
        label=_("Disability"), queryset=Lookup.objects.none(), required=False
    )
    address = forms.CharField(
        label=_("Address"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=500
    )
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    guardian = forms.CharField(label=_("Parent or guardian"), max_length=150, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    confirm_duplicate = forms.BooleanField(
        label=_("I have seen the possible match and this is a different person or case"),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, kind in (
            ("violence", LookupKind.VIOLENCE_FORM),
            ("education", LookupKind.EDUCATION),
            ("occupation", LookupKind.OCCUPATION),
            ("disability", LookupKind.DISABILITY),
        ):
            field: Any = self.fields[name]
            field.queryset = lookups(kind)


class PerpetratorForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150, required=False)
    sex = forms.ChoiceField(label=_("Sex"), choices=[("", "—"), *Sex.choices], required=False)
    age = forms.IntegerField(label=_("Age (years)"), min_value=0, max_value=120, required=False)
    relationship = forms.ModelChoiceField(
        label=_("Relationship to the victim"), queryset=Lookup.objects.none(), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["relationship"]
        field.queryset = lookups(LookupKind.RELATIONSHIP)


class IncidentForm(_CityForm):
    occurred_on = forms.DateField(label=_("Date"), required=False, widget=DATE)
    place = forms.ModelChoiceField(label=_("Place"), queryset=Lookup.objects.none(), required=False)
    kelurahan = forms.ModelChoiceField(
        label=_("Kelurahan"), queryset=Region.objects.none(), required=False
    )
    description = forms.CharField(
        label=_("What happened"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=8000,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["place"]
        field.queryset = lookups(LookupKind.PLACE)


class ServiceForm(forms.Form):
    kind = forms.ModelChoiceField(label=_("Service"), queryset=Lookup.objects.none())
    provider = forms.ModelChoiceField(
        label=_("Provider"), queryset=Agency.objects.none(), required=False
    )
    started_on = forms.DateField(label=_("From"), widget=DATE, initial=timezone.localdate)
    ended_on = forms.DateField(label=_("Until"), widget=DATE, required=False)
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=4000
    )

    def __init__(self, *args: Any, city: Region | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind: Any = self.fields["kind"]
        kind.queryset = lookups(LookupKind.SERVICE_TYPE)
        provider: Any = self.fields["provider"]
        provider.queryset = Agency.objects.filter(region=city, is_active=True).order_by("name")


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), max_length=8000
    )


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("Document or photo"))


class StageForm(forms.Form):
    stage = forms.ChoiceField(label=_("Stage"), choices=Stage.choices)
    note = forms.CharField(
        label=_("Closure note"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=4000,
    )


class TeamForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Person"), queryset=User.objects.none())
    action = forms.ChoiceField(
        choices=[
            ("add", _("Add to the team")),
            ("remove", _("Remove")),
            ("owner", _("Put in charge")),
        ]
    )

    def __init__(
        self, *args: Any, agency: Agency | None = None, case: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["user"]
        staff = Q(
            agency=agency,
            is_active=True,
            role_assignments__role__in=["case_manager", "case_worker"],
        )
        # Current members can always be removed, also after they moved to another agency.
        members = Q(case_memberships__case=case) if case is not None else Q(pk__in=[])
        field.queryset = User.objects.filter(staff | members).distinct().order_by("full_name")


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Purpose.choices)
    given_by = forms.ChoiceField(label=_("Given by"), choices=ConsentGiver.choices)
    given_on = forms.DateField(label=_("Date"), widget=DATE, initial=timezone.localdate)


class WithdrawForm(forms.Form):
    on = forms.DateField(label=_("Withdrawn on"), widget=DATE, initial=timezone.localdate)


class ReferralForm(forms.Form):
    scope = forms.ChoiceField(label=_("What to share"), choices=ReferralScope.choices)
    to_agency = forms.ModelChoiceField(label=_("To agency"), queryset=Agency.objects.none())
    to_user = forms.ModelChoiceField(
        label=_("To person (optional)"), queryset=User.objects.none(), required=False
    )
    service_kind = forms.ModelChoiceField(
        label=_("Service requested"), queryset=Lookup.objects.none(), required=False
    )
    message = forms.CharField(
        label=_("What the receiver needs to know"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=4000,
    )
    override_reason = forms.CharField(
        label=_("Reason to share without consent (case manager only)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
    )

    def __init__(
        self, *args: Any, city: Region | None = None, exclude: Agency | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        agencies = Agency.objects.filter(region=city, is_active=True).order_by("name")
        to_agency: Any = self.fields["to_agency"]
        to_agency.queryset = agencies
        to_user: Any = self.fields["to_user"]
        to_user.queryset = (
            User.objects.filter(
                agency__in=agencies,
                is_active=True,
                role_assignments__role__in=["case_manager", "case_worker", "counsellor"],
            )
            .distinct()
            .order_by("full_name")
        )
        kind: Any = self.fields["service_kind"]
        kind.queryset = lookups(LookupKind.SERVICE_TYPE)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )


class BreakGlassForm(forms.Form):
    number = forms.CharField(label=_("Case number"), max_length=30)
    reason = forms.CharField(
        label=_("Why do you need this case now?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        min_length=10,
    )


class MergeForm(forms.Form):
    number = forms.CharField(label=_("Case number to merge into"), max_length=30)


class StatisticsForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, choices=[])
    unit = forms.ChoiceField(
        label=_("Count"),
        choices=[("victims", _("Victims")), ("cases", _("Cases")), ("reports", _("Reports"))],
        initial="victims",
    )
    dimension = forms.ChoiceField(
        label=_("By"),
        choices=[
            ("form", _("Form of violence")),
            ("age_group", _("Age group")),
            ("sex", _("Sex")),
            ("kecamatan", _("Kecamatan")),
            ("kelurahan", _("Kelurahan")),
            ("month", _("Month")),
            ("channel", _("Channel (reports only)")),
        ],
        initial="form",
    )

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        year: Any = self.fields["year"]
        year.choices = [(y, str(y)) for y in years]
        year.initial = years[0] if years else timezone.localdate().year

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        unit, dimension = data.get("unit"), data.get("dimension")
        if unit == "reports" and dimension in ("form", "age_group", "sex"):
            self.add_error(
                "dimension", _("Reports are counted by kecamatan, kelurahan, month or channel.")
            )
        if unit != "reports" and dimension == "channel":
            self.add_error("dimension", _("Only reports have a channel."))
        return data


class LookupForm(forms.ModelForm[Lookup]):
    class Meta:
        model = Lookup
        fields = ["kind", "code", "name", "name_en", "order", "min_value", "max_value", "is_active"]


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Case number or child's name"), max_length=100, required=False)


class HolidayForm(forms.ModelForm[Holiday]):
    class Meta:
        model = Holiday
        fields = ["date", "name"]
        widgets = {"date": DATE}
