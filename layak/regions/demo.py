"""Demo regions: the bundled provinces and Balikpapan; at national size, synthetic kab/kota.

Outside Balikpapan the codes and names are synthetic ("Kabupaten Sintetis 11.01"), giving 514
kab/kota in all, as many as Indonesia has.
"""

from __future__ import annotations

from layak.core.demo import DemoContext
from layak.regions.models import Region, RegionLevel
from layak.regions.services import regions_load_bundled

NATIONAL_KABKOTA = 514
KECAMATAN_PER_KABKOTA = 3
KELURAHAN_PER_KECAMATAN = 2


def seed_regions(context: DemoContext) -> None:
    regions_load_bundled(actor=None)
    context.shared["home"] = Region.objects.get(code="64.71")
    if context.size != "national":
        context.shared["kabkota"] = [context.shared["home"]]
        return
    provinces = list(Region.objects.filter(level=RegionLevel.PROVINSI).order_by("code"))
    existing = set(
        Region.objects.filter(level__in=[RegionLevel.KOTA, RegionLevel.KABUPATEN]).values_list(
            "code", flat=True
        )
    )
    wanted: list[tuple[Region, str]] = []
    number = 0
    while len(existing) + len(wanted) < NATIONAL_KABKOTA:
        number += 1
        for province in provinces:
            code = f"{province.code}.{number:02d}"
            if code not in existing and len(existing) + len(wanted) < NATIONAL_KABKOTA:
                wanted.append((province, code))
    kabkota = [
        Region(
            code=code,
            level=RegionLevel.KABUPATEN,
            parent=province,
            name=f"Kabupaten Sintetis {code}",
        )
        for province, code in wanted
    ]
    Region.objects.bulk_create(kabkota)
    kabkota = list(Region.objects.filter(code__in=[c for _p, c in wanted]))
    kecamatan = [
        Region(
            code=f"{kk.code}.{i:02d}",
            level=RegionLevel.KECAMATAN,
            parent=kk,
            name=f"Kecamatan Sintetis {kk.code}.{i:02d}",
        )
        for kk in kabkota
        for i in range(1, KECAMATAN_PER_KABKOTA + 1)
    ]
    Region.objects.bulk_create(kecamatan)
    kecamatan = list(Region.objects.filter(parent__in=kabkota, level=RegionLevel.KECAMATAN))
    Region.objects.bulk_create(
        [
            Region(
                code=f"{kec.code}.{2000 + i}",
                level=RegionLevel.DESA,
                parent=kec,
                name=f"Desa Sintetis {kec.code}.{2000 + i}",
                postcode=f"{context.rng.randint(10000, 99999)}",
            )
            for kec in kecamatan
            for i in range(1, KELURAHAN_PER_KECAMATAN + 1)
        ]
    )
    context.shared["kabkota"] = list(
        Region.objects.filter(level__in=[RegionLevel.KOTA, RegionLevel.KABUPATEN]).order_by("code")
    )
