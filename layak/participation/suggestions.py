"""Forum Anak figures as suggested answers for evaluation indicator 6 (Partisipasi anak).

The data fields are those of the indicator-6 questions in
``layak/evaluations/data/demo-questions.csv``: board members and those trained in the
Convention on the Rights of the Child (6.02), children's proposals in Musrenbang and those
accommodated (6.03), Pelopor activities (consultations held) and Pelapor reports (aspirations
voiced) (6.04). The evaluation shows them next to the questions; an agency takes them over
with one action, nothing changes an answer by itself.
"""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.utils.translation import gettext as _

from layak.evaluations.suggestions import Suggestion
from layak.indicators.derived import DerivedRow, end_of
from layak.participation.models import Forum, ForumLevel
from layak.participation.selectors import participation_figures
from layak.regions.models import Region
from layak.regions.selectors import kelurahan_choices

PROVIDER_KEY = "participation.forum"
INDICATOR = "6"


def compute(city: Region, year: int, area: Region | None) -> Suggestion | None:
    figures = participation_figures(city, year, area)
    if figures.forums == 0:
        return None
    text = _(
        "Forum Anak %(year)d: %(forums)d forum(s) with %(members)s members, %(board)s board "
        "members of whom %(trained)s trained in the Convention on the Rights of the Child; "
        "%(consultations)d consultation(s) with %(participants)s children; %(aspirations)d "
        "aspiration(s) voiced, %(answered)d answered by the agencies (%(acted)d acted upon); "
        "%(proposed)d proposed in Musrenbang, %(accommodated)d accommodated."
    ) % {
        "year": year,
        "forums": figures.forums,
        "members": figures.members,
        "board": figures.board,
        "trained": figures.board_trained,
        "consultations": figures.consultations,
        "participants": figures.consultation_participants,
        "aspirations": figures.aspirations,
        "answered": figures.answered,
        "acted": figures.acted,
        "proposed": figures.proposed,
        "accommodated": figures.accommodated,
    }
    # Counts of children hidden by the disclosure control are no value to take over.
    children = {
        "jumlah_pengurus": figures.children["board"],
        "jumlah_pengurus_terlatih_kha": figures.children["trained"],
    }
    return Suggestion(
        source=_("Forum Anak, %(year)d") % {"year": year},
        text=text,
        values={
            **{field: str(shown) for field, shown in children.items() if shown is not None},
            "jumlah_usulan_anak": str(figures.proposed),
            "jumlah_usulan_diakomodasi": str(figures.accommodated),
            "jumlah_kegiatan_pelopor": str(figures.consultations),
            "jumlah_laporan_pelapor": str(figures.aspirations),
        },
    )


def forum_coverage_rows(city: Region, year: int) -> list[DerivedRow] | None:
    """The indicator ``forum-anak``: per kecamatan, kelurahan with an active kelurahan Forum
    Anak (decreed or recorded by the year's end) out of all kelurahan; None before any forum."""
    end = end_of(year)
    forums = Forum.objects.filter(city=city, level=ForumLevel.KELURAHAN, is_active=True).filter(
        Q(decree_on__lte=end) | Q(decree_on__isnull=True, created_at__date__lte=end)
    )
    if not Forum.objects.filter(city=city, created_at__date__lte=end).exists():
        return None
    with_forum = set(forums.values_list("region__code", flat=True))
    kelurahan = kelurahan_choices(city).values_list("code", flat=True)
    totals: dict[str, list[int]] = {}
    for code in kelurahan:
        total = totals.setdefault(code.rsplit(".", 1)[0], [0, 0])
        total[0] += int(code in with_forum)
        total[1] += 1
    kecamatan = Region.objects.filter(code__in=list(totals)).defer("boundary")
    start = datetime.date(year, 1, 1)
    return [DerivedRow(k, start, *totals[k.code]) for k in kecamatan.order_by("code")]
