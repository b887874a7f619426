from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class RegionImportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What the file holds"),
        choices=[("csv", _("Region codes (CSV)")), ("geojson", _("Boundaries (GeoJSON)"))],
    )
    file = forms.FileField(label=_("File"))

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        head = upload.read(4096)
        upload.seek(0)
        if b"\x00" in head:
            raise forms.ValidationError(_("The file is not a text file."))
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            # A multi-byte character may be cut at the end of the sample.
            if len(head) < 4096 or exc.start < len(head) - 3:
                raise forms.ValidationError(_("The file is not UTF-8 text.")) from exc
        return upload
