"""Background jobs of the plans module: follow-up reminders (``layak followup_reminders``)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from layak.accounts.models import User
from layak.accounts.roles import Role
from layak.plans.models import FollowUp


def recipients_of(followup: FollowUp) -> list[str]:
    """The person in charge, or else the OPD focal points of the owner agency."""
    if followup.owner is not None and followup.owner.is_active and followup.owner.email:
        return [followup.owner.email]
    people = User.objects.filter(
        agency_id=followup.agency_id, is_active=True, role_assignments__role=Role.OPD_FOCAL
    ).exclude(email="")
    return sorted({p.email for p in people})


@task()
def send_followup_reminder(followup_id: int, stage: str) -> int:
    """E-mail one reminder of a follow-up; ``stage`` is "before" or "due"."""
    followup = FollowUp.objects.select_related("meeting", "owner").get(pk=followup_id)
    if followup.done_on is not None:
        return 0
    recipients = recipients_of(followup)
    if not recipients:
        return 0
    link = f"{settings.LAYAK_BASE_URL}{reverse('plans:my_followups')}"
    with translation.override(settings.LANGUAGE_CODE):
        if stage == "due":
            subject = _("[Layak] Task-force follow-up due %(date)s")
        else:
            subject = _("[Layak] Task-force follow-up due soon (%(date)s)")
        body = _(
            "Follow-up of the meeting “%(meeting)s” (%(held)s), due %(date)s:\n\n%(text)s\n\n"
            "Record when it is done: %(link)s"
        ) % {
            "meeting": followup.meeting.title,
            "held": followup.meeting.held_on.isoformat(),
            "date": followup.due_on.isoformat(),
            "text": followup.text,
            "link": link,
        }
        send_mail(
            subject=subject % {"date": followup.due_on.isoformat()},
            message=body,
            from_email=None,
            recipient_list=recipients,
        )
    return len(recipients)
