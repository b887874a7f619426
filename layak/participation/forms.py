"""Forms of the Forum Anak module: they parse input only; the rules live in ``services.py``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from layak.accounts.models import Agency, User
from layak.core.uploads import ACCEPTED_EXTENSIONS
from layak.participation.models import (
    Cluster,
    ConsentRelation,
    Consultation,
    ForumLevel,
    Member,
    PlanningLevel,
    PlanningStatus,
    Status,
)
from layak.regions.models import Region
from layak.regions.selectors import kelurahan_choices

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _city_regions(city: Region | None, *levels: str) -> Any:
    if city is None:
        return Region.objects.none()
    return Region.objects.filter(
        Q(code=city.code) | Q(code__startswith=f"{city.code}."), level__in=levels
    ).order_by("name")


#: Simple topics a child can pick on the public form, each standing for a cluster.
CHILD_TOPICS = [
    ("", _("I don't know")),
    (Cluster.EDUCATION, _("School, playing, sport, art")),
    (Cluster.HEALTH, _("Health, food, clean water, clean air")),
    (Cluster.FAMILY, _("Family and care")),
    (Cluster.PROTECTION, _("Safety: violence, bullying, danger")),
    (Cluster.CIVIL_RIGHTS, _("My rights, my voice, birth certificate")),
]


class PublicAspirationForm(forms.Form):
    """The child's form: one text and nothing required about the child."""

    text = forms.CharField(
        label=_("What do you want to tell the city?"),
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": 2000}),
        max_length=2000,
        help_text=_("What should be better? Where? Do not write names."),
    )
    topic = forms.ChoiceField(label=_("What is it about?"), choices=CHILD_TOPICS, required=False)
    kelurahan = forms.ModelChoiceField(
        label=_("Your kelurahan (you can skip this)"),
        queryset=Region.objects.none(),
        required=False,
    )
    age = forms.IntegerField(
        label=_("Your age (you can skip this)"), min_value=4, max_value=18, required=False
    )
    name = forms.CharField(
        label=_("Your name (you can skip this)"),
        max_length=150,
        required=False,
        help_text=_("Only the Forum Anak team sees it. It is never shown on the website."),
    )
    # The honeypot: hidden from people by CSS and aria-hidden; bots fill it in.
    website = forms.CharField(required=False, label=_("Leave this empty"))

    def __init__(self, *args: Any, city: Region | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["kelurahan"]
        field.queryset = kelurahan_choices(city)


class ForumForm(forms.Form):
    level = forms.ChoiceField(label=_("Level"), choices=ForumLevel.choices)
    region = forms.ModelChoiceField(label=_("Area"), queryset=Region.objects.none())
    name = forms.CharField(label=_("Name"), max_length=150)
    decree = forms.CharField(label=_("Decree (SK) number"), max_length=120, required=False)
    decree_on = forms.DateField(label=_("Decree date"), required=False, widget=DATE)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, city: Region, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["region"]
        field.queryset = _city_regions(city, "kota", "kabupaten", "kecamatan", "kelurahan", "desa")


class FacilitatorsForm(forms.Form):
    facilitators = forms.ModelMultipleChoiceField(
        label=_("Facilitators"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, candidates: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["facilitators"]
        field.queryset = candidates


class MemberForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    birth_year = forms.IntegerField(
        label=_("Year of birth"), min_value=1990, max_value=2100, required=False
    )
    school = forms.CharField(label=_("School"), max_length=150, required=False)
    kelurahan = forms.ModelChoiceField(
        label=_("Kelurahan"), queryset=Region.objects.none(), required=False
    )
    is_board = forms.BooleanField(label=_("Board member (pengurus)"), required=False)
    kha_trained_on = forms.DateField(
        label=_("Trained in the Convention on the Rights of the Child on"),
        required=False,
        widget=DATE,
    )
    joined_on = forms.DateField(label=_("Joined on"), widget=DATE, initial=timezone.localdate)

    def __init__(self, *args: Any, city: Region, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["kelurahan"]
        field.queryset = kelurahan_choices(city)


class ConsentForm(forms.Form):
    given_by = forms.CharField(label=_("Consent given by (name)"), max_length=150)
    relation = forms.ChoiceField(label=_("Relation to the child"), choices=ConsentRelation.choices)
    given_on = forms.DateField(label=_("Consent given on"), widget=DATE)


class MemberAddForm(MemberForm, ConsentForm):
    """A new member always comes with the parent's or guardian's consent."""


class WithdrawForm(forms.Form):
    on = forms.DateField(label=_("Withdrawn on"), widget=DATE, initial=timezone.localdate)


class ConsultationForm(forms.Form):
    held_on = forms.DateField(label=_("Held on"), widget=DATE)
    topic = forms.CharField(label=_("Topic"), max_length=200)
    participants = forms.IntegerField(
        label=_("Children taking part"), min_value=0, max_value=100000
    )
    girls = forms.IntegerField(label=_("Of whom girls"), min_value=0, required=False)
    boys = forms.IntegerField(label=_("Of whom boys"), min_value=0, required=False)
    notes = forms.CharField(
        label=_("Notes (no names)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=4000,
    )


class AspirationForm(forms.Form):
    """An aspiration recorded by a facilitator or the secretariat for a forum."""

    text = forms.CharField(
        label=_("Aspiration"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000
    )
    cluster = forms.ChoiceField(
        label=_("Cluster"), choices=[("", "—"), *Cluster.choices], required=False
    )
    kelurahan = forms.ModelChoiceField(
        label=_("Kelurahan"), queryset=Region.objects.none(), required=False
    )
    member = forms.ModelChoiceField(
        label=_("Voiced by (member)"), queryset=Member.objects.none(), required=False
    )
    consultation = forms.ModelChoiceField(
        label=_("From the consultation"), queryset=Consultation.objects.none(), required=False
    )

    def __init__(self, *args: Any, city: Region, members: Any, consultations: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["kelurahan"].queryset = kelurahan_choices(city)
        fields["member"].queryset = members
        fields["member"].label_from_instance = lambda m: m.name or "—"
        fields["consultation"].queryset = consultations
        fields["consultation"].label_from_instance = lambda c: f"{c.held_on:%Y-%m-%d} {c.topic}"


class RouteForm(forms.Form):
    safe_text = forms.CharField(
        label=_("Text for the agency (child-safe)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text=_(
            "The agency, leadership and later the public page see this text, never the "
            "original. Remove names, schools, addresses and anything else that shows who the "
            "child is."
        ),
    )
    cluster = forms.ChoiceField(label=_("Cluster"), choices=Cluster.choices)
    agency = forms.ModelChoiceField(label=_("Responsible agency"), queryset=Agency.objects.none())
    due_on = forms.DateField(
        label=_("Answer due on"),
        required=False,
        widget=DATE,
        help_text=_("Empty: the default number of days from today."),
    )

    def __init__(self, *args: Any, agencies: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["agency"]
        field.queryset = agencies


class PublishForm(forms.Form):
    public_text = forms.CharField(
        label=_("Text for the public page"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text=_(
            "Short, simple sentences. No name, school, address or anything else that shows "
            "who the child is."
        ),
    )


class RespondForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[(Status.ANSWERED, Status.ANSWERED.label), (Status.ACTED, Status.ACTED.label)],
    )
    response = forms.CharField(
        label=_("The agency's answer"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        help_text=_(
            "Children read this on the public page: short sentences, what you will do and "
            "when. Do not name any child."
        ),
    )
    evidence = forms.FileField(
        label=_("Evidence (optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(ACCEPTED_EXTENSIONS)}),
    )


class PlanningForm(forms.Form):
    level = forms.ChoiceField(label=_("Musrenbang"), choices=PlanningLevel.choices)
    year = forms.IntegerField(label=_("Planning year"), min_value=2000, max_value=2100)
    status = forms.ChoiceField(label=_("Outcome"), choices=PlanningStatus.choices)
    funded_year = forms.IntegerField(
        label=_("Budget year"), min_value=2000, max_value=2100, required=False
    )
    amount = forms.DecimalField(
        label=_("Amount (Rp, optional)"),
        min_value=0,
        max_digits=15,
        decimal_places=0,
        required=False,
    )


class AspirationFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All")), *Status.choices], required=False
    )
    cluster = forms.ChoiceField(
        label=_("Cluster"), choices=[("", _("All")), *Cluster.choices], required=False
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
