"""Forms parse input for the evaluation services; they never save."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from layak.core.formatting import format_score
from layak.evaluations.models import (
    Answer,
    AnswerOption,
    Indicator,
    Instrument,
    validate_effort,
)

MAX_WORKBOOK_BYTES = 20 * 1024 * 1024


class InstrumentImportForm(forms.Form):
    file = forms.FileField(label=_("Instrument workbook (XLSX)"))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_WORKBOOK_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        if upload.read(4) != b"PK\x03\x04":
            raise forms.ValidationError(_("The file is not an XLSX workbook."))
        upload.seek(0)
        return upload


class CycleOpenForm(forms.Form):
    instrument = forms.ModelChoiceField(label=_("Instrument"), queryset=Instrument.objects.all())
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    answer_deadline = forms.DateField(
        label=_("Answers due"), widget=forms.DateInput(attrs={"type": "date"})
    )
    review_deadline = forms.DateField(
        label=_("Review due"), widget=forms.DateInput(attrs={"type": "date"})
    )
    submission_deadline = forms.DateField(
        label=_("Submission due"), widget=forms.DateInput(attrs={"type": "date"})
    )


def _offer_options(
    form: forms.Form, answer: Answer, options: list[AnswerOption]
) -> dict[str, AnswerOption]:
    """Offer the question's options (label and points) in the form's "option" field."""
    field = form.fields["option"]
    if not isinstance(field, forms.ChoiceField):
        raise TypeError("option must be a choice field")
    maximum = Fraction(answer.question.max_points)
    field.choices = [
        (str(o.pk), f"{o.label} ({format_score(maximum * o.fraction)})") for o in options
    ]
    return {str(o.pk): o for o in options}


class AnswerForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    option = forms.ChoiceField(label=_("Answer"), widget=forms.RadioSelect, required=False)
    explanation = forms.CharField(
        label=_("Explanation"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=10_000,
    )

    def __init__(self, *args: Any, answer: Answer, options: list[AnswerOption], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.options = _offer_options(self, answer, options)
        for name in answer.question.data_fields:
            self.fields[f"data_{name}"] = forms.DecimalField(
                label=name.replace("_", " "),
                required=False,
                min_value=0,
                max_digits=14,
                decimal_places=2,
            )

    def chosen_option(self) -> AnswerOption | None:
        value = self.cleaned_data.get("option") or ""
        return self.options.get(value)

    def data_values(self) -> dict[str, str]:
        return {
            name[5:]: str(value)
            for name, value in self.cleaned_data.items()
            if name.startswith("data_") and value is not None
        }


class ReviewForm(forms.Form):
    #: The answer's version when the page was read: a review of a changed answer is refused.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("accept", _("Accept")), ("return", _("Return for revision"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note to the agency"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5_000,
    )


class VerifyForm(forms.Form):
    option = forms.ChoiceField(label=_("Verified answer"), widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("Verification note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5_000,
    )

    def __init__(self, *args: Any, answer: Answer, options: list[AnswerOption], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.options = _offer_options(self, answer, options)


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("Evidence file (PDF, image, Word or Excel)"))


def parse_effort(raw: str) -> Decimal | None:
    """An effort typed on the planning page: blank is None (proportional to the points);
    otherwise a finite number in the accepted range (comma or point as decimal mark)."""
    value = _typed_decimal(raw, _("Effort must be a number."))
    if value is not None:
        validate_effort(value)
    return value


def _typed_decimal(raw: str, message: Any) -> Decimal | None:
    """A number typed on a page: blank is None; comma or point as the decimal mark;
    ``message`` when it is not a number (callers check the range: NaN and infinity pass)."""
    text = raw.strip().replace(",", ".")
    if not text:
        return None
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError(message) from exc
    return value


def parse_ids(values: list[str]) -> list[int]:
    """Primary keys posted by a multiple select; anything but ASCII digits is ignored
    (``str.isdigit`` also accepts "²" or "٣", which are no database ids)."""
    return [int(v) for v in values if v.isascii() and v.isdigit()]


class AwardForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    evaluated = forms.BooleanField(label=_("Evaluated that year"), required=False, initial=True)
    category = forms.CharField(label=_("Category awarded"), max_length=60, required=False)
    verified_score = forms.DecimalField(
        label=_("Verified score"),
        required=False,
        min_value=0,
        max_value=1000,
        decimal_places=2,
        max_digits=8,
    )
    self_score = forms.DecimalField(
        label=_("Self-assessment score"),
        required=False,
        min_value=0,
        max_value=1000,
        decimal_places=2,
        max_digits=8,
        help_text=_("Left blank, it is filled from the submitted evaluation of that year."),
    )
    decree = forms.CharField(label=_("Decree or source"), max_length=200, required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
    public = forms.BooleanField(label=_("Shown on the public portal"), required=False, initial=True)


class HistoryImportForm(InstrumentImportForm):
    """The workbook is checked by content as the instrument's is (``clean_file``)."""

    instrument = forms.ModelChoiceField(label=_("Instrument"), queryset=Instrument.objects.none())
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    field_order = ["instrument", "year", "file"]

    def __init__(self, *args: Any, instruments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].label = _("History workbook (XLSX)")
        instrument = self.fields["instrument"]
        if isinstance(instrument, forms.ModelChoiceField):
            instrument.queryset = instruments


def _points(text: str) -> Decimal | None:
    """A score typed on the page: blank is None; comma or point as the decimal mark."""
    message = _("Enter a number, e.g. 12,50.")
    value = _typed_decimal(text, message)
    if value is not None and not value.is_finite():
        raise ValidationError(message)
    return value


class OfficialForm(forms.Form):
    """One text input per indicator (the declared score), then the year's declared total and
    category (kept in the city's ``Award``)."""

    total = forms.CharField(label=_("Official total"), required=False, max_length=20)
    category = forms.CharField(label=_("Category awarded"), required=False, max_length=60)

    def __init__(self, *args: Any, indicators: list[Indicator], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.indicators = indicators
        for indicator in indicators:
            self.fields[f"indicator_{indicator.pk}"] = forms.CharField(
                label=f"{indicator.code}. {indicator.name}", required=False, max_length=20
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name in [*(f"indicator_{i.pk}" for i in self.indicators), "total"]:
            try:
                cleaned[name] = _points(self.data.get(name, ""))
            except ValidationError as error:
                self.add_error(name, error)
        return cleaned

    def values(self) -> dict[int, Decimal | None]:
        return {i.pk: self.cleaned_data.get(f"indicator_{i.pk}") for i in self.indicators}
