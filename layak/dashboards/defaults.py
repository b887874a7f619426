"""The default challenges of every city: the six the Balikpapan task force named at its
coordination meeting of 7 Nov 2025 (shared domain notes, 4). Names are English msgids,
translated when shown; a city that edits them gets its own copy."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_noop

DEFAULTS: list[tuple[str, str, list[str], str]] = [
    (
        "kekerasan",
        gettext_noop("Violence against children"),
        ["kekerasan-anak", "patbm"],
        gettext_noop("Cases of violence and community-based child protection (PATBM)."),
    ),
    (
        "perlindungan-digital",
        gettext_noop("Digital protection"),
        ["kekerasan-daring"],
        gettext_noop('Protection of children online (PP 17/2025 "PP Tunas").'),
    ),
    (
        "perkawinan-anak",
        gettext_noop("Child marriage"),
        ["dispensasi-kawin", "puspaga-layanan"],
        gettext_noop("Dispensations for marriage under 19 and family counselling (Puspaga)."),
    ),
    (
        "partisipasi-anak",
        gettext_noop("Child participation"),
        ["forum-anak"],
        gettext_noop("Forum Anak in every kelurahan and kecamatan."),
    ),
    (
        "ruang-publik-aman",
        gettext_noop("Safe public spaces"),
        ["rbra-jumlah", "rbra-cakupan"],
        gettext_noop("Child-friendly play spaces (RBRA)."),
    ),
    (
        "putus-sekolah",
        gettext_noop("Drop-out"),
        ["putus-sekolah", "anak-tidak-sekolah"],
        gettext_noop("Children who dropped out of school or are out of school."),
    ),
]


def load_default_challenges(model: Any = None) -> int:
    """Create or refresh the default challenges (``model`` is the historical model in a
    migration); returns how many there are."""
    if model is None:
        from layak.dashboards.models import Challenge

        model = Challenge
    for order, (code, name, codes, description) in enumerate(DEFAULTS, start=1):
        model.objects.update_or_create(
            city=None,
            code=code,
            defaults={
                "name": name,
                "order": order * 10,
                "indicator_codes": codes,
                "description": description,
            },
        )
    return len(DEFAULTS)
