"""Publish the default set of indicators on the portal (issue #6)."""

from typing import Any

from django.db import migrations

DEFAULT = (
    "kekerasan-anak",
    "akta-lahir",
    "stunting",
    "putus-sekolah",
    "rbra-jumlah",
    "forum-anak",
    "patbm",
)


def publish(apps: Any, schema_editor: Any) -> None:
    definition = apps.get_model("indicators", "Definition")
    public = apps.get_model("portal", "PublicIndicator")
    found = {d.code: d for d in definition.objects.filter(code__in=DEFAULT)}
    for order, code in enumerate(DEFAULT):
        if code in found:
            public.objects.get_or_create(definition=found[code], defaults={"order": order})


def unpublish(apps: Any, schema_editor: Any) -> None:
    apps.get_model("portal", "PublicIndicator").objects.filter(
        definition__code__in=DEFAULT
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0001_directory"),
        ("indicators", "0002_builtin_definitions"),
    ]

    operations = [migrations.RunPython(publish, unpublish)]
