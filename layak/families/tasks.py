"""Background jobs of Puspaga: e-mail reminders to families the day before their appointment
(``layak puspaga_reminders``, run daily). The e-mail names the time and place only, never the
topic or anything the family told."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from layak.families.models import Booking, BookingStatus


@task()
def send_booking_reminder(booking_id: int) -> int:
    """Send one reminder; idempotent (a booking is reminded once, and only while booked)."""
    booking = Booking.objects.select_related("family", "service_point").get(pk=booking_id)
    email = booking.family.email or ""
    if booking.status != BookingStatus.BOOKED or booking.reminder_sent_at or not email:
        return 0
    claimed = Booking.objects.filter(pk=booking.pk, reminder_sent_at__isnull=True).update(
        reminder_sent_at=timezone.now()
    )
    if not claimed:
        return 0
    local = timezone.localtime(booking.starts_at)
    try:
        with translation.override(settings.LANGUAGE_CODE):
            send_mail(
                subject=_("[Puspaga] Reminder of your consultation on %(date)s")
                % {"date": local.strftime("%d-%m-%Y")},
                message=_(
                    "This is a reminder of your consultation at Puspaga on %(date)s at %(time)s, "
                    "at %(place)s (%(address)s). Your reference: %(code)s.\n"
                    "If you cannot come, please tell us so that another family can use the time."
                )
                % {
                    "date": local.strftime("%d-%m-%Y"),
                    "time": local.strftime("%H:%M"),
                    "place": booking.service_point.name,
                    "address": booking.service_point.address or "-",
                    "code": booking.family.code,
                },
                from_email=None,
                recipient_list=[email],
            )
    except Exception:
        # Not sent: release the claim so that the next run tries again, then let the job fail.
        Booking.objects.filter(pk=booking.pk).update(reminder_sent_at=None)
        raise
    return 1


def enqueue_reminders(day: datetime.date | None = None) -> int:
    """Enqueue a reminder for every booking on ``day`` (tomorrow by default) not yet reminded;
    returns how many were enqueued."""
    day = day or timezone.localdate() + datetime.timedelta(days=1)
    zone = timezone.get_default_timezone()
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=zone)
    bookings = Booking.objects.filter(
        status=BookingStatus.BOOKED,
        reminder_sent_at__isnull=True,
        starts_at__gte=start,
        starts_at__lt=start + datetime.timedelta(days=1),
    ).select_related("family")
    count = 0
    for booking in bookings:
        if booking.family.email:
            send_booking_reminder.enqueue(booking.pk)
            count += 1
    return count
