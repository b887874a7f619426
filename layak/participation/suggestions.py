"""Forum Anak figures as suggested answers for evaluation indicator 6 (Partisipasi anak).

The data fields are those of the indicator-6 questions in
``layak/evaluations/data/demo-questions.csv``: board members and those trained in the
Convention on the Rights of the Child (6.02), children's proposals in Musrenbang and those
accommodated (6.03), Pelopor activities (consultations held) and Pelapor reports (aspirations
voiced) (6.04). The evaluation shows them next to the questions; an agency takes them over
with one action, nothing changes an answer by itself.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from layak.evaluations.suggestions import Suggestion
from layak.participation.selectors import participation_figures
from layak.regions.models import Region

PROVIDER_KEY = "participation.forum"
INDICATOR = "6"


def compute(city: Region, year: int, area: Region | None) -> Suggestion | None:
    figures = participation_figures(city, year, area)
    if figures.forums == 0:
        return None
    text = _(
        "Forum Anak %(year)d: %(forums)d forum(s) with %(members)d members, %(board)d board "
        "members of whom %(trained)d trained in the Convention on the Rights of the Child; "
        "%(consultations)d consultation(s) with %(participants)d children; %(aspirations)d "
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
    return Suggestion(
        source=_("Forum Anak, %(year)d") % {"year": year},
        text=text,
        values={
            "jumlah_pengurus": str(figures.board),
            "jumlah_pengurus_terlatih_kha": str(figures.board_trained),
            "jumlah_usulan_anak": str(figures.proposed),
            "jumlah_usulan_diakomodasi": str(figures.accommodated),
            "jumlah_kegiatan_pelopor": str(figures.consultations),
            "jumlah_laporan_pelapor": str(figures.aspirations),
        },
    )
