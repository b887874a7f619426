"""Input forms of the plans pages; the rules themselves live in the services and models."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from layak.accounts.models import Agency, User
from layak.core.uploads import ACCEPTED_EXTENSIONS
from layak.plans.models import AttendanceStatus, Cluster


class CodesField(forms.CharField):
    """Codes separated by commas or spaces."""

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [code for code in text.replace(",", " ").split() if code]


class PlanForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    start_year = forms.IntegerField(label=_("First year"), min_value=2000, max_value=2100)
    end_year = forms.IntegerField(label=_("Last year"), min_value=2000, max_value=2100)


class ActionForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=20)
    title = forms.CharField(label=_("Title"), max_length=300)
    cluster = forms.ChoiceField(label=_("Cluster"), choices=Cluster.choices)
    agency = forms.ModelChoiceField(label=_("Owner agency"), queryset=Agency.objects.none())
    evaluation_indicator_codes = CodesField(label=_("Evaluation indicators"), required=False)
    question_codes = CodesField(label=_("Evaluation questions"), required=False)
    indicator_codes = CodesField(label=_("Indicators"), required=False)
    budget_line = forms.CharField(label=_("APBD budget line"), max_length=300, required=False)
    budget_amount = forms.DecimalField(label=_("Budget (Rp)"), max_digits=16, decimal_places=2)

    def __init__(self, *args: Any, region_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.filter(  # type: ignore[attr-defined]
            region_id=region_id, is_active=True
        )


class TargetForm(forms.Form):
    year = forms.IntegerField(label=_("Year"))
    target = forms.CharField(label=_("Target"), max_length=300)
    value = forms.DecimalField(label=_("Value"), max_digits=14, decimal_places=2, required=False)


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("Milestone"), max_length=300)
    due_on = forms.DateField(label=_("Due date"))


class DoneForm(forms.Form):
    done_on = forms.DateField(label=_("Done on"))
    note = forms.CharField(label=_("How it was done"), required=False, widget=forms.Textarea)


class ProgressForm(forms.Form):
    reported_on = forms.DateField(label=_("Date"))
    text = forms.CharField(label=_("Progress"), widget=forms.Textarea)
    percent = forms.IntegerField(label=_("Percent of the year's target"))
    evidence = forms.FileField(
        label=_("Evidence"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(ACCEPTED_EXTENSIONS)}),
    )


class MeetingForm(forms.Form):
    held_on = forms.DateField(label=_("Date"))
    title = forms.CharField(label=_("Title"), max_length=200)
    agenda = forms.CharField(label=_("Agenda"), required=False, widget=forms.Textarea)
    minutes = forms.CharField(label=_("Minutes"), required=False, widget=forms.Textarea)


class AttendanceForm(forms.Form):
    agency = forms.ModelChoiceField(label=_("Agency"), queryset=Agency.objects.none())
    status = forms.ChoiceField(label=_("Attendance"), choices=AttendanceStatus.choices)
    representative = forms.CharField(label=_("Representative"), max_length=150, required=False)

    def __init__(self, *args: Any, region_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.filter(  # type: ignore[attr-defined]
            region_id=region_id, is_active=True
        )


class DecisionForm(forms.Form):
    text = forms.CharField(label=_("Decision"), widget=forms.Textarea)


class FollowUpForm(forms.Form):
    text = forms.CharField(label=_("Follow-up"), widget=forms.Textarea)
    agency = forms.ModelChoiceField(label=_("Owner agency"), queryset=Agency.objects.none())
    owner = forms.ModelChoiceField(
        label=_("Person in charge"), queryset=User.objects.none(), required=False
    )
    due_on = forms.DateField(label=_("Due date"))

    def __init__(self, *args: Any, region_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.filter(  # type: ignore[attr-defined]
            region_id=region_id, is_active=True
        )
        self.fields["owner"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            agency__region_id=region_id, is_active=True
        )
