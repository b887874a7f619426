"""Demo directory of Kota Balikpapan (issue #6): the UPTD PPA, its 24-hour hotline, SAPA 129,
Puspaga Harapan, and the four RBRA play spaces named in June 2025 (shared domain notes 4.6).

The hotline number is a clearly synthetic placeholder. Play-space points are the middle of their
kelurahan on the map and marked approximate; the secretariat replaces them with surveyed points.
"""

from __future__ import annotations

from decimal import Decimal

from layak.core.demo import DemoContext
from layak.portal import services
from layak.portal.models import Manager, PlaySpace, Service, ServiceKind
from layak.regions.maps import polygons
from layak.regions.models import Region

MT_HARYONO = "Jl. MT Haryono No. 186"

SERVICES: tuple[dict[str, object], ...] = (
    {
        "kind": ServiceKind.HOTLINE,
        "name": "Hotline 24 jam UPTD PPA Kota Balikpapan",
        "phone": "0800-0000-0000",
        "open_24h": True,
        "description": "Nomor contoh (sintetis) untuk demo — ganti dengan nomor hotline resmi. "
        "Laporan kekerasan terhadap anak dan perempuan, kapan saja; identitas pelapor "
        "dirahasiakan.",
    },
    {
        "kind": ServiceKind.UPTD_PPA,
        "name": "UPTD PPA Kota Balikpapan (DP3AKB)",
        "address": MT_HARYONO,
        "hours": "Senin–Jumat 08.00–16.00",
        "description": "Pengaduan, penjangkauan, pendampingan hukum dan psikologis, rujukan "
        "ke layanan kesehatan dan rumah aman untuk anak dan perempuan korban kekerasan.",
    },
    {
        "kind": ServiceKind.SAPA129,
        "name": "SAPA 129 (KemenPPPA)",
        "phone": "129",
        "whatsapp": "08111-129-129",
        "open_24h": True,
        "description": "Layanan nasional Sahabat Perempuan dan Anak: telepon 129 atau WhatsApp.",
    },
    {
        "kind": ServiceKind.PUSPAGA,
        "name": "Puspaga Harapan",
        "address": f"Belakang gedung Disdukcapil, {MT_HARYONO}",
        "hours": "Senin–Jumat, sesuai jadwal konselor",
        "description": "Konseling keluarga gratis dan rahasia: pengasuhan, konflik rumah "
        "tangga, remaja, anak berkebutuhan khusus.",
    },
    {
        "kind": ServiceKind.OTHER,
        "name": "Layanan darurat 112",
        "phone": "112",
        "open_24h": True,
        "description": "Nomor darurat nasional (polisi, ambulans, pemadam kebakaran).",
    },
)

#: name, kelurahan code, address, manager
PLAY_SPACES = (
    ("Taman Bekapai", "64.71.06.1004", "Jl. Jenderal Sudirman", Manager.GOVERNMENT),
    ("Taman Jl. Wiluyo Puspoyudo", "64.71.06.1003", "Jl. Wiluyo Puspoyudo", Manager.GOVERNMENT),
    ("Taman Tiga Generasi", "64.71.06.1005", "", Manager.GOVERNMENT),
    (
        "Halaman Masjid Madinatul Iman (Islamic Center)",
        "64.71.05.1006",
        "",
        Manager.CSR,
    ),
)


def _middle(region: Region) -> tuple[Decimal, Decimal] | None:
    """(latitude, longitude) of the middle of the region's outline box, if it has one."""
    points = [pt for poly in polygons(region.boundary or {}) for ring in poly for pt in ring]
    if not points:
        return None
    lng = (min(p[0] for p in points) + max(p[0] for p in points)) / 2
    lat = (min(p[1] for p in points) + max(p[1] for p in points)) / 2
    return Decimal(f"{lat:.6f}"), Decimal(f"{lng:.6f}")


def seed_portal(context: DemoContext) -> None:
    services.public_indicators_load_defaults()
    home: Region | None = context.shared.get("home")
    if home is None or Service.objects.filter(city=home).exists():
        return
    for order, values in enumerate(SERVICES):
        services.service_save(
            actor=None,
            service=Service(city=home, order=order, **values),
            changed=[],
        )
    kelurahan = {r.code: r for r in Region.objects.filter(code__startswith=f"{home.code}.")}
    for name, code, address, manager in PLAY_SPACES:
        region = kelurahan.get(code)
        point = _middle(region) if region is not None else None
        services.play_space_save(
            actor=None,
            space=PlaySpace(
                city=home,
                name=name,
                kelurahan=region,
                address=address,
                latitude=point[0] if point else None,
                longitude=point[1] if point else None,
                location_approximate=True,
                manager=manager,
            ),
            changed=[],
        )
