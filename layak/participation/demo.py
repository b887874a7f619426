"""Synthetic Forum Anak demo data for Balikpapan (issue #5): the city Forum Anak (facilitated
by ``fasilitator.fa``) and one forum per kecamatan (inaugurated 26 Nov 2023, domain.md 4.5),
about 30 members with parental consent (one withdrawn, so its data is erased), consultations,
and about 40 aspirations across the clusters routed to the agencies, in every status, some
proposed in Musrenbang and most of the answered ones published with a child-safe text.

Everything goes through the services, so the demo shows what the services really write. The
aspirations' dates are then spread over the last months. A city that already has a city
forum is left alone, so seeding twice adds nothing. Names are generated, never real.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.utils import timezone

from layak.accounts.models import Agency, User
from layak.accounts.roles import Role
from layak.core.demo import DemoContext, person_name
from layak.participation import services
from layak.participation.models import (
    Aspiration,
    Cluster,
    ConsentRelation,
    Consultation,
    Forum,
    ForumLevel,
    Member,
    PlanningLevel,
    PlanningStatus,
    Status,
)
from layak.regions.models import Region

FACILITATOR = "fasilitator.fa"
SECRETARIAT = "sekretariat"

# (cluster, agency codes, what a child said, the child-safe public text, the agency's answer)
ASPIRATIONS: list[tuple[str, tuple[str, ...], str, str, str]] = [
    (
        Cluster.EDUCATION,
        ("dpupr", "perkim"),
        "Taman dekat rumah saya di RT 12 rusak, ayunannya patah dan kami tidak bisa bermain.",
        "Ayunan di taman dekat rumah rusak. Anak-anak ingin bisa bermain lagi.",
        "Kami sudah memeriksa taman itu. Ayunan baru dipasang bulan ini.",
    ),
    (
        Cluster.EDUCATION,
        ("dispustakar",),
        "Perpustakaan kota tutup terlalu cepat, kami pulang sekolah jam 3 sudah hampir tutup.",
        "Perpustakaan kota tutup terlalu cepat untuk anak sekolah.",
        "Mulai bulan depan perpustakaan buka sampai jam 5 sore pada hari sekolah.",
    ),
    (
        Cluster.EDUCATION,
        ("disdikbud",),
        "Di sekolah kami tidak ada tempat sampah terpilah dan kantin menjual minuman manis.",
        "Sekolah perlu tempat sampah terpilah dan jajanan yang sehat.",
        "Kami mengirim surat ke semua sekolah tentang kantin sehat dan tempat sampah terpilah.",
    ),
    (
        Cluster.EDUCATION,
        ("dispora",),
        "Lapangan futsal di kelurahan kami selalu dipakai orang dewasa, anak-anak tidak kebagian.",
        "Anak-anak ingin punya jadwal sendiri di lapangan olahraga kelurahan.",
        "Setiap Sabtu pagi lapangan sekarang dipakai khusus untuk anak-anak.",
    ),
    (
        Cluster.HEALTH,
        ("dinkes",),
        "Banyak teman saya merokok di dekat sekolah dan warung menjual rokok ke anak.",
        "Ada yang menjual rokok kepada anak di dekat sekolah.",
        "Petugas kami bersama Satpol PP memeriksa warung di sekitar sekolah.",
    ),
    (
        Cluster.HEALTH,
        ("dinkes",),
        "Kami ingin ada konseling remaja di Puskesmas yang tidak membuat malu.",
        "Anak remaja ingin tempat cerita yang nyaman di Puskesmas.",
        "Puskesmas membuka layanan remaja setiap Rabu sore dengan petugas yang terlatih.",
    ),
    (
        Cluster.HEALTH,
        ("dlh",),
        "Sungai di belakang rumah kami bau dan penuh sampah.",
        "Sungai di dekat rumah warga bau dan penuh sampah.",
        "Kami membersihkan sungai itu bersama warga dan memasang papan larangan buang sampah.",
    ),
    (
        Cluster.CIVIL_RIGHTS,
        ("disdukcapil",),
        "Adik saya belum punya akta kelahiran karena orang tua sibuk bekerja.",
        "Masih ada anak yang belum punya akta kelahiran.",
        "Akta kelahiran bisa diurus di kelurahan atau online. Petugas kami juga datang ke sekolah.",
    ),
    (
        Cluster.CIVIL_RIGHTS,
        ("disdukcapil",),
        "Kami ingin Kartu Identitas Anak bisa dibuat di sekolah.",
        "Anak-anak ingin membuat Kartu Identitas Anak di sekolah.",
        "Tahun ini kami datang ke 20 sekolah untuk membuat Kartu Identitas Anak.",
    ),
    (
        Cluster.CIVIL_RIGHTS,
        ("diskominfo",),
        "Banyak iklan judi online muncul di HP kami saat main game.",
        "Iklan judi online muncul saat anak bermain game.",
        "Kami melaporkan situs itu dan mengadakan kelas aman internet di sekolah.",
    ),
    (
        Cluster.FAMILY,
        ("dp3akb",),
        "Orang tua kami jarang di rumah, kami ingin ada kegiatan keluarga di kelurahan.",
        "Anak-anak ingin ada kegiatan untuk keluarga di kelurahan.",
        "Puspaga mengadakan kelas orang tua dan hari keluarga setiap bulan.",
    ),
    (
        Cluster.FAMILY,
        ("dinsos",),
        "Ada teman kami yang tinggal di panti dan tidak bisa ikut kegiatan Forum Anak.",
        "Anak yang tinggal di panti juga ingin ikut kegiatan Forum Anak.",
        "Kami mengajak anak-anak di panti ikut kegiatan Forum Anak mulai bulan ini.",
    ),
    (
        Cluster.PROTECTION,
        ("dp3akb",),
        "Teman saya sering dirundung di sekolah dan tidak tahu harus lapor ke mana.",
        "Anak yang dirundung tidak tahu harus melapor ke mana.",
        "Kami membuat poster nomor pengaduan di semua sekolah dan melatih guru.",
    ),
    (
        Cluster.PROTECTION,
        ("dishub",),
        "Jalan ke sekolah kami tidak ada zebra cross dan mobil sangat cepat.",
        "Jalan ke sekolah tidak punya zebra cross dan mobil melaju cepat.",
        "Zebra cross dan rambu sekolah sudah dipasang. Petugas menjaga saat pagi.",
    ),
    (
        Cluster.PROTECTION,
        ("satpol-pp",),
        "Di dekat taman ada orang dewasa yang minum-minuman keras setiap malam.",
        "Ada orang dewasa minum minuman keras di dekat taman anak.",
        "Petugas kami berpatroli di taman itu setiap malam.",
    ),
    (
        Cluster.KELEMBAGAAN,
        ("bappeda",),
        "Kami ingin Forum Anak diundang ke Musrenbang kota, bukan hanya kelurahan.",
        "Forum Anak ingin diundang ke Musrenbang kota.",
        "Forum Anak sekarang selalu diundang ke Musrenbang kota.",
    ),
    (
        Cluster.KELEMBAGAAN,
        ("dp3akb",),
        "Forum Anak di kecamatan kami tidak punya ruang untuk rapat.",
        "Forum Anak kecamatan butuh ruang untuk rapat.",
        "Kantor kecamatan menyediakan ruang rapat untuk Forum Anak setiap Sabtu.",
    ),
]

SCHOOLS = [
    "SMP Negeri 1 Balikpapan",
    "SMP Negeri 5 Balikpapan",
    "SMA Negeri 2 Balikpapan",
    "SMK Negeri 1 Balikpapan",
    "MTs Negeri Balikpapan",
    "SMP Patra Dharma",
    "SMA Negeri 8 Balikpapan",
]

TOPICS = [
    "Ruang bermain ramah anak",
    "Sekolah ramah anak dan perundungan",
    "Kawasan tanpa rokok",
    "Aman di internet",
    "Usulan anak untuk Musrenbang",
]

#: How many aspirations end in each status.
STATUS_PLAN = [Status.NEW] * 4 + [Status.RECEIVED] * 10 + [Status.ANSWERED] * 12
STATUS_PLAN += [Status.ACTED] * 14


def _forum(
    actor: User,
    city: Region,
    region: Region,
    level: str,
    name: str,
    decree: str,
    users: list[User],
) -> Forum:
    forum = services.forum_create(
        actor=actor,
        city=city,
        data=services.ForumData(
            level=level,
            region=region,
            name=name,
            decree=decree,
            decree_on=datetime.date(2023, 11, 26),
        ),
    )
    if users:
        forum.facilitators.set(users)
    return forum


def seed_participation(context: DemoContext) -> None:
    home: Region = context.shared["home"]
    if Forum.objects.filter(city=home, level=ForumLevel.CITY).exists():
        context.report.append("Forum Anak: demo data already present.")
        return
    rng = context.rng
    facilitator = User.objects.filter(username=FACILITATOR).first()
    secretariat = User.objects.filter(username=SECRETARIAT).first()
    actor = facilitator or secretariat
    if actor is None:
        return
    kecamatan = list(Region.objects.filter(parent=home, level="kecamatan").order_by("code"))
    kelurahan = list(Region.objects.filter(parent__in=kecamatan).order_by("code"))
    agencies = {a.code: a for a in Agency.objects.filter(region=home, is_active=True)}
    today = timezone.localdate()
    city_forum = _forum(
        actor,
        home,
        home,
        ForumLevel.CITY,
        "Forum Anak Kota Balikpapan",
        "188.45-512/2023",
        [facilitator] if facilitator else [],
    )
    forums = [city_forum]
    for region in kecamatan:
        forums.append(
            _forum(
                actor,
                home,
                region,
                ForumLevel.KECAMATAN,
                f"Forum Anak Kecamatan {region.name}",
                "",
                [facilitator] if facilitator and region == kecamatan[0] else [],
            )
        )
    members = _seed_members(context, forums, kelurahan, actor, today)
    consultations = _seed_consultations(rng, forums, actor, today)
    count = _seed_aspirations(
        context, home, forums, members, consultations, kelurahan, agencies, actor, today
    )
    context.report.append(
        f"Forum Anak: {len(forums)} forums, {len(members)} members, {count} aspirations; "
        f"facilitator login {FACILITATOR}, public form /suara-anak/."
    )


def _seed_members(
    context: DemoContext,
    forums: list[Forum],
    kelurahan: list[Region],
    actor: User,
    today: datetime.date,
) -> list[Member]:
    rng = context.rng
    members: list[Member] = []
    plan = [(forums[0], 14)] + [(f, 3) for f in forums[1:]]
    for forum, count in plan:
        for i in range(count):
            local = [k for k in kelurahan if k.code.startswith(f"{forum.region.code}.")]
            joined = today - datetime.timedelta(days=rng.randint(60, 700))
            member = services.member_add(
                actor=actor,
                forum=forum,
                data=services.MemberData(
                    name=person_name(rng),
                    birth_year=today.year - rng.randint(12, 17),
                    school=rng.choice(SCHOOLS),
                    kelurahan=rng.choice(local or kelurahan) if kelurahan else None,
                    is_board=i < (7 if forum.level == ForumLevel.CITY else 2),
                    kha_trained_on=(
                        joined + datetime.timedelta(days=rng.randint(10, 50))
                        if i < (5 if forum.level == ForumLevel.CITY else 1)
                        else None
                    ),
                    joined_on=joined,
                ),
                consent=services.ConsentData(
                    given_by=person_name(rng),
                    relation=rng.choice(ConsentRelation.values),
                    given_on=joined,
                ),
            )
            members.append(member)
    # One parent withdrew consent: the child left and the data is erased.
    leaver = members[-1]
    consent = leaver.consents.get()
    services.consent_withdraw(actor=actor, consent=consent, on=today - datetime.timedelta(days=20))
    return [m for m in members if m.pk != leaver.pk]


def _seed_consultations(
    rng: random.Random, forums: list[Forum], actor: User, today: datetime.date
) -> list[Consultation]:
    made = []
    for index, forum in enumerate(forums):
        for j in range(2 if index == 0 else 1):
            total = rng.randint(25, 120)
            girls = rng.randint(total // 3, total * 2 // 3)
            made.append(
                services.consultation_record(
                    actor=actor,
                    forum=forum,
                    data=services.ConsultationData(
                        held_on=today - datetime.timedelta(days=rng.randint(30, 200) + j * 30),
                        topic=TOPICS[(index + j) % len(TOPICS)],
                        participants=total,
                        girls=girls,
                        boys=total - girls,
                        notes="Diskusi kelompok dan pemungutan suara usulan.",
                    ),
                )
            )
    return made


def _seed_aspirations(
    context: DemoContext,
    home: Region,
    forums: list[Forum],
    members: list[Member],
    consultations: list[Consultation],
    kelurahan: list[Region],
    agencies: dict[str, Agency],
    actor: User,
    today: datetime.date,
) -> int:
    rng = context.rng
    plan = list(STATUS_PLAN)
    rng.shuffle(plan)
    count = 0
    for index, status in enumerate(plan):
        cluster, codes, said, public, answer = ASPIRATIONS[index % len(ASPIRATIONS)]
        agency = next((agencies[c] for c in codes if c in agencies), None)
        forum = forums[index % len(forums)]
        kind = index % 4
        if kind == 0:
            aspiration = services.aspiration_submit_public(
                city=home,
                data=services.AspirationData(
                    text=said,
                    kelurahan=rng.choice(kelurahan) if kelurahan else None,
                    child_name=person_name(rng) if rng.random() < 0.4 else "",
                    child_age=rng.randint(9, 17) if rng.random() < 0.6 else None,
                ),
            )
        else:
            forum_consultations = [c for c in consultations if c.forum_id == forum.pk]
            forum_members = [m for m in members if m.forum_id == forum.pk]
            aspiration = services.aspiration_record(
                actor=actor,
                forum=forum,
                data=services.AspirationData(
                    text=said,
                    cluster=cluster,
                    member=rng.choice(forum_members) if kind == 1 and forum_members else None,
                    consultation=(
                        rng.choice(forum_consultations)
                        if kind == 2 and forum_consultations
                        else None
                    ),
                ),
            )
        count += 1
        submitted_days_ago = rng.randint(5, 150)
        if status == Status.NEW or agency is None:
            _backdate(aspiration, submitted_days_ago, today, None)
            continue
        services.aspiration_route(
            actor=actor,
            aspiration=aspiration,
            cluster=cluster,
            agency=agency,
            safe_text=public,
            notify=False,
        )
        overdue = status == Status.RECEIVED and index % 3 == 0
        _backdate(aspiration, submitted_days_ago, today, overdue)
        if status in (Status.ANSWERED, Status.ACTED):
            responder = (
                User.objects.filter(agency=agency, role_assignments__role=Role.OPD_FOCAL)
                .order_by("pk")
                .first()
            )
            aspiration = services.aspiration_respond(
                actor=responder or actor,
                aspiration=aspiration,
                status=Status.ANSWERED,
                response=answer,
            )
            if status == Status.ACTED:
                aspiration = services.aspiration_respond(
                    actor=responder or actor, aspiration=aspiration, status=status, response=answer
                )
        publish = status != Status.RECEIVED or rng.random() < 0.3
        if publish and rng.random() < 0.8:
            services.aspiration_publish(actor=actor, aspiration=aspiration, public_text=public)
        if cluster in (Cluster.EDUCATION, Cluster.PROTECTION, Cluster.KELEMBAGAAN) and (
            rng.random() < 0.6
        ):
            outcome = rng.choice(list(PlanningStatus.values))
            year = today.year
            services.planning_record(
                actor=actor,
                aspiration=aspiration,
                data=services.PlanningData(
                    level=rng.choice(list(PlanningLevel.values)),
                    year=year,
                    status=outcome,
                    funded_year=year + 1 if outcome == PlanningStatus.FUNDED else None,
                    amount=(
                        Decimal(rng.randint(5, 50) * 10_000_000)
                        if outcome == PlanningStatus.FUNDED
                        else None
                    ),
                ),
            )
    return count


def _backdate(
    aspiration: Aspiration, days_ago: int, today: datetime.date, overdue: bool | None
) -> None:
    """Spread the demo over the last months (demo only: the services stamp "now")."""
    submitted = timezone.now() - datetime.timedelta(days=days_ago)
    values: dict[str, object] = {"submitted_at": submitted}
    if overdue is not None:
        values["routed_at"] = submitted + datetime.timedelta(days=2)
        due = submitted.date() + datetime.timedelta(days=2 + services.due_days())
        if overdue:
            due = min(due, today - datetime.timedelta(days=3))
        else:
            due = max(due, today + datetime.timedelta(days=7))
        values["due_on"] = due
    Aspiration.objects.filter(pk=aspiration.pk).update(**values)
