"""Background jobs of the Forum Anak module: e-mails that never carry a child's identity or
the aspiration's text (only its number, cluster, agency and a link), and the daily deadline
check (``layak aspiration_deadlines``)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from layak.accounts.models import User
from layak.accounts.roles import Role
from layak.participation.models import Aspiration


def _mail(people: list[User], subject: str, body: str) -> int:
    recipients = sorted({p.email for p in people if p.email})
    if recipients:
        send_mail(subject=subject, message=body, from_email=None, recipient_list=recipients)
    return len(recipients)


def _link(aspiration: Aspiration) -> str:
    return f"{settings.LAYAK_BASE_URL}{reverse('participation:aspiration', args=[aspiration.pk])}"


def secretariat_of(city_id: int) -> list[User]:
    """The task-force secretariat of a city (people of the city's agencies with the role)."""
    return list(
        User.objects.filter(
            is_active=True, role_assignments__role=Role.SECRETARIAT, agency__region_id=city_id
        ).distinct()
    )


def focal_points_of(agency_id: int) -> list[User]:
    return list(
        User.objects.filter(
            is_active=True, role_assignments__role=Role.OPD_FOCAL, agency_id=agency_id
        ).distinct()
    )


@task()
def notify_aspiration_routed(aspiration_id: int) -> int:
    """Tell the agency's focal points that an aspiration waits for their answer."""
    aspiration = Aspiration.objects.select_related("agency").get(pk=aspiration_id)
    if aspiration.agency_id is None or aspiration.due_on is None:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        return _mail(
            focal_points_of(aspiration.agency_id),
            _("[Layak] A children's aspiration for %(agency)s") % {"agency": aspiration.agency},
            _(
                "Forum Anak routed aspiration no. %(number)s to your agency. "
                "Answer by %(date)s: %(link)s"
            )
            % {
                "number": aspiration.pk,
                "date": aspiration.due_on.isoformat(),
                "link": _link(aspiration),
            },
        )


@task()
def notify_aspirations_overdue(aspiration_ids: list[int]) -> int:
    """Tell each city's secretariat which aspirations its agencies did not answer in time."""
    sent = 0
    by_city: dict[int, list[Aspiration]] = {}
    for aspiration in Aspiration.objects.filter(pk__in=aspiration_ids).select_related("agency"):
        by_city.setdefault(aspiration.city_id, []).append(aspiration)
    with translation.override(settings.LANGUAGE_CODE):
        for city_id, aspirations in sorted(by_city.items()):
            lines = [
                _("No. %(number)s — %(agency)s, due %(date)s: %(link)s")
                % {
                    "number": a.pk,
                    "agency": a.agency or "-",
                    "date": a.due_on.isoformat() if a.due_on else "-",
                    "link": _link(a),
                }
                for a in sorted(aspirations, key=lambda a: a.pk)
            ]
            sent += _mail(
                secretariat_of(city_id),
                _("[Layak] %(count)d children's aspiration(s) not answered in time")
                % {"count": len(aspirations)},
                _("These aspirations were not answered by their due date:")
                + "\n"
                + "\n".join(lines),
            )
    return sent
