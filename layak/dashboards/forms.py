"""Input form of the challenge page; the rules live in the service."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from layak.indicators.models import Definition


class ChallengeForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    order = forms.IntegerField(
        label=_("Order"),
        min_value=0,
        max_value=32767,
        help_text=_("Challenges are shown from the lowest number up."),
    )
    indicators = forms.MultipleChoiceField(
        label=_("Key indicators"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, current: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.current = current
        indicators = self.fields["indicators"]
        assert isinstance(indicators, forms.MultipleChoiceField)  # noqa: S101  (declared above)
        indicators.choices = [
            (d.code, f"{d.name} ({d.code})")
            for d in Definition.objects.filter(active=True).order_by("cluster", "code")
        ]

    def clean_indicators(self) -> list[str]:
        """The chosen codes, those already chosen keeping their order, new ones after them."""
        chosen = list(self.cleaned_data["indicators"])
        return [c for c in self.current if c in chosen] + [
            c for c in chosen if c not in self.current
        ]
